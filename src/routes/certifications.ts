import { Hono } from "hono";
import { describeRoute, validator } from "hono-openapi";
import type { AppEnv } from "../env";
import { AppError } from "../errors";
import { answerOf, runVerification, startAttempt } from "../http/attempts";
import { withVerification } from "../http/context";
import { prepareLimit, verifyLimit } from "../http/rate-limit";
import { requireConfig, sameOriginPosts } from "../http/security";
import { invalidRequest, jsonObjectBody, limitBody } from "../http/validation";
import { openAuthorization } from "../oidc/authorization";
import { errors, json, PrepareBody, PrepareResponse, VerificationResponse, VerifyBody } from "./schemas";

/** The JSON routes of a verification: issue an attempt, verify its result. Errors go through the app's onError. */
export const certifications = new Hono<AppEnv>()
  .post(
    "/prepare",
    describeRoute({
      summary: "Issue a verification attempt bound to this browser (sets an HttpOnly cookie); nothing is stored",
      responses: {
        201: json("the attempt, and what the page passes to IMP.certification", PrepareResponse),
        ...errors("invalid_request", "payload_too_large", "forbidden_origin", "rate_limited", "not_configured"),
      },
    }),
    sameOriginPosts,
    requireConfig,
    prepareLimit,
    limitBody,
    jsonObjectBody({ optional: true }),
    validator("json", PrepareBody, invalidRequest),
    async (c) => {
      // Inside an OIDC authorization the renewed attempt runs it too: sealed here, unexpired, its client still allowed.
      const sealed = c.req.valid("json").authorization;
      if (sealed !== undefined) await openAuthorization(c.get("config"), sealed);
      return c.json(await startAttempt(c, sealed), 201);
    },
  )
  .post(
    "/",
    describeRoute({
      summary: "Verify a result on the server (V1 certification, V2 identity verification) and find or create the person's one account",
      responses: {
        200: json("verified: a new account, or the one this person already has", VerificationResponse),
        ...errors(
          "invalid_request",
          "payload_too_large",
          "unsupported_media_type",
          "forbidden_origin",
          "certification_not_found",
          "unknown_merchant_uid",
          "session_mismatch",
          "session_expired",
          "imp_uid_reused",
          "not_certified",
          "identity_unavailable",
          "identity_conflict",
          "age_restricted",
          "rate_limited",
          "upstream_unauthorized",
          "upstream_error",
          "upstream_timeout",
          "not_configured",
        ),
      },
    }),
    sameOriginPosts,
    requireConfig,
    verifyLimit,
    limitBody,
    jsonObjectBody({ optional: false }),
    validator("json", VerifyBody, invalidRequest),
    withVerification,
    async (c) => {
      // The body names the result as the configured provider does: V1 an imp_uid, V2 the identity verification id.
      const ref = c.get("config").provider.fromBody(c.req.valid("json") as Record<string, unknown>);
      if (!ref) throw new AppError("invalid_request", "body for another provider");
      const { result, redirectTo } = await runVerification(c, ref);
      return c.json({ ...answerOf(c, result), ...(redirectTo ? { redirect_to: redirectTo } : {}) }, 200);
    },
  );
