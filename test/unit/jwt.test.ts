import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { toBase64Url } from "../../src/lib/encoding";
import { signJwt, verifyJwt } from "../../src/oidc/jwt";

// The app's own JWT code (Web Crypto, ES256) against an independent implementation: jose signs and verifies too.
const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
const other = await generateKeyPair("ES256");
const expect_ = { typ: "at+jwt", issuer: "https://verify.example", audience: "https://verify.example/userinfo" };
const now = Date.now();
const claims = (extra: Record<string, unknown> = {}) => ({
  iss: expect_.issuer,
  aud: expect_.audience,
  sub: "usr_1",
  iat: Math.floor(now / 1000),
  exp: Math.floor(now / 1000) + 300,
  ...extra,
});
const joseSigned = (header: Record<string, unknown>, body: Record<string, unknown>, key: CryptoKey = privateKey) =>
  new SignJWT(body).setProtectedHeader({ alg: "ES256", ...header } as { alg: string }).sign(key);
const b64 = (value: unknown) => toBase64Url(new TextEncoder().encode(JSON.stringify(value)));
/** A token with any header at all (jose refuses to sign some of them), signed with the right key. */
async function rawSigned(header: Record<string, unknown>, body: Record<string, unknown>) {
  const input = `${b64(header)}.${b64(body)}`;
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, privateKey, new TextEncoder().encode(input));
  return `${input}.${toBase64Url(new Uint8Array(signature))}`;
}

describe("JWT (ES256 over Web Crypto)", () => {
  it("what the app signs, jose verifies; what jose signs, the app verifies", async () => {
    const token = await signJwt(privateKey, { alg: "ES256", typ: "at+jwt", kid: "k1" }, claims());
    const verified = await jwtVerify(token, await importJWK(await exportJWK(publicKey), "ES256"), {
      issuer: expect_.issuer,
      audience: expect_.audience,
      typ: "at+jwt",
      algorithms: ["ES256"],
    });
    expect([verified.protectedHeader, verified.payload.sub]).toEqual([{ alg: "ES256", typ: "at+jwt", kid: "k1" }, "usr_1"]);
    expect(await verifyJwt(await joseSigned({ typ: "at+jwt" }, claims()), publicKey, expect_, now)).toMatchObject({ sub: "usr_1" });
    expect(await verifyJwt(await joseSigned({ typ: "at+jwt" }, claims({ aud: ["x", expect_.audience] })), publicKey, expect_, now)).not.toBeNull();
  });

  it("refuses another key, type, algorithm, a crit header, an altered part, and claims that do not hold", async () => {
    const good = await joseSigned({ typ: "at+jwt" }, claims());
    const [head, body, sig] = good.split(".") as [string, string, string];
    const bad: Record<string, string> = {
      "another key": await joseSigned({ typ: "at+jwt" }, claims(), other.privateKey),
      "another typ": await joseSigned({ typ: "JWT" }, claims()),
      "no typ": await joseSigned({}, claims()),
      crit: await rawSigned({ alg: "ES256", typ: "at+jwt", crit: ["x"], x: 1 }, claims()),
      "alg none": `${b64({ alg: "none", typ: "at+jwt" })}.${body}.`,
      "alg HS256, same signature": `${b64({ alg: "HS256", typ: "at+jwt" })}.${body}.${sig}`,
      "body swapped": `${head}.${b64(claims({ sub: "usr_2" }))}.${sig}`,
      "signature cut": `${head}.${body}.${sig.slice(0, 40)}`,
      // 85 characters cannot even be decoded (a lone last character holds under a byte); 87 decode to 65 bytes.
      "signature one character short": `${head}.${body}.${sig.slice(0, -1)}`,
      "signature one character long": `${head}.${body}.${sig}A`,
      "four parts": `${good}.x`,
      "not base64url": `${head}.${body}.${sig.slice(0, -2)}+/`,
      expired: await joseSigned({ typ: "at+jwt" }, claims({ exp: Math.floor(now / 1000) })),
      "no exp": await joseSigned({ typ: "at+jwt" }, { ...claims(), exp: undefined }),
      "not before later": await joseSigned({ typ: "at+jwt" }, claims({ nbf: Math.floor(now / 1000) + 60 })),
      "another issuer": await joseSigned({ typ: "at+jwt" }, claims({ iss: "https://evil.example" })),
      "another audience": await joseSigned({ typ: "at+jwt" }, claims({ aud: "https://verify.example" })),
      "an array body": `${head}.${b64([1])}.${sig}`,
      garbage: "garbage",
    };
    for (const [name, token] of Object.entries(bad)) expect(await verifyJwt(token, publicKey, expect_, now), name).toBeNull();
    expect(await verifyJwt(good, publicKey, expect_, now)).not.toBeNull();
    expect(await verifyJwt(await rawSigned({ alg: "ES256", typ: "at+jwt" }, claims()), publicKey, expect_, now)).not.toBeNull();
  });
});
