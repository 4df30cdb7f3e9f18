import type { Config, PublicJwk, RsaPublicJwk, SigningKey } from "../config";
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

const publicKeys = new WeakMap<SigningKey, Promise<CryptoKey>>();

/** The verifying half of the signing key, imported once. */
function publicKeyOf(key: SigningKey): Promise<CryptoKey> {
  let imported = publicKeys.get(key);
  if (!imported) {
    // Access tokens are only ever signed with the EC key (SIGNING_KEY), so this is only ever asked for that one.
    const jwk = key.publicJwk;
    if (jwk.kty !== "EC") return Promise.reject(new Error("access tokens are ES256"));
    const { kty, crv, x, y } = jwk;
    imported = crypto.subtle.importKey("jwk", { kty, crv, x, y }, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    publicKeys.set(key, imported);
  }
  return imported;
}

/** A public key as the JWKS lists it, with the algorithm it signs with. */
export const jwkEntry = (jwk: PublicJwk | RsaPublicJwk) =>
  jwk.kty === "RSA"
    ? ({ kty: "RSA", n: jwk.n, e: jwk.e, kid: jwk.kid, alg: "RS256", use: "sig" } as const)
    : ({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid: jwk.kid, alg: "ES256", use: "sig" } as const);
