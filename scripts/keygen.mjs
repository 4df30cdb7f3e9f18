// npm run keygen: a fresh private JWK (EC P-256, with a kid) for RECEIPT_PRIVATE_KEY. Prints it once and keeps
// nothing: pipe it into `wrangler secret put RECEIPT_PRIVATE_KEY`. The kid tells sites which key signed a receipt.
import { exportJWK, generateKeyPair } from "jose";

const { privateKey } = await generateKeyPair("ES256", { extractable: true });
const jwk = await exportJWK(privateKey);
const kid = `receipt-${new Date().toISOString().slice(0, 10)}-${crypto.randomUUID().slice(0, 8)}`;
console.log(JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d, kid }));
