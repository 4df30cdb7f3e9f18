import { AppError } from "../errors";
import { hmacKey, sameText } from "../lib/crypto";
import { bigIntOf, fromBase62, toBase62 } from "../lib/encoding";

/**
 * Attempt ids minted without storage. An id is 40 letters and digits (the strictest PG's rule for an order id):
 *
 *   random (17: 96 bits) · expiry (6: UNIX seconds) · binding (9: 48 bits) · authenticity (8: ~47 bits)
 *
 * Both tags are HMAC-SHA-256 under a key derived from IDENTITY_HMAC_KEY with a label of its own. The binding ties
 * the id to the browser's binding cookie (else `session_mismatch`); the authenticity tag covers everything before
 * it, so an id altered anywhere, or invented, is `unknown_merchant_uid`. Neither is worth forging offline (the key never leaves the Worker) and each online
 * guess costs a rate-limited request. Verification checks them and the expiry without any read.
 */
const RANDOM = { bytes: 12, chars: 17 };
const EXPIRY_CHARS = 6;
const BIND = { bytes: 6, chars: 9 };
const AUTH = { bytes: 6, chars: 8 };
const BODY_CHARS = RANDOM.chars + EXPIRY_CHARS;
const SIGNED_CHARS = BODY_CHARS + BIND.chars;
export const ATTEMPT_ID_LENGTH = SIGNED_CHARS + AUTH.chars;

const LABEL = "imp-identity-edge/attempt-id/v1";
const encoder = new TextEncoder();

/** A truncated HMAC, base62. Tags are at most 48 bits, so plain numbers encode them (BigInt costs CPU per request). */
async function tag(secret: string, message: string, size: { bytes: number; chars: number }): Promise<string> {
  const key = await hmacKey(secret, LABEL);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
  let value = 0;
  for (let i = 0; i < size.bytes; i++) value = value * 256 + mac[i]!;
  return toBase62(value, size.chars);
}

const authTag = (secret: string, signed: string) => tag(secret, `auth:${signed}`, AUTH);
const bindTag = (secret: string, body: string, browserToken: string) => tag(secret, `bind:${body}:${browserToken}`, BIND);

/** A new attempt id for this browser, valid until `expiresAt` (epoch ms, rounded up to the second). */
export async function mintAttemptId(secret: string, browserToken: string, expiresAt: number): Promise<string> {
  const random = toBase62(bigIntOf(crypto.getRandomValues(new Uint8Array(RANDOM.bytes))), RANDOM.chars);
  const body = random + toBase62(Math.ceil(expiresAt / 1000), EXPIRY_CHARS);
  const signed = body + (await bindTag(secret, body, browserToken));
  return signed + (await authTag(secret, signed));
}

/**
 * What an attempt id says, once its tags hold: minted here (else 403 `unknown_merchant_uid`) for this browser
 * (else 403 `session_mismatch`). Expiry is the caller's to judge: an expired id may still be a repeated request.
 */
export async function readAttemptId(
  secret: string | readonly string[],
  id: string,
  browserToken: string | undefined,
): Promise<{ expiresAt: number }> {
  if (id.length !== ATTEMPT_ID_LENGTH) throw new AppError("unknown_merchant_uid", "not an attempt id");
  const signed = id.slice(0, SIGNED_CHARS);
  const expiry = fromBase62(id.slice(RANDOM.chars, BODY_CHARS));
  // During a rotation of IDENTITY_HMAC_KEY, ids minted under a previous key still verify until they expire.
  let minter: string | undefined;
  for (const candidate of typeof secret === "string" ? [secret] : secret) {
    if (expiry !== null && sameText(await authTag(candidate, signed), id.slice(SIGNED_CHARS))) {
      minter = candidate;
      break;
    }
  }
  if (minter === undefined) throw new AppError("unknown_merchant_uid", "attempt id not minted here");
  const body = id.slice(0, BODY_CHARS);
  if (!browserToken || !sameText(await bindTag(minter, body, browserToken), id.slice(BODY_CHARS, SIGNED_CHARS))) {
    throw new AppError("session_mismatch");
  }
  return { expiresAt: Number(expiry) * 1000 };
}
