import { type Context, Hono } from "hono";
import { validator } from "hono-openapi";
import * as v from "valibot";
import type { AppEnv } from "../env";
import { AppError, type ErrorCode } from "../errors";
import { logVerification } from "../http/log";
import { boundReturnTo, withParam } from "../http/return-to";
import { requireConfig } from "../http/security";
import { invalidRequest } from "../http/validation";
import { errorPage, resultPage } from "../views/result-page";
import { verifyLimit } from "./certifications";
import { AttemptId, ImpUid, RedirectQuery } from "./schemas";
import { runVerification } from "./verification";

/**
 * The person closed or cancelled the window (V1 `success=false` without an imp_uid, V2 a `code`): only the wording
 * depends on what the query claims, never the outcome.
 */
const cancelled = (c: Context<AppEnv>) =>
  c.get("config").provider === "v1"
    ? !c.req.query("imp_uid") && (c.req.query("success") ?? c.req.query("imp_success")) === "false"
    : c.req.query("code") !== undefined;

/**
 * The redirect URL: where the provider's window sends the browser back in redirect mode. The same verification as
 * `POST /certifications`, answered with an HTML page whose status is the one the JSON route would give. A sub-app
 * of its own, so that every error here, whatever raised it, is a page, never JSON.
 */
export const redirect = new Hono<AppEnv>()
  .get("/", requireConfig, verifyLimit, validator("query", RedirectQuery, invalidRequest), logVerification, async (c) => {
    const query = c.req.valid("query");
    const v2 = c.get("config").provider === "v2";
    const resultId = v2 ? query.identityVerificationId : query.imp_uid;
    if (!resultId) throw new AppError("not_certified", cancelled(c) ? "cancelled" : "no result id");
    const attemptId = v2 ? resultId : query.merchant_uid || undefined;
    if (!v.is(v2 ? AttemptId : ImpUid, resultId) || (attemptId !== undefined && !v.is(AttemptId, attemptId))) {
      throw new AppError("invalid_request", "ids in the query");
    }
    const { result, receipt, returnTo } = await runVerification(c, { resultId, attemptId });
    // Back to the site that sent the visitor, with the receipt; See Other: the site answers with a GET.
    if (returnTo && receipt) return c.redirect(withParam(returnTo, "verification", receipt), 303);
    return resultPage(c, { result });
  })
  .onError(async (err, c) => errorPage(c, err, { cancelled: cancelled(c), back: await linkBack(c) }));

/** After a failure, a link back to the attempt's `return_to` with the error, when one is bound (and intact). */
async function linkBack(c: Context<AppEnv>): Promise<((code: ErrorCode) => string) | undefined> {
  const attemptId = c.get("config").provider === "v2" ? c.req.query("identityVerificationId") : c.req.query("merchant_uid");
  if (!attemptId || !v.is(AttemptId, attemptId)) return undefined;
  const returnTo = await boundReturnTo(c, attemptId).catch(() => undefined);
  return returnTo && ((code) => withParam(returnTo, "verification_error", code));
}
