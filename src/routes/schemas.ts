import { resolver } from "hono-openapi";
import * as v from "valibot";
import { ERRORS, type ErrorCode } from "../errors";

/**
 * The shapes of the JSON routes, declared once: the validators check requests against them and /openapi.json
 * describes the routes with them.
 */

/** `imp_` and digits, as i'mport issues them. */
export const ImpUid = v.pipe(v.string(), v.regex(/^imp_\d{1,32}$/), v.description("i'mport's id of the certification"));

/** Letters and digits, at most 40: the strictest PG's rule for an order id, which every attempt id follows. */
export const AttemptId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9]{1,40}$/));

export const PrepareBody = v.object({
  return_to: v.optional(v.pipe(v.string(), v.description("where to send the visitor after a success; its origin must be in RETURN_ORIGINS"))),
});

/** `v1`: the certification, and the attempt when the page names it; `v2`: the identity verification (the attempt). */
export const VerifyBody = v.union([
  v.object({
    imp_uid: ImpUid,
    merchant_uid: v.optional(v.pipe(AttemptId, v.description("when sent, must equal the certification's"))),
  }),
  v.object({ identity_verification_id: v.pipe(AttemptId, v.description("the attempt id, as passed to the SDK")) }),
]);

/**
 * The redirect's query, each parameter at most once. Its ids are checked by the route, after their absence (a
 * cancel) is told apart; `success`/`imp_success` only word the message.
 */
export const RedirectQuery = v.object({
  imp_uid: v.optional(v.string()),
  merchant_uid: v.optional(v.string()),
  success: v.optional(v.string()),
  imp_success: v.optional(v.string()),
  identityVerificationId: v.optional(v.string()),
  code: v.optional(v.string()),
  message: v.optional(v.string()),
});

const IsoTime = v.pipe(v.string(), v.isoTimestamp());

const Params = v.pipe(
  v.record(v.string(), v.string()),
  v.description("passed to the SDK besides the fields above, popup/windowType and the redirect URL"),
);

export const PrepareResponse = v.union([
  v.object({ provider: v.literal("v1"), merchant_uid: AttemptId, expires_at: IsoTime, imp_code: v.string(), params: Params }),
  v.object({
    provider: v.literal("v2"),
    identity_verification_id: AttemptId,
    expires_at: IsoTime,
    store_id: v.string(),
    channel_key: v.string(),
    params: Params,
  }),
]);

export const VerificationResponse = v.object({
  outcome: v.picklist(["new_user", "existing_user"]),
  receipt: v.optional(v.pipe(v.string(), v.description("compact JWS (ES256) of the result; verify it with /.well-known/jwks.json"))),
  user: v.object({
    id: v.string(),
    name: v.string(),
    gender: v.nullable(v.picklist(["male", "female"])),
    birthday: v.pipe(v.string(), v.isoDate()),
    age: v.pipe(v.number(), v.integer()),
    created_at: IsoTime,
  }),
  verification: v.union([
    v.object({ provider: v.literal("v1"), imp_uid: ImpUid, merchant_uid: AttemptId, certified_at: IsoTime }),
    v.object({ provider: v.literal("v2"), identity_verification_id: AttemptId, certified_at: IsoTime }),
  ]),
});

/** A user id as the app makes them. */
export const UserId = v.pipe(v.string(), v.regex(/^usr_[A-Za-z0-9_-]{1,64}$/));

export const SiteUserResponse = v.object({
  user: v.object({
    id: UserId,
    name: v.string(),
    gender: v.nullable(v.picklist(["male", "female"])),
    birthday: v.pipe(v.string(), v.isoDate()),
    created_at: IsoTime,
    last_verified_at: v.nullable(IsoTime),
  }),
});

export const WithdrawalResponse = v.object({ deleted: v.literal(true), id: UserId });

export const JwksResponse = v.object({
  keys: v.array(
    v.object({
      kty: v.literal("EC"),
      crv: v.literal("P-256"),
      x: v.string(),
      y: v.string(),
      kid: v.string(),
      alg: v.literal("ES256"),
      use: v.literal("sig"),
    }),
  ),
});

export const HealthResponse = v.object({
  ok: v.boolean(),
  mode: v.picklist(["live", "sandbox"]),
  provider: v.picklist(["v1", "v2"]),
  problems: v.optional(v.pipe(v.array(v.string()), v.description("names of the wrong or missing vars"))),
});

export const ErrorResponse = v.object({
  error: v.object({ code: v.picklist(Object.keys(ERRORS) as ErrorCode[]), message: v.string() }),
});

/** An OpenAPI response of JSON with this schema. */
export const json = (description: string, schema: v.GenericSchema) => ({
  description,
  content: { "application/json": { schema: resolver(schema) } },
});

/** The error responses a route can give, grouped by status, each listing its codes. */
export function errors(...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERRORS[code].status, [...(byStatus.get(ERRORS[code].status) ?? []), code]);
  return Object.fromEntries([...byStatus].map(([status, list]) => [status, json(`error: ${list.join(", ")}`, ErrorResponse)]));
}
