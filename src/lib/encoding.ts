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

/** Bytes as base64url, without padding (cookies, URLs). */
export const toBase64Url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

/** The bytes of a base64url text (throws on anything else). */
export const fromBase64Url = (text: string) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0));

/** Bytes as one big-endian number. */
export function bigIntOf(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}
