import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The error table (docs/errors.md is generated from it by `npm run errors`): the one source of truth for every code, its HTTP status and the
 * plain-words message that API clients get; the pages word the same codes in Korean and English.
 */
export const ERRORS = {
  invalid_request: { status: 400, message: "The request is malformed or missing a required field." },
  payload_too_large: { status: 413, message: "The request body is larger than 8 KiB." },
  unsupported_media_type: { status: 415, message: "The request body must be application/json." },
  forbidden_origin: { status: 403, message: "Requests from this origin are not allowed." },
  certification_not_found: { status: 404, message: "The identity service has no such verification result." },
  unknown_merchant_uid: { status: 403, message: "This certification does not belong to a verification started here." },
  session_mismatch: { status: 403, message: "This verification was started in another browser." },
  session_expired: { status: 410, message: "This verification attempt has expired. Please start again." },
  imp_uid_reused: { status: 409, message: "This verification was already used." },
  not_certified: { status: 422, message: "The identity verification was not completed." },
  identity_unavailable: { status: 422, message: "The verification did not return a usable identity." },
  identity_conflict: { status: 409, message: "This verification's identity keys belong to two different accounts." },
  age_restricted: { status: 403, message: "You do not meet the minimum age for this service." },
  guardian_not_adult: { status: 403, message: "The guardian who verified is not an adult (19 or older)." },
  guardian_is_child: { status: 403, message: "The guardian must be someone other than the child, on their own phone." },
  consent_expired: { status: 410, message: "This consent link has expired." },
  consent_used: { status: 409, message: "This consent link was already used." },
  otp_invalid: { status: 422, message: "The SMS code is not the one that was sent." },
  otp_expired: { status: 410, message: "The SMS code's time is over. Ask for a new code." },
  otp_attempts_exceeded: { status: 429, message: "Five wrong SMS codes: this attempt is spent. Please start again." },
  forbidden: { status: 403, message: "The operator console needs a valid Cloudflare Access login." },
  identity_mismatch: {
    status: 403,
    message: "Someone other than the person this site asked for verified (an id_token_hint or claims named who must).",
  },
  rejoin_cooldown: { status: 403, message: "This person withdrew recently and cannot open a new account yet." },
  unauthorized: { status: 401, message: "The client's own credentials (HTTP Basic: client_id and secret) are required." },
  user_not_found: { status: 404, message: "There is no user with this id." },
  rate_limited: { status: 429, message: "Too many attempts. Please wait and try again." },
  upstream_unauthorized: { status: 502, message: "The identity service rejected this site's credentials." },
  upstream_error: { status: 502, message: "The identity service failed. Please try again." },
  upstream_timeout: { status: 504, message: "The identity service did not answer in time. Please try again." },
  not_configured: { status: 503, message: "Identity verification is not configured on this server." },
  not_found: { status: 404, message: "Not found." },
  internal_error: { status: 500, message: "Something went wrong on our side. Please try again." },
} as const satisfies Record<string, { status: ContentfulStatusCode; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** An expected failure with a code from the table; anything else thrown becomes `internal_error`. */
export class AppError extends Error {
  readonly code: ErrorCode;
  /** Internal detail for logs only (never PII); the client always gets the table's message. */
  readonly detail?: string;
  /** The PG's own code for a failed result, when the provider passed one: counted for the console, never shown. */
  readonly pgCode?: string;

  constructor(code: ErrorCode, detail?: string, pgCode?: string) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = "AppError";
    this.code = code;
    this.detail = detail;
    if (pgCode !== undefined) this.pgCode = pgCode;
  }

  get status(): ContentfulStatusCode {
    return ERRORS[this.code].status;
  }
}

/**
 * The provider refused to send a code for these details (i'mport's envelope with an error, PortOne's 400 or the
 * PG's refusal): the name, birth date and number did not match, or the PG would not text it. The SMS routes answer
 * the browser as if a code had gone out, so the answer tells nobody whether details match a number; only the log
 * line knows.
 */
export class SendRefused extends AppError {
  constructor(detail: string) {
    super("upstream_error", detail);
  }
}

export function errorBody(code: ErrorCode) {
  return { error: { code, message: ERRORS[code].message } };
}

/**
 * Whatever was thrown, as an error of the table. Hono's own 400 (malformed JSON) and 413 (body limit) keep their
 * meaning; anything unexpected is `internal_error`, whose details go to the log, never to the client.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 400) return new AppError("invalid_request", err.message.slice(0, 100));
    if (err.status === 413) return new AppError("payload_too_large");
  }
  return new AppError("internal_error");
}
