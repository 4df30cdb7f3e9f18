import { Hono } from "hono";
import * as v from "valibot";
import { consentStatusOf } from "../db/guardian";
import type { AppEnv } from "../env";
import { AppError } from "../errors";
import { startAttempt, verifiedAnswer } from "../http/attempts";
import { browserToken } from "../http/browser";
import { withStorage, withVerification } from "../http/context";
import { describeRoute, validator } from "../http/openapi";
import { prepareLimit, verifyLimit } from "../http/rate-limit";
import { requireConfig, sameOriginPosts } from "../http/security";
import { jsonObjectBody, limitBody } from "../http/validation";
import { sha256Hex } from "../lib/crypto";
import { openAuthorization } from "../oidc/authorization";
import { openConsent } from "../verification/consent";
import {
  ConsentGivenResponse,
  errors,
  GuardianRequiredResponse,
  GuardianStatusResponse,
  json,
  PrepareBody,
  PrepareResponse,
  VerificationResponse,
  VerifyBody,
} from "./schemas";

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
    describeRoute({
      summary: "Verify a result on the server (V1 certification, V2 identity verification) and find or create the person's one account",
      responses: {
        200: json(
          "verified: a new account, or the one this person already has (or, from a guardian's page, the consent recorded)",
          v.union([VerificationResponse, ConsentGivenResponse]),
        ),
        202: json("a child: the account waits for a legal guardian's consent, through the link", GuardianRequiredResponse),
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
          "consent_expired",
          "consent_used",
          "guardian_is_child",
          "guardian_not_adult",
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
  .get(
    "/guardian-status",
    describeRoute({
      summary: "A child's page asks, with its binding cookie, whether the guardian has consented",
      responses: {
        200: json("how the consent of this browser's last verification stands", GuardianStatusResponse),
        ...errors("session_mismatch", "not_configured"),
      },
    }),
    requireConfig,
    withStorage("guardian"),
    async (c) => {
      c.header("Cache-Control", "no-store");
      const token = await browserToken(c);
      const status = token ? await consentStatusOf(c.get("db"), await sha256Hex(token), Date.now()) : undefined;
      if (!status) throw new AppError("session_mismatch", token ? "no verification in this browser" : "no binding cookie");
      return c.json(
        { status: status.status, ...(status.status === "pending_guardian" ? { expires_at: new Date(status.expiresAt).toISOString() } : {}) },
        200,
      );
    },
  );
