import { hmacKey, sameText } from "./crypto";
import { toBase64Url } from "./encoding";

/**
 * The identity HMAC keys as everything that seals something uses them: the current key seals; it and each previous
 * one (during a rotation of IDENTITY_HMAC_KEY) open. Each purpose derives its own key from them by a label of its
 * own, so no raw key ever serves two purposes.
 */
export interface Keyring {
  readonly current: string;
  /** The current key, then the previous ones: the order in which a seal is tried. */
  readonly all: readonly string[];
}

export const keyringOf = (current: string, previous: readonly string[]): Keyring => ({ current, all: [current, ...previous] });

const TAG_BYTES = 16;
const encoder = new TextEncoder();

/** The tag of `payload` for one purpose (`label`) under one key: 16 bytes of HMAC-SHA-256, base64url. */
async function tagOf(label: string, secret: string, payload: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret, label), encoder.encode(payload));
  return toBase64Url(new Uint8Array(mac, 0, TAG_BYTES));
}

/** `payload.tag`, sealed under the current key. */
export const seal = async (keys: Keyring, label: string, payload: string) => `${payload}.${await tagOf(label, keys.current, payload)}`;

/** Whether `tag` seals `payload` for this purpose under any key of the ring. */
export async function opens(keys: Keyring, label: string, payload: string, tag: string): Promise<boolean> {
  for (const secret of keys.all) {
    if (sameText(tag, await tagOf(label, secret, payload))) return true;
  }
  return false;
}
