import { exportJWK, generateKeyPair } from "jose";

/** A fresh signing key, as `npm run keygen` prints it. */
export async function signingKey(kid = "test-key-1") {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  return JSON.stringify({ ...(await exportJWK(privateKey)), kid });
}
