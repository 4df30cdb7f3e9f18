import type { Context } from "hono";
import { Hono } from "hono/tiny";
import type { AppEnv } from "../env";
import { AppError, type ErrorCode } from "../errors";
import { consentUrlOf, runVerification } from "../flows/attempts";
import { boundAuthorization, issuerOf } from "../flows/authorization";
import { withVerification } from "../http/context";
import { errorPage } from "../http/error-page";
import { validator } from "../http/openapi";
import { verifyLimit } from "../http/rate-limit";
import { requireConfig } from "../http/security";
import { deniedRedirect } from "../oidc/authorization";
import { resultPage } from "../views/result-page";
import { RedirectQuery } from "./schemas";

/** The person closed or cancelled the window, as the query claims it: only the wording depends on it, never the outcome. */
const cancelled = (c: Context<AppEnv>) => {
  try {
    return c.get("config").provider.fromRedirect(c.req.query()).cancelled;
  } catch {
    return false;
  }
};

/**
 * The redirect URL: where the provider's window sends the browser back in redirect mode. The same verification as
 * `POST /certifications`, answered with an HTML page whose status is the one the JSON route would give. A sub-app
 * of its own, so that every error here, whatever raised it, is a page, never JSON.
 */
export const redirect = new Hono<AppEnv>()
  .get("/", requireConfig, verifyLimit, validator("query", RedirectQuery), withVerification, async (c) => {
    const { ref, cancelled } = c.get("config").provider.fromRedirect(c.req.query());
    if (!ref) throw new AppError("not_certified", cancelled ? "cancelled" : "no result id");
    const { result, redirectTo } = await runVerification(c, ref);
    // Inside an OIDC authorization: on to the client with the code; See Other, so the client answers with a GET.
    if (redirectTo) return c.redirect(redirectTo, 303);
    // A child: the page shows the guardian's link and waits for the consent (202, as the JSON route answers).
    if (result.outcome === "guardian_required" && result.guardian) {
      return resultPage(c, { result, consentUrl: await consentUrlOf(c, result.guardian) }, 202);
    }
    return resultPage(c, { result });
  })
  .onError(async (err, c) => errorPage(c, err, { cancelled: cancelled(c), back: await linkBack(c) }));

/** After a failure inside an OIDC authorization, the way back to the client: `access_denied` with our code. */
async function linkBack(c: Context<AppEnv>): Promise<((code: ErrorCode) => string) | undefined> {
  try {
    const attemptId = c.get("config").provider.attemptOfRedirect(c.req.query());
    const authorization = attemptId ? await boundAuthorization(c, attemptId) : undefined;
    const issuer = issuerOf(c);
    return authorization && ((code) => deniedRedirect(issuer, authorization, code));
  } catch {
    return undefined;
  }
}
