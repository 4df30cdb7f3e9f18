// npm run keygen: a fresh key, printed once and kept nowhere — pipe it into `wrangler secret put`.
//   npm run --silent keygen            a private JWK (EC P-256, with a kid) for SIGNING_KEY, which signs ID tokens and
//                                      access tokens; the kid tells relying parties which key of the JWKS signed a token
//   npm run --silent keygen -- rsa     a private RSA JWK (2048 bits, with a kid) for SIGNING_RSA_KEY, which signs the ID
//                                      tokens of clients on RS256 (the default: OpenID Connect's MUST)
//   npm run --silent keygen -- hmac    32 random bytes, base64url, for IDENTITY_HMAC_KEY
//   npm run --silent keygen -- secret  32 random bytes, base64url, for a client's secret in OIDC_CLIENT_SECRETS: URL-safe,
//                                      so `curl -u client:secret` and client_secret_basic's form-decoding (RFC 6749
//                                      §2.3.1 turns "+" into a space) read it the same way
//   npm run --silent keygen -- webhook whsec_ and 32 random bytes in base64, for a client's secret in WEBHOOK_SECRETS
//                                      (Standard Webhooks: what every library of the spec takes)
import { exportJWK, generateKeyPair } from "jose";

const what = process.argv[2] ?? "signing";
const randomBase64url = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");

if (what === "hmac" || what === "secret") {
  console.log(randomBase64url());
} else if (what === "webhook") {
  console.log(`whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64")}`);
} else if (what === "rsa") {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true, modulusLength: 2048 });
  const { kty, n, e, d, p, q, dp, dq, qi } = await exportJWK(privateKey);
  const kid = `rsa-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
  console.log(JSON.stringify({ kty, n, e, d, p, q, dp, dq, qi, kid }));
} else if (what === "signing") {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = `signing-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
  console.log(JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d, kid }));
} else {
  console.error(`npm run keygen -- [signing|rsa|hmac|secret|webhook]: "${what}" is none of them`);
  process.exit(2);
}
