import * as v from "valibot";
import { ERRORS, type ErrorCode } from "../errors";
import { described } from "../http/openapi";
import { everyProvider, PROVIDERS } from "../providers/registry";
import { IsoTime } from "../providers/schemas";
import { Outcome, VerifiedUser } from "../verification/shapes";
import { Subject } from "./schemas";

/**
 * The shapes of the JSON routes' answers, declared once: /openapi.json describes the routes with them
 * (src/routes/descriptions.ts) and the tests hold every answer to them. The Worker never imports this module: what
 * it answers is built by the routes, and these schemas are documentation and checks, not code that ships.
 */

export const PrepareResponse = v.union(PROVIDERS.map((p) => p.schemas.prepare));

const GuardianConsent = v.object({ consented_at: IsoTime });
const Verification = v.union(PROVIDERS.map((p) => p.schemas.verification));

export const VerificationResponse = v.object({
  outcome: Outcome,
  guardian_consent: v.optional(v.pipe(GuardianConsent, v.description("a child's account: when a legal guardian consented"))),
  redirect_to: v.optional(
    v.pipe(
      v.string(),
      v.url(),
      v.description("inside an OIDC authorization: where the page sends the visitor, the client's redirect_uri with code, state and iss"),
    ),
  ),
  user: VerifiedUser,
  verification: Verification,
});

/** A guardian verified through the link of a child's account and consented: nothing about either person. */
export const ConsentGivenResponse = v.object({
  outcome: v.literal("guardian_consented"),
  guardian_consent: GuardianConsent,
  verification: Verification,
});

/** A child under GUARDIAN_CONSENT_UNDER: the account waits for a legal guardian's consent (PIPA §22-2). */
export const GuardianRequiredResponse = v.object({
  outcome: v.literal("guardian_required"),
  user: v.object({ ...VerifiedUser.entries, status: v.literal("pending_guardian") }),
  verification: Verification,
  guardian: v.object({
    consent_url: v.pipe(v.string(), v.url(), v.description("the guardian's page, to open on their own phone (also shown as a QR code)")),
    expires_at: v.pipe(IsoTime, v.description("until then the guardian can consent; after it nothing of the child is kept")),
  }),
});

export const GuardianStatusResponse = v.object({
  status: v.picklist(["pending_guardian", "active", "expired"]),
  expires_at: v.optional(IsoTime),
});

export const SiteUserResponse = v.object({
  user: v.object({
    id: v.pipe(Subject, v.description("the subject (`sub`) this client received")),
    name: v.string(),
    gender: v.nullable(v.picklist(["male", "female"])),
    birthday: v.pipe(v.string(), v.isoDate()),
    created_at: IsoTime,
    last_verified_at: v.nullable(IsoTime),
    guardian_consent: v.nullable(v.object({ consented_at: IsoTime })),
    consent: v.pipe(
      v.nullable(v.object({ consented_at: IsoTime, items: v.array(v.string()) })),
      v.description("a third-party client's consent to provision: when, and the claims it covers; null for a client without `consent`"),
    ),
  }),
});

const EventId = v.pipe(v.string(), v.regex(/^evt_[0-9a-z]{25}$/), v.description("the event's id: its `webhook-id` on every delivery"));

export const EventsResponse = v.object({
  events: v.array(
    v.object({
      id: EventId,
      type: v.picklist(["identity.verified", "guardian.consented", "user.deleted"]),
      timestamp: IsoTime,
      data: v.pipe(
        v.record(v.string(), v.unknown()),
        v.description("as delivered: `sub` and, by type, `outcome`, `auth_time`, `age`, `guardian_consent`, `consented_at`, `reason`"),
      ),
      delivery: v.object({ status: v.picklist(["pending", "delivered", "failed"]), tries: v.pipe(v.number(), v.integer()) }),
    }),
  ),
  has_more: v.boolean(),
});

export const RedeliverResponse = v.object({ queued: v.literal(true) });

export const WithdrawalResponse = v.object({
  deleted: v.literal(true),
  id: Subject,
  account_deleted: v.pipe(v.boolean(), v.description("true when no other client holds a grant: the account itself is gone")),
});

