import { exportJWK, generateKeyPair } from "jose";

/** A fresh receipt key, as `npm run keygen` prints it. */
export async function receiptKey(kid = "test-key-1") {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  return JSON.stringify({ ...(await exportJWK(privateKey)), kid });
}
