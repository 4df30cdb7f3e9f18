import type { Config, PublicJwk, RsaPublicJwk, SigningKey } from "../config";
import { importPublicJwk } from "../config/oidc";
import type { GrantedPerson } from "../db/oidc";
import { jwsParts, signJwt, verifyJwt } from "./jwt";

/** Lifetimes, in seconds. A used code's row is kept as long as the access token it gave (a replay revokes it). */
export const ID_TOKEN_TTL_S = 300;
export const ACCESS_TOKEN_TTL_S = 300;

/**
 * The trust framework named in `verified_claims` (OpenID Connect for Identity Assurance 1.0): identity
 * verification by a Korean mobile carrier's 본인확인 service, under the Act on Promotion of Information and
 * Communications Network Utilization (정보통신망법 §23-3), through the provider this app is configured with.
 */
export const TRUST_FRAMEWORK = "kr_mobile_identity_verification";

const seconds = (ms: number) => Math.floor(ms / 1000);

/** The claims of a person for these scopes: what userinfo answers, and what the ID token carries besides its own. */
/**
 * Every claim an ID token or userinfo can carry — discovery's `claims_supported`. Typed, so that a claim the
 * tokens hold is one this list names (test/api/oidc.test.ts compares a token with every claim against it too).
 */
export const CLAIMS_SUPPORTED = [
  "sub",
  "iss",
  "aud",
  "exp",
  "iat",
  "auth_time",
  "nonce",
  "outcome",
  "age",
  "guardian_consent",
  "name",
  "birthdate",
  "gender",
  "verified_claims",
] as const;
type Claims = Partial<Record<(typeof CLAIMS_SUPPORTED)[number], unknown>>;

export function claimsOf(person: GrantedPerson, provider: string): Claims {
  const claims: Claims = { sub: person.sub, outcome: person.outcome, age: person.age };
  // A child's account: a legal guardian consented (PIPA §22-2), and when.
  if (person.consentedAt !== null) claims.guardian_consent = { consented_at: new Date(person.consentedAt).toISOString() };
  if (person.scope.split(" ").includes("profile")) {
    const identity: Claims = { name: person.name, birthdate: person.birthday, ...(person.gender ? { gender: person.gender } : {}) };
    Object.assign(claims, identity, {
      verified_claims: {
        verification: {
          trust_framework: TRUST_FRAMEWORK,
          time: new Date(person.certifiedAt).toISOString(),
          evidence: [{ type: "electronic_record", record: { type: "mobile_carrier_identity", source: { name: provider } } }],
        },
        claims: identity,
      },
    });
  }
  return claims;
}

const sign = (key: SigningKey, typ: string, claims: Record<string, unknown>) => signJwt(key.privateKey, { alg: key.alg, typ, kid: key.kid }, claims);

export function idToken(key: SigningKey, issuer: string, person: GrantedPerson, provider: string, now = Date.now()) {
  const iat = seconds(now);
  const claims: Claims = {
    ...claimsOf(person, provider),
    iss: issuer,
    aud: person.clientId,
    iat,
    exp: iat + ID_TOKEN_TTL_S,
    auth_time: seconds(person.certifiedAt),
    ...(person.nonce ? { nonce: person.nonce } : {}),
  };
  return sign(key, "JWT", claims);
}

/** An access token (RFC 9068 JWT) for userinfo; `jti` names the code, so revoking the code voids it. */
export function accessToken(key: SigningKey, issuer: string, person: GrantedPerson, codeHash: string, now = Date.now()) {
  const iat = seconds(now);
  return sign(key, "at+jwt", {
    iss: issuer,
    sub: person.sub,
    aud: `${issuer}/userinfo`,
    client_id: person.clientId,
    scope: person.scope,
    iat,
    exp: iat + ACCESS_TOKEN_TTL_S,
    jti: codeHash,
  });
}

/** An access token this issuer signed (with the current key or a previous one), unexpired: its client and code. */
export async function readAccessToken(config: Config, issuer: string, token: string): Promise<{ clientId: string; codeHash: string } | null> {
  const kid = jwsParts(token)?.header.kid;
  if (typeof kid !== "string") return null;
  const { signingKey, previousKeys } = config.oidc;
  const key = kid === signingKey?.kid ? await publicKeyOf(signingKey!) : previousKeys.find((p) => p.jwk.kid === kid)?.key;
  if (!key) return null;
  const payload = await verifyJwt(token, key, { typ: "at+jwt", issuer, audience: `${issuer}/userinfo` });
  if (typeof payload?.client_id !== "string" || typeof payload.jti !== "string") return null;
  return { clientId: payload.client_id, codeHash: payload.jti };
}

/**
 * An ID token this issuer signed, given back as an `id_token_hint` (RP-Initiated Logout, and an authorization that
 * asks for the same person): signed with the current key or a previous one of its algorithm, from this issuer, for
 * one client; its expiry is not held against it. Its client and subject, or null for anything else.
 */
export async function readIdTokenHint(config: Config, issuer: string, token: string): Promise<{ clientId: string; sub: string } | null> {
  const header = jwsParts(token)?.header;
  if (typeof header?.kid !== "string") return null;
  const { signingKey, rsaKey, previousKeys } = config.oidc;
  const current = [signingKey, rsaKey].find((k) => k?.kid === header.kid);
  const previous = current ? undefined : previousKeys.find((p) => p.jwk.kid === header.kid);
  const jwk = current?.publicJwk ?? previous?.jwk;
  if (!jwk) return null;
  const key = current ? await publicKeyOf(current) : previous!.key;
  const claims = await verifyJwt(token, key, { typ: "JWT", issuer, alg: jwk.kty === "RSA" ? "RS256" : "ES256", expired: true });
  const audience = Array.isArray(claims?.aud) && claims.aud.length === 1 ? claims.aud[0] : claims?.aud;
  if (typeof audience !== "string" || typeof claims?.sub !== "string" || !config.oidc.clients.some((c) => c.id === audience)) return null;
  return { clientId: audience, sub: claims.sub };
}

const publicKeys = new WeakMap<SigningKey, Promise<CryptoKey>>();

/** The verifying half of a signing key (EC or RSA), imported once. */
function publicKeyOf(key: SigningKey): Promise<CryptoKey> {
  let imported = publicKeys.get(key);
  if (!imported) {
    imported = importPublicJwk(key.publicJwk).then((k) => k ?? Promise.reject(new Error(`signing key ${key.kid} has no usable public half`)));
    publicKeys.set(key, imported);
  }
  return imported;
}

/** A public key as the JWKS lists it, with the algorithm it signs with. */
export const jwkEntry = (jwk: PublicJwk | RsaPublicJwk) =>
  jwk.kty === "RSA"
    ? ({ kty: "RSA", n: jwk.n, e: jwk.e, kid: jwk.kid, alg: "RS256", use: "sig" } as const)
    : ({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid: jwk.kid, alg: "ES256", use: "sig" } as const);
