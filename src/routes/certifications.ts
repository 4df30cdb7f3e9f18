import { Hono } from "hono/tiny";
import { consentStatusOf } from "../db/guardian";
import type { AppEnv } from "../env";
import { AppError } from "../errors";
import { startAttempt, verifiedAnswer } from "../flows/attempts";
import { browserToken } from "../http/browser";
import { withStorage, withVerification } from "../http/context";
import { describeRoute, validator } from "../http/openapi";
import { prepareLimit, verifyLimit } from "../http/rate-limit";
import { requireConfig, sameOriginPosts } from "../http/security";
import { jsonObjectBody, limitBody } from "../http/validation";
import { sha256Hex } from "../lib/crypto";
import { openAuthorization } from "../oidc/authorization";
import { openConsent } from "../verification/consent";
import { PrepareBody, VerifyBody } from "./schemas";

/** The JSON routes of a verification: issue an attempt, verify its result. Errors go through the app's onError. */
export const certifications = new Hono<AppEnv>()
  .post(
    "/prepare",
    describeRoute("prepare"),
    sameOriginPosts,
    requireConfig,
    prepareLimit,
    limitBody,
    jsonObjectBody({ optional: true }),
    validator("json", PrepareBody),
    async (c) => {
      // Inside an OIDC authorization the renewed attempt runs it too: sealed here, unexpired, its client still allowed.
      const { authorization, consent } = c.req.valid("json");
      if (authorization !== undefined) await openAuthorization(c.get("config"), authorization);
      // The guardian's page renews its attempt with its link: sealed here (its deadline is checked when it verifies).
      if (consent !== undefined) await openConsent(c.get("config"), consent);
      return c.json(await startAttempt(c, { authorization, consent }), 201);
    },
  )
  .post(
    "/",
    describeRoute("verify"),
    sameOriginPosts,
    requireConfig,
    verifyLimit,
    limitBody,
    jsonObjectBody({ optional: false }),
    validator("json", VerifyBody),
    withVerification,
    async (c) => {
      // The body names the result as the configured provider does: V1 an imp_uid, V2 the identity verification id.
      const ref = c.get("config").provider.fromBody(c.req.valid("json") as Record<string, unknown>);
      if (!ref) throw new AppError("invalid_request", "body for another provider");
      const { status, body } = await verifiedAnswer(c, ref);
      return c.json(body, status);
    },
  )
  .get("/guardian-status", describeRoute("guardianStatus"), requireConfig, withStorage("guardian"), async (c) => {
    c.header("Cache-Control", "no-store");
    const token = await browserToken(c);
    const status = token ? await consentStatusOf(c.get("db"), await sha256Hex(token), Date.now()) : undefined;
    if (!status) throw new AppError("session_mismatch", token ? "no verification in this browser" : "no binding cookie");
    return c.json(
      { status: status.status, ...(status.status === "pending_guardian" ? { expires_at: new Date(status.expiresAt).toISOString() } : {}) },
      200,
    );
  });
