import type { Config } from "../config";
import type { IdentityKeys } from "../db/queries";
import { hmacHex } from "../lib/crypto";

/**
 * Identity keys: the HMAC-SHA-256 of the CI and of the DI under IDENTITY_HMAC_KEY (the DI's with its own prefix, so
 * the two never meet), and the same under each of IDENTITY_HMAC_PREVIOUS_KEYS, so that a person stored before a
 * rotation is found and rewritten under the current key.
 */
export async function identityKeysOf(config: Config, identity: { ci: string | null; di: string | null }): Promise<IdentityKeys> {
  const under = (secret: string) =>
    Promise.all([identity.ci ? hmacHex(secret, identity.ci) : null, identity.di ? hmacHex(secret, `site:${identity.di}`) : null]);
  const [[ci, di], previous, keyId] = await Promise.all([
    under(config.keyring.current),
    Promise.all(config.keyring.all.slice(1).map(under)),
    keyIdOf(config.keyring.current),
  ]);
  const present = (x: string | null): x is string => x !== null;
  return { ci, di, previousCi: previous.map(([c]) => c).filter(present), previousDi: previous.map(([, d]) => d).filter(present), keyId };
}

const keyIds = new Map<string, Promise<string>>();

/** A key's fingerprint (users.key_id): which key wrote a row, without revealing anything of the key. Once per isolate. */
export function keyIdOf(secret: string): Promise<string> {
  let id = keyIds.get(secret);
  if (!id) {
    id = hmacHex(secret, "imp-identity-edge/key-id").then((hex) => hex.slice(0, 12));
    keyIds.set(secret, id);
  }
  return id;
}
