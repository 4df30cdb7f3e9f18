import { Hono } from "hono/tiny";
import type { AppEnv } from "../env";
import { AppError } from "../errors";
import { issuerOf } from "../flows/authorization";
import { answerConsent, pendingConsent } from "../flows/provision";
import { type StorageVariables, withStorage } from "../http/context";
import { errorPage } from "../http/error-page";
import { requireConfig } from "../http/security";
import { limitBody } from "../http/validation";
import { consentPage } from "../views/consent-page";

/**
 * `/consent`: a third-party client's consent page (GET), and the person's answer (POST, a form from the page itself:
 * its Origin must be this app's) → 303 to the client with the code, or with `access_denied` / `consent_declined`.
 */
export const provision = new Hono<AppEnv & { Variables: StorageVariables }>()
  .use(withStorage("oidc"))
  .get("/", requireConfig, async (c) => {
    const pending = await pendingConsent(c, c.req.query("attempt"));
    if ("done" in pending) return c.redirect(pending.done, 303);
    const { authorization, client, attempt } = pending;
    return consentPage(c, {
      clientName: client.name,
      purpose: client.consent.purpose,
      retention: client.consent.retention,
      scope: authorization.scope,
      attemptId: attempt.attemptId,
      clientOrigin: new URL(authorization.redirectUri).origin,
      lang: authorization.lang,
    });
  })
  .post("/", requireConfig, limitBody, async (c) => {
    if (c.req.header("Origin") !== issuerOf(c)) throw new AppError("forbidden_origin");
    if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(c.req.header("Content-Type") ?? "")) throw new AppError("invalid_request", "a form");
    const form = new URLSearchParams(await c.req.text());
    const decision = form.get("decision");
    if (decision !== "agree" && decision !== "decline") throw new AppError("invalid_request", "decision");
    const pending = await pendingConsent(c, form.get("attempt") ?? undefined);
    if ("done" in pending) return c.redirect(pending.done, 303);
    return c.redirect(await answerConsent(c, pending, decision === "agree"), 303);
  })
  .onError((err, c) => errorPage(c, err));
