import type { DescribeRouteOptions } from "hono-openapi";
import * as v from "valibot";
import {
  ConsentGivenResponse,
  DiscoveryResponse,
  EventsResponse,
  errors,
  GuardianRequiredResponse,
  GuardianStatusResponse,
  HealthResponse,
  JwksResponse,
  json,
  OAuthErrorResponse,
  PrepareResponse,
  RedeliverResponse,
  SiteUserResponse,
  SmsSentResponse,
  TokenResponse,
  UserinfoResponse,
  VerificationResponse,
  WithdrawalResponse,
} from "./responses";

/**
 * What each JSON route answers, for the OpenAPI document (scripts/openapi.ts) only: a route names its entry where it
 * is defined (`describeRoute("prepare")`), the document is made from the routes themselves, and the Worker never
 * imports this module, so none of it ships to the edge. scripts/openapi.ts fails when a route names no entry, or
 * an entry is named by no route.
 */

/** What the SMS routes that send a code can answer. */
const SEND_ERRORS = [
  "invalid_request",
  "payload_too_large",
  "unsupported_media_type",
  "forbidden_origin",
  "unknown_merchant_uid",
  "session_mismatch",
  "session_expired",
  "imp_uid_reused",
  "otp_attempts_exceeded",
  "rate_limited",
  "not_found",
  "upstream_unauthorized",
  "upstream_error",
  "upstream_timeout",
  "not_configured",
] as const;

export const DESCRIPTIONS = {
  prepare: {
    summary: "Issue a verification attempt bound to this browser (sets an HttpOnly cookie); nothing is stored",
    responses: {
      201: json("the attempt, and what the page passes to IMP.certification", PrepareResponse),
      ...errors("invalid_request", "payload_too_large", "forbidden_origin", "rate_limited", "not_configured"),
    },
  },
  verify: {
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
  },
  guardianStatus: {
    summary: "A child's page asks, with its binding cookie, whether the guardian has consented",
    responses: {
      200: json("how the consent of this browser's last verification stands", GuardianStatusResponse),
      ...errors("session_mismatch", "not_configured"),
    },
  },
  health: {
    summary: "Whether the configuration is complete and valid",
    responses: {
      200: json("configured", HealthResponse),
      503: json("a configuration problem: the names of the wrong or missing vars", HealthResponse),
    },
  },
  jwks: {
    summary: "The public keys of ID tokens and access tokens (JWKS): the current one, then SIGNING_PREVIOUS_KEYS; empty without a key",
    responses: { 200: json("the key set", JwksResponse) },
  },
  discovery: {
    summary: "OpenID Connect discovery document",
    responses: { 200: json("the provider's metadata", DiscoveryResponse) },
  },
  token: {
    summary: "Exchange an authorization code (with its PKCE verifier) for an ID token and an access token",
    requestBody: {
      content: {
        "application/x-www-form-urlencoded": {
          schema: {
            type: "object",
            required: ["grant_type", "code", "redirect_uri", "code_verifier"],
            properties: {
              grant_type: { type: "string", enum: ["authorization_code"] },
              code: { type: "string" },
              redirect_uri: { type: "string" },
              code_verifier: { type: "string" },
              client_id: { type: "string" },
              client_secret: { type: "string" },
            },
          },
        },
      },
    },
    responses: {
      200: json("the tokens", TokenResponse),
      400: json("invalid_request, invalid_grant, unsupported_grant_type", OAuthErrorResponse),
      401: json("invalid_client", OAuthErrorResponse),
      503: json("temporarily_unavailable: not configured", OAuthErrorResponse),
    },
  },
  userinfo: {
    summary: "The verified person's claims for the access token's scopes",
    security: [{ accessToken: [] }],
    responses: { 200: json("the claims", UserinfoResponse), 401: { description: "no token, or an invalid one (see WWW-Authenticate)" } },
  },
  siteUser: {
    summary: "A person who authorized this client, by the sub it received",
    security: [{ clientCredentials: [] }],
    responses: { 200: json("the user", SiteUserResponse), ...errors("invalid_request", "unauthorized", "user_not_found", "not_configured") },
  },
  siteUserDelete: {
    summary: "The person leaves this client: its grant goes, and the account with the last grant",
    security: [{ clientCredentials: [] }],
    responses: { 200: json("deleted", WithdrawalResponse), ...errors("invalid_request", "unauthorized", "user_not_found", "not_configured") },
  },
  siteEvents: {
    summary: "This client's events, oldest first, after an event id: to catch up after an outage",
    security: [{ clientCredentials: [] }],
    responses: { 200: json("the events", EventsResponse), ...errors("invalid_request", "unauthorized", "not_configured") },
  },
  siteEventRedeliver: {
    summary: "Hands one of this client's events to the queue again (a failed one gets its tries again)",
    security: [{ clientCredentials: [] }],
    responses: { 202: json("queued", RedeliverResponse), ...errors("invalid_request", "unauthorized", "not_found", "not_configured") },
  },
  smsSend: {
    summary: "SMS: the provider sends a code to the person's phone for this attempt (no window)",
    responses: { 202: json("a code is on its way", SmsSentResponse), ...errors(...SEND_ERRORS) },
  },
  smsResend: {
    summary: "SMS: a new code, after a pause (v1 sends the form again: i'mport has no resend)",
    responses: { 202: json("a new code is on its way", SmsSentResponse), ...errors(...SEND_ERRORS) },
  },
  smsConfirm: {
    summary: "SMS: confirm the code; then the same verification as POST /certifications, with the same answers",
    responses: {
      200: json("verified (as POST /certifications)", v.union([VerificationResponse, ConsentGivenResponse])),
      202: json("a child: the account waits for a guardian's consent", GuardianRequiredResponse),
      ...errors(...SEND_ERRORS, "otp_invalid", "otp_expired", "not_certified", "identity_unavailable", "identity_conflict", "age_restricted"),
    },
  },
} satisfies Record<string, DescribeRouteOptions>;