export const DiscoveryResponse = v.object({
  issuer: v.pipe(v.string(), v.url()),
  authorization_endpoint: v.string(),
  token_endpoint: v.string(),
  userinfo_endpoint: v.string(),
  jwks_uri: v.string(),
  response_types_supported: v.array(v.string()),
  response_modes_supported: v.array(v.string()),
  grant_types_supported: v.array(v.string()),
  subject_types_supported: v.array(v.string()),
  id_token_signing_alg_values_supported: v.array(v.string()),
  token_endpoint_auth_methods_supported: v.array(v.string()),
  code_challenge_methods_supported: v.array(v.string()),
  authorization_response_iss_parameter_supported: v.literal(true),
  scopes_supported: v.array(v.string()),
  claims_supported: v.array(v.string()),
  claims_parameter_supported: v.boolean(),
  request_parameter_supported: v.boolean(),
  request_uri_parameter_supported: v.boolean(),
  ui_locales_supported: v.array(v.string()),
  prompt_values_supported: v.array(v.string()),
});

export const TokenResponse = v.object({
  access_token: v.string(),
  token_type: v.literal("Bearer"),
  expires_in: v.number(),
  id_token: v.pipe(v.string(), v.description("signed ES256 with the key of /.well-known/jwks.json")),
  scope: v.string(),
});

/** RFC 6749 §5.2. */
export const OAuthErrorResponse = v.object({ error: v.string(), error_description: v.optional(v.string()) });

const Identity = { name: v.string(), birthdate: v.pipe(v.string(), v.isoDate()), gender: v.optional(v.picklist(["male", "female"])) };

export const UserinfoResponse = v.object({
  sub: Subject,
  outcome: Outcome,
  age: v.number(),
  guardian_consent: v.optional(GuardianConsent),
  ...Object.fromEntries(Object.entries(Identity).map(([k, s]) => [k, v.optional(s)])),
  verified_claims: v.optional(
    v.object({
      verification: v.object({ trust_framework: v.string(), time: IsoTime, evidence: v.optional(v.array(v.unknown())) }),
      claims: v.object(Identity),
    }),
  ),
});

export const JwksResponse = v.object({
  keys: v.array(
    v.union([
      v.object({
        kty: v.literal("EC"),
        crv: v.literal("P-256"),
        x: v.string(),
        y: v.string(),
        kid: v.string(),
        alg: v.literal("ES256"),
        use: v.literal("sig"),
      }),
      v.object({ kty: v.literal("RSA"), n: v.string(), e: v.string(), kid: v.string(), alg: v.literal("RS256"), use: v.literal("sig") }),
    ]),
  ),
});

export const HealthResponse = v.object({
  ok: v.boolean(),
  mode: v.picklist(["live", "sandbox"]),
  provider: v.picklist(PROVIDERS.map((p) => p.name)),
  problems: v.optional(v.pipe(v.array(v.string()), v.description("names of the wrong or missing vars"))),
});

export const SmsSentResponse = v.object({
  sent: v.literal(true),
  expires_at: v.pipe(v.string(), v.isoTimestamp(), v.description("the code's end: 3 minutes")),
  resend_after: v.pipe(v.string(), v.isoTimestamp(), v.description("no new code before this")),
  ...everyProvider("smsSent"),
});

export const ErrorResponse = v.object({
  error: v.object({ code: v.picklist(Object.keys(ERRORS) as ErrorCode[]), message: v.string() }),
});

/** An OpenAPI response of JSON with this schema. */
export const json = (description: string, schema: v.GenericSchema) => ({
  description,
  content: { "application/json": { schema: described(schema) } },
});

/** The error responses a route can give, grouped by status, each listing its codes. */
export function errors(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERRORS[code].status, [...(byStatus.get(ERRORS[code].status) ?? []), code]);
  return Object.fromEntries([...byStatus].map(([status, list]) => [status, json(`error: ${list.join(", ")}`, ErrorResponse)]));
}

/** The answers' types, derived from their schemas (never declared a second time). */
export type PrepareAnswer = v.InferOutput<typeof PrepareResponse>;
export type VerificationAnswer = v.InferOutput<typeof VerificationResponse>;
export type TokenAnswer = v.InferOutput<typeof TokenResponse>;
export type UserinfoAnswer = v.InferOutput<typeof UserinfoResponse>;
export type DiscoveryAnswer = v.InferOutput<typeof DiscoveryResponse>;
export type HealthAnswer = v.InferOutput<typeof HealthResponse>;
export type ErrorAnswer = v.InferOutput<typeof ErrorResponse>;
