import type { Config, OidcClient } from "../config";
import { isLoopbackUri } from "../config/oidc";
import { AppError } from "../errors";
import { hmacKey, randomToken, sha256Hex } from "../lib/crypto";
import { fromBase64Url, toBase64Url } from "../lib/encoding";
import { opens, seal } from "../lib/keyring";
import { isRecord } from "../lib/records";
import type { Lang } from "../views/messages";

/**
 * An OpenID Connect authorization (a checked `/authorize` request), carried without storage: sealed with an HMAC
 * under a key derived from IDENTITY_HMAC_KEY, in the page's config (to renew its attempt) and in a cookie named
 * after the attempt it runs (so the redirect flow finds it, and two tabs with two authorizations never meet). It
 * holds nothing personal: what the client put in its own URL, and an id that makes its code one of a kind.
 */
export interface Authorization {
  /** Random: one code per authorization (oidc_codes.authorization_id is UNIQUE). */
  id: string;
  clientId: string;
  redirectUri: string;
  /** `openid`, or `openid profile`. */
  scope: string;
  state?: string;
  nonce?: string;
  /** The PKCE S256 challenge; "" for a client with `require_pkce: false` that sent none (its nonce binds the code instead). */
  challenge: string;
  lang?: Lang;
  /** Epoch ms: an authorization is completed within this time or not at all. */
  expiresAt: number;
  /**
   * The subject the person who verifies must be at this client (from `id_token_hint`, or the `claims` parameter's
   * `id_token.sub.value`): a step-up, "is this still the same person?". Someone else gets `identity_mismatch`.
   */
  sub?: string;
  /** `prompt=consent`: a third-party client's consent page is shown again, whatever consent was recorded. */
  askConsent?: boolean;
}

/** How long an authorization can take, renewals of its attempt included. */
export const AUTHORIZATION_TTL_MS = 3_600_000;
/** How long a code lives. */
export const CODE_TTL_MS = 60_000;

export const SCOPES = ["openid", "profile"] as const;

const LABEL = "imp-identity-edge/oidc-authorization/v1";
const CODE_LABEL = "imp-identity-edge/oidc-code/v1";
const encoder = new TextEncoder();

/** OIDC needs clients (live mode: OIDC_CLIENTS) and a signing key. */
export function requireOidc(config: Config): void {
  if (!config.oidc.configured || !config.oidc.signingKey) throw new AppError("not_configured", "OIDC_CLIENTS is not set");
}

export const clientOf = (config: Config, id: string | undefined) => config.oidc.clients.find((c) => c.id === id);

/** A redirect URI this client registered (exactly), or, for the sandbox's client, any loopback http URI. */
export const allowsRedirect = (client: OidcClient, uri: string) => (client.loopback ? isLoopbackUri(uri) : client.redirectUris.includes(uri));

/** A post-logout redirect URI this client registered (exactly), or, for the sandbox's client, any loopback http URI. */
export const allowsLogoutRedirect = (client: OidcClient, uri: string) =>
  client.loopback ? isLoopbackUri(uri) : client.postLogoutRedirectUris.includes(uri);

/** The sealed form: base64url(JSON).tag. */
export async function sealAuthorization(config: Config, a: Authorization): Promise<string> {
  const payload = toBase64Url(encoder.encode(JSON.stringify(a)));
  return seal(config.keyring, LABEL, payload);
}

const VSCHAR = /^[\x20-\x7e]{1,512}$/;

/** An authorization this app sealed and that has not expired; anything else is `invalid_request`. */
export async function openAuthorization(config: Config, sealed: string, now = Date.now()): Promise<Authorization> {
  const [payload = "", tag = "", extra] = sealed.split(".");
  const valid = extra === undefined && payload !== "" && tag !== "" && (await opens(config.keyring, LABEL, payload, tag));
  if (!valid) throw new AppError("invalid_request", "authorization not sealed here");
  let a: Authorization;
  try {
    a = JSON.parse(new TextDecoder().decode(fromBase64Url(payload)));
  } catch {
    throw new AppError("invalid_request", "authorization unreadable");
  }
  if (now > a.expiresAt) throw new AppError("invalid_request", "authorization expired");
  const client = clientOf(config, a.clientId);
  // A client removed, or a redirect URI unregistered, since: the authorization ends with it.
  if (!client || !allowsRedirect(client, a.redirectUri)) throw new AppError("invalid_request", "client or redirect_uri no longer allowed");
  return a;
}

