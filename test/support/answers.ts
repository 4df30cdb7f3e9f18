import * as v from "valibot";
import { iamportSchemas } from "../../src/providers/iamport/schemas";
import { portoneSchemas } from "../../src/providers/portone/schemas";
import {
  ConsentGivenResponse,
  DiscoveryResponse,
  ErrorResponse,
  EventsResponse,
  GuardianRequiredResponse,
  GuardianStatusResponse,
  HealthResponse,
  JwksResponse,
  OAuthErrorResponse,
  PrepareResponse,
  RedeliverResponse,
  SiteUserResponse,
  SmsSentResponse,
  TokenResponse,
  UserinfoResponse,
  VerificationResponse,
  WithdrawalResponse,
} from "../../src/routes/responses";

/**
 * Every JSON answer the harness sees is parsed with its route's schema — the same schemas that validate requests
 * and make /openapi.json — so the document cannot drift from what the app really answers.
 */
const ROUTES: [string, RegExp, Record<number, v.GenericSchema>][] = [
  ["POST", /^\/certifications\/prepare$/, { 201: PrepareResponse }],
  ["POST", /^\/certifications$/, { 200: v.union([VerificationResponse, ConsentGivenResponse]), 202: GuardianRequiredResponse }],
  ["GET", /^\/certifications\/guardian-status$/, { 200: GuardianStatusResponse }],
  ["POST", /^\/certifications\/sms\/(send|resend)$/, { 202: SmsSentResponse }],
  ["POST", /^\/certifications\/sms\/confirm$/, { 200: v.union([VerificationResponse, ConsentGivenResponse]), 202: GuardianRequiredResponse }],
  ["GET", /^\/healthz$/, { 200: HealthResponse, 503: HealthResponse }],
  ["GET", /^\/\.well-known\/jwks\.json$/, { 200: JwksResponse }],
  ["GET", /^\/api\/users\/[^/]+$/, { 200: SiteUserResponse }],
  ["DELETE", /^\/api\/users\/[^/]+$/, { 200: WithdrawalResponse }],
  ["GET", /^\/api\/events$/, { 200: EventsResponse }],
  ["POST", /^\/api\/events\/[^/]+\/redeliver$/, { 202: RedeliverResponse }],
  ["GET", /^\/\.well-known\/openid-configuration$/, { 200: DiscoveryResponse }],
  // RFC 6749 §5.2 errors, not the app's.
  ["POST", /^\/token$/, { 200: TokenResponse, 400: OAuthErrorResponse, 401: OAuthErrorResponse, 500: OAuthErrorResponse, 503: OAuthErrorResponse }],
  ["GET", /^\/userinfo$/, { 200: UserinfoResponse }],
  ["POST", /^\/userinfo$/, { 200: UserinfoResponse }],
];

/** The simulator's own APIs speak i'mport's and PortOne's shapes, and /openapi.json is the document itself. */
const NOT_OURS = /^\/(sandbox\/|identity-verifications\/|openapi\.json$)/;

export async function checkAnswer(request: Request, res: Response): Promise<void> {
  const path = new URL(request.url).pathname;
  if (NOT_OURS.test(path) || !(res.headers.get("Content-Type") ?? "").startsWith("application/json")) return;
  const route = ROUTES.find(([method, pattern]) => method === request.method && pattern.test(path));
  const schema = route?.[2][res.status] ?? (res.status >= 400 ? ErrorResponse : undefined);
  if (!schema) throw new Error(`${request.method} ${path} answered ${res.status} with JSON no schema describes`);
  const parsed = v.safeParse(schema, await res.clone().json());
  if (!parsed.success) {
    const issues = parsed.issues.map((i) => `${v.getDotPath(i) ?? "(root)"}: ${i.message}`).join("; ");
    throw new Error(`${request.method} ${path} ${res.status} does not match its schema: ${issues}`);
  }
}

/** The answer, parsed with `schema` (typed as it says). */
export const answer = async <S extends v.GenericSchema>(res: Response, schema: S): Promise<v.InferOutput<S>> => v.parse(schema, await res.json());

/** A verification's answer under each provider. */
export const V1Verification = v.object({ ...VerificationResponse.entries, verification: iamportSchemas.verification });
export const V2Verification = v.object({ ...VerificationResponse.entries, verification: portoneSchemas.verification });
export type V1Answer = v.InferOutput<typeof V1Verification>;

/** i'mport's envelope, as the V1 simulator answers. */
export type ImpEnvelope<T> = { code: number; message: string | null; response: T };
export type { SandboxCertificationAnswer as SandboxCert } from "../../src/sandbox/iamport";

/** What the V2 simulator answers for one identity verification, any of its three statuses. */
export interface SandboxIdentityVerification {
  status: string;
  id: string | null;
  verifiedAt?: string;
  verifiedCustomer?: { ci?: string; di?: string; name: string; gender?: string };
  requestedCustomer?: { name: string };
  failure?: { reason: string };
}
