/** Fixed-width base62 (digits, upper and lower case letters): what every PG accepts in an order id. */
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * `value` modulo 62^width, as exactly `width` characters. A number must be a whole number below 2^53; larger
 * values go as a bigint.
 */
export function toBase62(value: number | bigint, width: number): string {
  let out = "";
  if (typeof value === "number") {
    let rest = value;
    for (let i = 0; i < width; i++) {
      out = ALPHABET[rest % 62] + out;
      rest = Math.floor(rest / 62);
    }
    return out;
  }
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = ALPHABET[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out;
}

/** The number a base62 string of at most 8 characters stands for; `null` for any character outside the alphabet. */
export function fromBase62(text: string): number | null {
  let value = 0;
  for (const char of text) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) return null;
    value = value * 62 + digit;
  }
  return value;
}

// workerd's V8 has the base64 and hex methods of ES2026 (TypeScript's lib does not know them yet): native, one
// call, no intermediate string of char codes and three regex passes as btoa/atob would need.
declare global {
  interface Uint8Array<TArrayBuffer extends ArrayBufferLike = ArrayBufferLike> {
    toBase64(options: { alphabet: "base64url"; omitPadding: true }): string;
    /** Lowercase hex, two digits a byte. */
    toHex(): string;
  }
  interface Uint8ArrayConstructor {
    fromBase64(text: string, options: { alphabet: "base64url" }): Uint8Array<ArrayBuffer>;
  }
}

/** Bytes as base64url, without padding (cookies, URLs). */
export const toBase64Url = (bytes: Uint8Array) => bytes.toBase64({ alphabet: "base64url", omitPadding: true });

/** The bytes of a base64url text, padded or not (throws on anything else, "+" and "/" included). */
export const fromBase64Url = (text: string) => Uint8Array.fromBase64(text, { alphabet: "base64url" });

/** Bytes as one big-endian number. */
export function bigIntOf(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}