/** The code of an authorization: derived from its id under the server's key, so a repeat answers with the same one. */
export async function codeOf(config: Config, authorizationId: string): Promise<{ code: string; hash: string }> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(config.keyring.current, CODE_LABEL), encoder.encode(authorizationId));
  const code = toBase64Url(new Uint8Array(mac));
  return { code, hash: await sha256Hex(code) };
}

/** `redirect_uri` with the parameters of an answer (and `iss`, RFC 9207), its own query kept. */
export function redirectWith(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return url.href;
}

/** The redirect that completes an authorization: the code, the state, the issuer; nothing else. */
export async function successRedirect(config: Config, issuer: string, a: Authorization, code?: string) {
  return redirectWith(a.redirectUri, { code: code ?? (await codeOf(config, a.id)).code, state: a.state, iss: issuer });
}

/** The way back after a failure: `access_denied` with our error code. */
export const deniedRedirect = (issuer: string, a: Authorization, code: string) =>
  redirectWith(a.redirectUri, { error: "access_denied", error_description: code, state: a.state, iss: issuer });

/**
 * An `/authorize` request that cannot go on: redirected with `error` and an `error_description` that says why in
 * plain English (never anything personal), or (no trusted redirect URI) a 400 page.
 */
export class AuthorizeError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly redirect?: { uri: string; state?: string },
  ) {
    super(error);
  }
}

