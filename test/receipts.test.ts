import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { SANDBOX_CREDENTIALS } from "../src/config";
import { harness, ORIGIN } from "./support/harness";
import { errorOf } from "./support/http";
import { receiptKey } from "./support/keys";

const CLAIMS = [
  "iss",
  "aud",
  "sub",
  "iat",
  "exp",
  "jti",
  "outcome",
  "name",
  "gender",
  "birthday",
  "age",
  "age_rule",
  "min_age",
  "provider",
  "verified_at",
];

async function jwksOf(h: ReturnType<typeof harness>) {
  const res = await h.request("/.well-known/jwks.json");
  expect(res.headers.get("Cache-Control")).toMatch(/public, max-age=\d+/);
  return (await res.json()) as JSONWebKeySet;
}

describe("receipts", () => {
  it("sign the result with exactly the documented claims, verifiable with the JWKS, never CI, DI or provider ids", async () => {
    const h = harness({ RECEIPT_PRIVATE_KEY: await receiptKey(), RECEIPT_TTL_SECONDS: "120", MIN_AGE: "19" });
    const b = h.browser();
    const cert = await b.certified({
      name: "정영수",
      birthday: "1988-03-04",
      gender: "male",
      unique_key: "CI-receipt",
      unique_in_site: "DI-receipt",
      phone: "01012341234",
    });
    const body = (await (await b.verify({ imp_uid: cert.imp_uid })).json()) as { receipt: string; user: { id: string; age: number } };
    const jwks = await jwksOf(h);
    expect(jwks.keys).toEqual([
      { kty: "EC", crv: "P-256", x: expect.any(String), y: expect.any(String), kid: "test-key-1", alg: "ES256", use: "sig" },
    ]);
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    expect(decodeProtectedHeader(body.receipt)).toEqual({ alg: "ES256", typ: "JWT", kid: "test-key-1" });
    const { payload } = await jwtVerify(body.receipt, createLocalJWKSet(jwks), { issuer: ORIGIN, audience: ORIGIN, algorithms: ["ES256"] });
    expect(Object.keys(payload).sort()).toEqual([...CLAIMS].sort());
    expect(payload).toMatchObject({
      sub: body.user.id,
      outcome: "new_user",
      name: "정영수",
      gender: "male",
      birthday: "1988-03-04",
      age: body.user.age,
      age_rule: "international",
      min_age: 19,
      provider: "v1",
      verified_at: cert.certified_at,
    });
    expect(payload.exp! - payload.iat!).toBe(120);
    expect(body.receipt).not.toMatch(/CI-receipt|DI-receipt|01012341234|imp_/);
    expect(JSON.stringify(payload)).not.toMatch(/CI-receipt|DI-receipt|01012341234|imp_/);
  });

  it("fail verification when tampered with or expired", async () => {
    const h = harness({ RECEIPT_PRIVATE_KEY: await receiptKey(), RECEIPT_TTL_SECONDS: "30" });
    const b = h.browser();
    const cert = await b.certified();
    const { receipt } = (await (await b.verify({ imp_uid: cert.imp_uid })).json()) as { receipt: string };
    const keys = createLocalJWKSet(await jwksOf(h));
    const [header, payload, signature] = receipt.split(".");
    const claims = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/")));
    const forged = btoa(JSON.stringify({ ...claims, age: 99 }))
      .replace(/=+$/, "")
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
    await expect(jwtVerify(`${header}.${forged}.${signature}`, keys)).rejects.toThrow();
    await expect(jwtVerify(receipt, keys, { currentDate: new Date(Date.now() + 31_000) })).rejects.toThrow(/exp/);
    await expect(jwtVerify(receipt, keys, { audience: "https://another.example" })).rejects.toThrow(/aud/);
    // Another key, with the same kid, does not verify it either.
    const other = createLocalJWKSet(await jwksOf(harness({ RECEIPT_PRIVATE_KEY: await receiptKey() })));
    await expect(jwtVerify(receipt, other)).rejects.toThrow();
  });

  it("are left out in live mode without a key, whose JWKS is empty", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified();
    const body = (await (await b.verify({ imp_uid: cert.imp_uid })).json()) as Record<string, unknown>;
    expect(body.receipt).toBeUndefined();
    expect(await jwksOf(h)).toEqual({ keys: [] });
  });

  it("use the sandbox's built-in key in sandbox mode, which live mode refuses", async () => {
    expect((await jwksOf(harness({ IMP_MODE: "sandbox" }))).keys[0]?.kid).toBe(SANDBOX_CREDENTIALS.receiptKey.kid);
    const live = harness({ RECEIPT_PRIVATE_KEY: JSON.stringify(SANDBOX_CREDENTIALS.receiptKey) });
    expect(await (await live.request("/healthz")).json()).toMatchObject({ ok: false, problems: ["RECEIPT_PRIVATE_KEY"] });
  });

  it("refuse the sandbox's key in live mode however its d is spelled (key material, not text)", async () => {
    const { d } = SANDBOX_CREDENTIALS.receiptKey;
    // 43 base64url characters carry 258 bits for 256: the last character's two low bits are padding.
    const last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const respelled = d.slice(0, -1) + last[last.indexOf(d.at(-1)!) ^ 1];
    expect(respelled).not.toBe(d);
    const live = harness({ RECEIPT_PRIVATE_KEY: JSON.stringify({ ...SANDBOX_CREDENTIALS.receiptKey, d: respelled }) });
    expect(await (await live.request("/healthz")).json()).toMatchObject({ ok: false, problems: ["RECEIPT_PRIVATE_KEY"] });
  });

  it("refuse a well-formed key that Web Crypto cannot use, before anything is written", async () => {
    const a = JSON.parse(await receiptKey());
    const b = JSON.parse(await receiptKey());
    for (const broken of [
      { ...a, d: b.d }, // another key's private half
      { ...a, x: b.x }, // a point that is not on the curve
      { ...a, d: "_".repeat(43) }, // d beyond the group order
    ]) {
      const h = harness({ RECEIPT_PRIVATE_KEY: JSON.stringify(broken) });
      expect(await (await h.request("/healthz")).json()).toMatchObject({ ok: false, problems: ["RECEIPT_PRIVATE_KEY"] });
      const browser = h.browser();
      const prepare = await browser.send("/certifications/prepare", { method: "POST", headers: { Origin: ORIGIN } });
      expect([prepare.status, await errorOf(prepare)]).toEqual([503, "not_configured"]);
      const verify = await browser.verify({ imp_uid: "imp_123" });
      expect([verify.status, await errorOf(verify)]).toEqual([503, "not_configured"]);
      expect(h.stub.calls.getCertification).toBe(0);
    }
  });

  it.each([
    "not json",
    '{"kty":"RSA","n":"x","e":"AQAB","d":"x","kid":"k"}',
    '{"kty":"EC","crv":"P-384","x":"a","y":"b","d":"c","kid":"k"}',
    '{"kty":"EC","crv":"P-256","x":"a","y":"b","kid":"no-d"}',
  ])("refuse a RECEIPT_PRIVATE_KEY that is not a private P-256 JWK with a kid: %s", async (value) => {
    const res = await harness({ RECEIPT_PRIVATE_KEY: value }).request("/healthz");
    expect([res.status, ((await res.json()) as { problems: string[] }).problems]).toEqual([503, ["RECEIPT_PRIVATE_KEY"]]);
  });

  it("come with V2 results too", async () => {
    const h = harness({ PORTONE_VERSION: "v2", RECEIPT_PRIVATE_KEY: await receiptKey() });
    const b = h.browser();
    const id = await b.verifiedV2();
    const { receipt } = (await (await b.verify({ identity_verification_id: id })).json()) as { receipt: string };
    const { payload } = await jwtVerify(receipt, createLocalJWKSet(await jwksOf(h)));
    expect(payload.provider).toBe("v2");
    expect(receipt).not.toContain(id);
  });
});

describe("a return_to without a key", () => {
  it("answers 503 not_configured in live mode", async () => {
    const h = harness({ RETURN_ORIGINS: "https://shop.example" });
    const res = await h.request("/certifications/prepare", {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: ORIGIN },
      body: JSON.stringify({ return_to: "https://shop.example/done" }),
    });
    expect([res.status, await errorOf(res)]).toEqual([503, "not_configured"]);
  });
});
