import { fromBase64Url, toBase64Url } from "../lib/encoding";

/**
 * The JWTs this issuer signs and reads back: compact JWS with ES256 (RFC 7515, RFC 7518 §3.4) over Web Crypto,
 * whose ECDSA signature is already JWS's fixed-width r‖s, and RS256 (RSASSA-PKCS1-v1_5). Only our own tokens are ever
 * read, with our own keys and the algorithm each key signs with, so the reader refuses everything else outright (RFC 8725): another `alg`, a `crit` header, a
 * `typ` other than the one expected, a malformed part.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const ECDSA = { name: "ECDSA", hash: "SHA-256" } as const;
const PART = /^[A-Za-z0-9_-]+$/;

const encodeJson = (value: object) => toBase64Url(encoder.encode(JSON.stringify(value)));

function decodeJson(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(decoder.decode(fromBase64Url(part)));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const RS256 = { name: "RSASSA-PKCS1-v1_5" } as const;

/** A signed JWT: header `{ alg, typ, kid }`, these claims — ES256 (ECDSA P-256) or RS256 (RSASSA-PKCS1-v1_5, SHA-256). */
export async function signJwt(
  privateKey: CryptoKey,
  header: { alg: "ES256" | "RS256"; typ: string; kid: string },
  claims: Record<string, unknown>,
): Promise<string> {
  const input = `${encodeJson({ alg: header.alg, typ: header.typ, kid: header.kid })}.${encodeJson(claims)}`;
  const signature = await crypto.subtle.sign(header.alg === "RS256" ? RS256 : ECDSA, privateKey, encoder.encode(input));
  return `${input}.${toBase64Url(new Uint8Array(signature))}`;
}

/** The three parts of a compact JWS, and its header; null for anything else. */
export function jwsParts(token: string) {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((p) => PART.test(p))) return null;
  const header = decodeJson(parts[0]!);
  return header ? { header, parts: parts as [string, string, string] } : null;
}

/**
 * The claims of a JWT signed by `key` with `alg` (ES256 unless named), of type `typ`, from `issuer` for `audience`
 * (any audience when none is named), unexpired at `now` unless `expired` allows it (an `id_token_hint` is read past its
 * expiry: OpenID Connect RP-Initiated Logout §2), and not before its `nbf`; null when any of it does not hold.
 */
export async function verifyJwt(
  token: string,
  key: CryptoKey,
  expect: { typ: string | undefined; issuer: string; audience?: string; alg?: "ES256" | "RS256"; expired?: boolean },
  now = Date.now(),
): Promise<Record<string, unknown> | null> {
  const jws = jwsParts(token);
  if (!jws) return null;
  const { header, parts } = jws;
  const alg = expect.alg ?? "ES256";
  if (header.alg !== alg || header.typ !== expect.typ || "crit" in header) return null;
  // 64 bytes (r and s) are 86 characters unpadded; any other length is not ours, and some would not even decode.
  if (alg === "ES256" && parts[2].length !== 86) return null;
  const signature = fromBase64Url(parts[2]);
  const signed = await crypto.subtle
    .verify(alg === "RS256" ? RS256 : ECDSA, key, signature, encoder.encode(`${parts[0]}.${parts[1]}`))
    .catch(() => false);
  if (!signed) return null;
  const claims = decodeJson(parts[1]);
  if (!claims) return null;
  const seconds = now / 1000;
  const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.iss !== expect.issuer || (expect.audience !== undefined && !audience.includes(expect.audience))) return null;
  if (typeof claims.exp !== "number" || (!expect.expired && claims.exp <= seconds)) return null;
  if (claims.nbf !== undefined && (typeof claims.nbf !== "number" || claims.nbf > seconds)) return null;
  return claims;
}
