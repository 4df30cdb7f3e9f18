import { resolver } from "hono-openapi";
import * as v from "valibot";
import { ERRORS, type ErrorCode } from "../errors";
import { PROVIDERS } from "../providers/registry";
import { IsoTime } from "../providers/schemas";
import { Outcome, VerifiedUser } from "../verification/shapes";

/**
 * The shapes of the JSON routes, declared once: the validators check requests against them and /openapi.json
 * describes the routes with them.
 */

export const PrepareBody = v.object({
  return_to: v.optional(v.pipe(v.string(), v.description("where to send the visitor after a success; its origin must be in RETURN_ORIGINS"))),
});

/** What a verify body names, as each provider names it (`v1`: the certification, and the attempt when the page names it; `v2`: the identity verification). */
export const VerifyBody = v.union(PROVIDERS.map((p) => p.schemas.verifyBody));

/**
 * The redirect's query, each parameter at most once: what every provider's window adds. Its ids are checked by the
 * provider, after their absence (a cancel) is told apart; the rest only word the message.
 */
export const RedirectQuery = v.object(Object.assign({}, ...PROVIDERS.map((p) => p.schemas.redirectQuery)) as v.ObjectEntries);

export const PrepareResponse = v.union(PROVIDERS.map((p) => p.schemas.prepare));

export const VerificationResponse = v.object({
  outcome: Outcome,
  receipt: v.optional(v.pipe(v.string(), v.description("compact JWS (ES256) of the result; verify it with /.well-known/jwks.json"))),
  user: VerifiedUser,
  verification: v.union(PROVIDERS.map((p) => p.schemas.verification)),
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
  provider: v.picklist(PROVIDERS.map((p) => p.name)),
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

/** The answers' types, derived from their schemas (never declared a second time). */
export type PrepareAnswer = v.InferOutput<typeof PrepareResponse>;
export type VerificationAnswer = v.InferOutput<typeof VerificationResponse>;
export type HealthAnswer = v.InferOutput<typeof HealthResponse>;
export type ErrorAnswer = v.InferOutput<typeof ErrorResponse>;