/** The `/authorize` request, checked in RFC 6749's order: the client and its redirect URI before anything is redirected. */
export function readAuthorizeRequest(
  config: Config,
  query: URLSearchParams,
  now = Date.now(),
): Omit<Authorization, "id"> & { idTokenHint?: string; fail: (error: string, description: string) => never } {
  const one = (name: string) => {
    const values = query.getAll(name);
    return values.length === 1 && values[0] !== "" ? values[0] : values.length > 1 ? null : undefined;
  };
  const clientId = one("client_id");
  const redirectUri = one("redirect_uri");
  const client = clientId ? clientOf(config, clientId) : undefined;
  if (!client || !redirectUri || !allowsRedirect(client, redirectUri)) throw new AppError("invalid_request", "client_id or redirect_uri");
  const rawState = one("state");
  const state = rawState && VSCHAR.test(rawState) ? rawState : undefined;
  const fail = (error: string, description: string): never => {
    throw new AuthorizeError(error, description, { uri: redirectUri, state });
  };
  // Parameters given twice are ambiguous (RFC 6749 §3.1).
  for (const name of new Set(query.keys())) if (query.getAll(name).length > 1) fail("invalid_request", `${name} is given more than once`);
  if (rawState !== undefined && state === undefined) fail("invalid_request", "state must be printable ASCII, at most 512 characters");
  if (query.has("request")) fail("request_not_supported", "request objects are not supported");
  if (query.has("request_uri")) fail("request_uri_not_supported", "request_uri is not supported");
  const responseType = one("response_type");
  if (!responseType) fail("invalid_request", "response_type is required");
  if (responseType !== "code") fail("unsupported_response_type", "response_type must be code");
  const responseMode = one("response_mode");
  if (responseMode !== undefined && responseMode !== "query") fail("invalid_request", "response_mode must be query");
  const scopes = (one("scope") ?? "").split(" ").filter(Boolean);
  if (!scopes.includes("openid")) fail("invalid_scope", "scope must include openid");
  const challenge = one("code_challenge");
  // PKCE off only for a confidential client registered with require_pkce: false, and only when it sends no
  // challenge: a request that sends one is always held to it.
  const withoutPkce = !challenge && !client.requirePkce;
  if (!challenge && !withoutPkce) fail("invalid_request", "code_challenge is required (PKCE S256)");
  if (!withoutPkce && !/^[A-Za-z0-9_-]{43}$/.test(challenge!))
    fail("invalid_request", "code_challenge must be the base64url SHA-256 of the verifier (43 characters)");
  if (!withoutPkce && one("code_challenge_method") !== "S256") fail("invalid_request", "code_challenge_method must be S256");
  const nonce = one("nonce");
  if (nonce === null || (nonce !== undefined && !VSCHAR.test(nonce)))
    fail("invalid_request", "nonce must be printable ASCII, at most 512 characters");
  // Without PKCE, the nonce is what binds the code to the browser that asked for it (RFC 9700 §4.5.3.2).
  if (withoutPkce && !nonce) fail("invalid_request", "nonce is required when code_challenge is left out (require_pkce: false)");
  const maxAge = one("max_age");
  // Every authorization is a fresh verification, so any max_age holds; it must still be a number of seconds.
  if (maxAge === null || (maxAge !== undefined && !/^\d{1,10}$/.test(maxAge))) fail("invalid_request", "max_age must be a whole number of seconds");
  const prompt = (one("prompt") ?? "").split(" ");
  // There is no session to reuse: every authorization is a fresh verification.
  if (prompt.includes("none")) fail("login_required", "every sign-in here is a new identity verification: prompt=none cannot be met");
  const idTokenHint = one("id_token_hint");
  if (idTokenHint === null || (idTokenHint !== undefined && idTokenHint.length > 8192)) fail("invalid_request", "id_token_hint must be one ID token");
  const sub = claimedSub(one("claims"), fail);
  const lang = (one("ui_locales") ?? "")
    .split(" ")
    .map((l) => l.split("-")[0])
    .find((l): l is Lang => l === "ko" || l === "en");
  return {
    clientId: client.id,
    redirectUri,
    scope: SCOPES.filter((s) => scopes.includes(s)).join(" "),
    state,
    nonce: nonce ?? undefined,
    challenge: withoutPkce ? "" : challenge!,
    lang,
    expiresAt: now + AUTHORIZATION_TTL_MS,
    ...(sub ? { sub } : {}),
    ...(prompt.includes("consent") ? { askConsent: true } : {}),
    ...(idTokenHint ? { idTokenHint } : {}),
    fail,
  };
}

/**
 * The `claims` parameter (OpenID Connect Core §5.5): a JSON object with `id_token` and/or `userinfo` members. Asking
 * for `sub` with a `value` makes a step-up (that person, or nobody); any other claim it names — `verified_claims` as
 * OpenID Connect for Identity Assurance clients ask for it, or `name`, `birthdate` — is one the scope already grants
 * or does not, so it is accepted and changes nothing. Anything that is not such an object is `invalid_request`.
 */
function claimedSub(raw: string | null | undefined, fail: (error: string, description: string) => never): string | undefined {
  if (raw === undefined) return undefined;
  let claims: unknown;
  try {
    claims = raw === null || raw.length > 4096 ? undefined : JSON.parse(raw);
  } catch {
    claims = undefined;
  }
  const members = isRecord(claims) ? Object.entries(claims) : undefined;
  if (!members?.every(([name, value]) => (name === "id_token" || name === "userinfo") && isRecord(value))) {
    fail("invalid_request", "claims must be a JSON object of id_token and/or userinfo requests");
  }
  const subs = members!.map(([, request]) => (request as Record<string, unknown>).sub).filter((r) => r !== undefined && r !== null);
  if (subs.some((r) => !isRecord(r) || (r.value !== undefined && (typeof r.value !== "string" || !/^(usr|p)_[A-Za-z0-9_-]{1,64}$/.test(r.value))))) {
    fail("invalid_request", "claims: sub may only ask for a value, one of this client's subjects");
  }
  const values = new Set(subs.map((r) => (r as { value?: string }).value).filter((v): v is string => v !== undefined));
  if (values.size > 1) fail("invalid_request", "claims: two different sub values");
  return [...values][0];
}

export const newAuthorizationId = () => randomToken(16);
