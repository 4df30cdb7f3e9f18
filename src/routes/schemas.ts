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

export const PrepareBody = v.object({});

export const VerifyBody = v.object({
  imp_uid: ImpUid,
  merchant_uid: v.optional(v.pipe(AttemptId, v.description("when sent, must equal the certification's"))),
});

/**
 * The redirect's query, each parameter at most once. Its ids are checked by the route, after their absence (a
 * cancel) is told apart; `success`/`imp_success` only word the message.
 */
export const RedirectQuery = v.object({
  imp_uid: v.optional(v.string()),
  merchant_uid: v.optional(v.string()),
  success: v.optional(v.string()),
  imp_success: v.optional(v.string()),
});

const IsoTime = v.pipe(v.string(), v.isoTimestamp());

export const PrepareResponse = v.object({
  provider: v.literal("v1"),
  merchant_uid: AttemptId,
  expires_at: IsoTime,
  imp_code: v.string(),
  params: v.pipe(
    v.record(v.string(), v.string()),
    v.description("passed to IMP.certification besides merchant_uid, popup and m_redirect_url"),
  ),
});

export const VerificationResponse = v.object({
  outcome: v.picklist(["new_user", "existing_user"]),
  user: v.object({
    id: v.string(),
    name: v.string(),
    gender: v.nullable(v.picklist(["male", "female"])),
    birthday: v.pipe(v.string(), v.isoDate()),
    age: v.pipe(v.number(), v.integer()),
    created_at: IsoTime,
  }),
  verification: v.object({
    provider: v.literal("v1"),
    imp_uid: ImpUid,
    merchant_uid: AttemptId,
    certified_at: IsoTime,
  }),
});

export const HealthResponse = v.object({
  ok: v.boolean(),
  mode: v.picklist(["live", "sandbox"]),
  provider: v.literal("v1"),
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
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [status, json(`error: ${list.join(", ")}`, ErrorResponse)]),
  );
}
