// npm run keygen: a fresh private JWK (EC P-256, with a kid) for SIGNING_KEY, which signs ID tokens and access
// tokens. Prints it once and keeps nothing: pipe it into `wrangler secret put SIGNING_KEY`. The kid tells relying
// parties which key of /.well-known/jwks.json signed a token.
import { exportJWK, generateKeyPair } from "jose";

const { privateKey } = await generateKeyPair("ES256", { extractable: true });
const jwk = await exportJWK(privateKey);
const kid = `signing-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
console.log(JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d, kid }));
