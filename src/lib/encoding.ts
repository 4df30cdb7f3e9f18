/** Fixed-width base62 (digits, upper and lower case letters): what every PG accepts in an order id. */
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE = 62n;

/** `value` modulo 62^width, as exactly `width` characters. */
export function toBase62(value: bigint, width: number): string {
  let rest = value;
  let out = "";
  for (let i = 0; i < width; i++) {
    out = ALPHABET[Number(rest % BASE)] + out;
    rest /= BASE;
  }
  return out;
}

/** The number a base62 string stands for; `null` for any character outside the alphabet. */
export function fromBase62(text: string): bigint | null {
  let value = 0n;
  for (const char of text) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) return null;
    value = value * BASE + BigInt(digit);
  }
  return value;
}

/** The first `bytes` bytes as a big-endian number. */
export function bigIntOf(data: ArrayBuffer | Uint8Array, bytes: number): bigint {
  const view = data instanceof Uint8Array ? data : new Uint8Array(data);
  let value = 0n;
  for (let i = 0; i < bytes; i++) value = (value << 8n) | BigInt(view[i] ?? 0);
  return value;
}
