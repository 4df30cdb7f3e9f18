import { toBase64Url } from "./encoding";

const encoder = new TextEncoder();

/** `bytes` random bytes as base64url (no padding). */
export function randomToken(bytes: number): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function sha256Hex(value: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", encoder.encode(value)));
}

const hmacKeys = new Map<string, Promise<CryptoKey>>();

const importHmacKey = (raw: BufferSource) => crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);

/**
 * An HMAC-SHA-256 key: the secret itself, or, with a label, a key derived from it for one purpose
 * (HMAC(secret, label)), so one secret serves several uses without one use's tags meaning anything to another.
 * Imported once per isolate: key imports are a measurable part of a verification's CPU time.
 */
export function hmacKey(secret: string, label = ""): Promise<CryptoKey> {
  const id = `${label}\n${secret}`;
  let key = hmacKeys.get(id);
  if (!key) {
    key = label
      ? hmacKey(secret).then(async (base) => importHmacKey(await crypto.subtle.sign("HMAC", base, encoder.encode(label))))
      : importHmacKey(encoder.encode(secret));
    hmacKeys.set(id, key);
  }
  return key;
}

/** HMAC-SHA-256 under the server secret: a keyed hash, so CI/DI cannot be recovered by hashing guesses. */
export async function hmacHex(secret: string, value: string): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(value)));
}

/** Lowercase hex, natively (a byte-by-byte join cost a measurable share of a verification's hashing). */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  return (bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toHex();
}

/** `bytes` random bytes as lowercase hex: letters and digits only, which every PG accepts in an order id. */
export function randomHex(bytes: number): string {
  return toHex(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Compares two strings without an early exit, so timing tells nothing about how much of a guess was right. */
export function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
