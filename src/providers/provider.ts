import type { Reader } from "../config/reader";
import type { CspSources, PgProfile } from "./pg";

/**
 * The seam between the verification and an identity provider (i'mport V1, PortOne V2): everything the core and the
 * routes need from one, in their own words — an attempt and its result, never a `merchant_uid` or an `imp_uid`.
 * Each provider is one folder under src/providers that implements this, picked from the registry by
 * PORTONE_VERSION; nothing outside src/providers asks which one runs.
 */

export type ProviderName = "v1" | "v2";

/** One result as the provider holds it, normalised. */
export interface ProviderResult {
  /** The attempt id this result was made for, as the provider holds it. */
  attemptId: string | null;
  /** The person really finished (V1 `certified === true`, V2 `status: "VERIFIED"` on our channel). */
  certified: boolean;
  /** When the provider certified it, epoch ms. */
  certifiedAt: number | null;
  /** Connecting information: the same person on every site and under both APIs. */
  ci: string | null;
  /** Duplication information: the same person within this site. */
  di: string | null;
  name: string | null;
  gender: "male" | "female" | null;
  /** `YYYY-MM-DD` on the Korean calendar. */
  birthday: string | null;
  /** A failed result's code from the PG, when the provider passes one (V2 `failure.pgCode`): for the console's counts. */
  pgCode?: string;
}

/** The provider's API, as the use-case sees it: one result fetched by its id. */
export interface ResultSource {
  /** The result with this id, or `null` when the provider has none; faults throw the table's `upstream_*` errors. */
  fetchResult(resultId: string): Promise<ProviderResult | null>;
  /** The API flow with no window (Danal, KCP): an SMS code sent, resent, confirmed. */
  readonly sms: SmsApi;
}

export const SMS_CARRIERS = ["SKT", "KT", "LGU", "SKT_MVNO", "KT_MVNO", "LGU_MVNO"] as const;
export type SmsCarrier = (typeof SMS_CARRIERS)[number];

/** What the person types into the SMS form: sent to the provider, never stored, never logged. */
export interface SmsPerson {
  name: string;
  /** Digits, `01…`. */
  phone: string;
  /** `YYMMDD`. */
  birth: string;
  /** The resident number's 7th digit, `1`–`8`. */
  genderDigit: string;
  carrier: SmsCarrier;
}

/**
 * The providers' API flow. Each call names the attempt; `resultId` is the provider's id of the result it makes (V1
 * a new imp_uid per request, V2 the attempt id). Wrong or expired codes throw `otp_invalid` / `otp_expired`.
 */
export interface SmsApi {
  /** V1: a resend is a new request, so it needs the person again. */
  readonly resendNeedsPerson: boolean;
  /** What the 202 of send and resend adds for this provider (V1: the imp_uid that confirm names). */
  sentFields(resultId: string): Record<string, string>;
  /** The result id a send the provider refused is answered with, indistinguishable from a real one (V1 a new imp_uid). */
  unsentResultId(attemptId: string): string;
  send(attemptId: string, person: SmsPerson, ipAddress: string): Promise<{ resultId: string }>;
  /** V1 has no resend: it requests again, with the person (a new imp_uid); V2 resends the same verification. */
  resend(attemptId: string, resultId: string, person: SmsPerson | undefined, ipAddress: string): Promise<{ resultId: string }>;
  /** Resolves once the code is confirmed (or was already): the result is then the provider's to fetch. */
  confirm(attemptId: string, resultId: string, otp: string): Promise<void>;
}

/** What a request names: the provider's id of the result, and the attempt id when the request carries it. */
export interface ResultRef {
  resultId: string;
  attemptId?: string;
}

/** What the redirect query says: the result it names (none after a cancel), and whether it claims a cancel. */
export interface RedirectRef {
  ref: ResultRef | null;
  /** Only words the page; the outcome is always the server's own. */
  cancelled: boolean;
}

/** One round-trip to the provider, for the request's log line (no URLs with ids, no bodies). */
export interface UpstreamCall {
  op: string;
  status: number | "timeout" | "network";
  ms: number;
}

/** What a provider's client gets for one request. */
export interface ClientDeps {
  /** The upstream: global fetch in live mode, the in-process simulator in sandbox mode, a stub in tests. */
  fetch: typeof fetch;
  timeoutMs: number;
  /** Called once per round-trip. */
  onCall: (call: UpstreamCall) => void;
  /** KV, for what a provider caches across isolates (V1's REST token). */
  cache: KVNamespace | undefined;
  waitUntil: (promise: Promise<unknown>) => void;
  /** Notes for the request's log line, such as where a token came from. Never personal data. */
  note: (key: string, value: string) => void;
  warn: (msg: string, fields?: Record<string, string>) => void;
}

/** An attempt, as the core mints it. */
export interface AttemptTicket {
  attemptId: string;
  /** ISO-8601. */
  expiresAt: string;
}

/** A completed verification, in the core's words. */
export interface VerificationRef {
  attemptId: string;
  resultId: string;
  /** ISO-8601. */
  certifiedAt: string;
}

type Json = Record<string, unknown>;

/** A provider, configured: what the routes, the page and the use-case ask of it. */
export interface Provider {
  readonly name: ProviderName;
  /** The PG profile configured (V1 `IMP_PG`'s prefix, V2 `PORTONE_PG`), which the sandbox follows too. */
  readonly pgProfile?: PgProfile;
  /** The body of `prepare` (and the page's first attempt): what the page passes to the provider's SDK. */
  attemptStart(attempt: AttemptTicket): Json;
  /** What a verify body names, or `null` when the body is shaped for another provider. */
  fromBody(body: Json): ResultRef | null;
  /** What the redirect query names; ids that are not well-formed throw `invalid_request`. */
  fromRedirect(query: Record<string, string | undefined>): RedirectRef;
  /** The attempt a redirect query is about, when it names one well-formed (to link back after a failure). */
  attemptOfRedirect(query: Record<string, string | undefined>): string | undefined;
  /** The attempt a JSON body names in this provider's field (V1 `merchant_uid`, V2 `identity_verification_id`). */
  attemptOfBody(body: Record<string, unknown>): string | undefined;
  /** The `verification` object of an answer. */
  verificationOf(verification: VerificationRef): Json;
  /** This request's client of the provider's API. */
  client(deps: ClientDeps): ResultSource;
  /** The page: the SDK it loads, the page's own script that drives it, what its CSP must allow in live mode. */
  readonly page: { sdkUrl: string; script: string; csp: CspSources };
}

/** What a provider's configuration may depend on besides its own vars. */
export interface ConfigureContext {
  sandbox: boolean;
  /** The provider PORTONE_VERSION picks: its live requirements apply. */
  active: boolean;
  timeoutMs: number;
  minAge: number;
  ageRule: "international" | "youth_act";
  serviceName?: string;
}

/** How a provider reads its vars. Every provider's vars are checked, whichever runs; `active`'s live needs apply. */
export interface ProviderConfigurer {
  readonly name: ProviderName;
  configure(r: Reader, context: ConfigureContext): Provider;
}
