import { exportJWK, generateKeyPair } from "jose";

/** A fresh signing key, as `npm run keygen` prints it. */
export async function signingKey(kid = "test-key-1") {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  return JSON.stringify({ ...(await exportJWK(privateKey)), kid });
}

/** A fresh RSA signing key (RS256, 2048 bits), as `npm run keygen -- rsa` prints it. */
export async function rsaSigningKey(kid = "test-rsa-1") {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true, modulusLength: 2048 });
  return JSON.stringify({ ...(await exportJWK(privateKey)), kid });
}
