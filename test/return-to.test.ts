import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { snapshot } from "./support/db";
import { type Browser, harness, ORIGIN } from "./support/harness";
import { errorOf, pageErrorOf } from "./support/http";
import { receiptKey } from "./support/keys";

const SHOP = "https://shop.example";
const vars = async (extra: Record<string, string> = {}) => ({
  RETURN_ORIGINS: `${SHOP},http://127.0.0.1:9`,
  RECEIPT_PRIVATE_KEY: await receiptKey(),
  ...extra,
});

const BAD = [
  "javascript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "/relative/path",
  "//shop.example/x",
  "shop.example/x",
  `${SHOP}@evil.example/`,
  "https://user:pass@shop.example/",
  "http://shop.example/",
  "https://shop.example:8443/",
  "https://shop.example.evil.example/",
  "https://shop-example.com/",
  "https://xn--shp-example-9db.com/",
  "http://127.0.0.1:10/",
  `${SHOP}/${"a".repeat(2100)}`,
  "",
];

/**
 * A prepared attempt bound to `SHOP/done`, and the Cookie header of its browser with the return_to cookie altered
 * to point elsewhere (its HMAC left as it was).
 */
async function preparedWithAlteredReturnTo(b: Browser) {
  const res = await prepareWith(b, `${SHOP}/done`);
  const { merchant_uid } = (await res.json()) as { merchant_uid: string };
  const [id, , mac] = /imp_return=([^;]+)/.exec(res.headers.getSetCookie().join("; "))![1]!.split(".");
  const evil = btoa("https://evil.example/").replace(/=+$/, "");
  return { merchant_uid, cookie: `imp_browser=${b.token}; imp_return=${id}.${evil}.${mac}` };
}

/** `prepare` with a `return_to`, as the page sends it. */
const prepareWith = (b: Browser, returnTo: string) =>
  b.send("/certifications/prepare", {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: ORIGIN },
    body: JSON.stringify({ return_to: returnTo }),
  });

async function verifyReceipt(h: ReturnType<typeof harness>, receipt: string, audience: string) {
  const jwks = (await (await h.request("/.well-known/jwks.json")).json()) as JSONWebKeySet;
  return (await jwtVerify(receipt, createLocalJWKSet(jwks), { issuer: ORIGIN, audience })).payload;
}

describe("return_to", () => {
  it.each(BAD)("refuses %j on the page, in prepare and on the redirect, with no redirect and nothing stored", async (bad) => {
    const h = harness(await vars());
    const before = await snapshot();
    const page = await h.request(`/?return_to=${encodeURIComponent(bad)}`);
    expect([page.status, await pageErrorOf(page)]).toEqual([400, "invalid_request"]);
    expect(page.headers.get("Set-Cookie")).toBeNull(); // it starts nothing
    expect(page.headers.get("Location")).toBeNull();
    const prepare = await h.request("/certifications/prepare", {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: ORIGIN },
      body: JSON.stringify({ return_to: bad }),
    });
    expect([prepare.status, await errorOf(prepare)]).toEqual([400, "invalid_request"]);
    expect(await snapshot()).toBe(before);
  });

  it("takes an allowed return_to into the page, and the popup flow's JSON answer carries a receipt for that site", async () => {
    const h = harness(await vars());
    const b = h.browser();
    const page = await b.send(`/?return_to=${encodeURIComponent(`${SHOP}/signup/done?step=2`)}`);
    expect(page.status).toBe(200);
    const config = JSON.parse(/id="page-config">(.*?)<\/script>/s.exec(await page.text())![1]!);
    expect(config.returnTo).toBe(`${SHOP}/signup/done?step=2`);
    const cert = h.stub.certify({ merchant_uid: config.attempt.merchant_uid });
    const body = (await (await b.verify({ imp_uid: cert.imp_uid, merchant_uid: config.attempt.merchant_uid })).json()) as { receipt: string };
    expect((await verifyReceipt(h, body.receipt, SHOP)).aud).toBe(SHOP);
  });

  it("survives the redirect flow: a success answers 303 to return_to with the receipt added to its query", async () => {
    const h = harness(await vars());
    const b = h.browser();
    const res = await prepareWith(b, `${SHOP}/done?lang=ko`);
    const { merchant_uid } = (await res.json()) as { merchant_uid: string };
    const cert = h.stub.certify({ merchant_uid });
    const back = await b.send(`/certifications/redirect?imp_uid=${cert.imp_uid}&merchant_uid=${merchant_uid}&imp_success=true`);
    expect(back.status).toBe(303);
    const location = new URL(back.headers.get("Location")!);
    expect(`${location.origin}${location.pathname}`).toBe(`${SHOP}/done`);
    expect(location.searchParams.get("lang")).toBe("ko");
    const payload = await verifyReceipt(h, location.searchParams.get("verification")!, SHOP);
    expect(payload.outcome).toBe("new_user");
  });

  it("offers a link back with verification_error after a failure on the redirect page", async () => {
    const h = harness(await vars());
    const b = h.browser();
    const res = await prepareWith(b, `${SHOP}/done`);
    const { merchant_uid } = (await res.json()) as { merchant_uid: string };
    const cert = h.stub.certify({ merchant_uid, birthday: `${new Date().getFullYear() - 10}-01-01` });
    const page = await b.send(`/certifications/redirect?imp_uid=${cert.imp_uid}&merchant_uid=${merchant_uid}`);
    expect(page.status).toBe(403);
    expect(await page.text()).toContain(`href="${SHOP}/done?verification_error=age_restricted"`);
  });

  it("refuses a return_to cookie that was altered: 400, no redirect", async () => {
    const h = harness(await vars());
    const b = h.browser();
    const { merchant_uid, cookie } = await preparedWithAlteredReturnTo(b);
    const cert = h.stub.certify({ merchant_uid });
    const tampered = await h.request(`/certifications/redirect?imp_uid=${cert.imp_uid}&merchant_uid=${merchant_uid}`, {
      headers: { Cookie: cookie },
    });
    expect(tampered.status).toBe(400);
    expect(tampered.headers.get("Location")).toBeNull();
    expect(await pageErrorOf(tampered)).toBe("invalid_request");
  });

  it("never turns a stored success into an error: an altered cookie read after the D1 batch only costs the receipt", async () => {
    const h = harness(await vars());
    const b = h.browser();
    const { merchant_uid, cookie } = await preparedWithAlteredReturnTo(b);
    const cert = h.stub.certify({ merchant_uid });
    // Without merchant_uid in the query, the attempt (and its cookie) is known only once the result is stored.
    const page = await h.request(`/certifications/redirect?imp_uid=${cert.imp_uid}`, {
      headers: { Cookie: cookie },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get("Location")).toBeNull();
    expect(await page.text()).toContain('data-outcome="new_user"');
  });

  it("works the same with V2: 303 back with a receipt", async () => {
    const h = harness(await vars({ PORTONE_VERSION: "v2" }));
    const b = h.browser();
    const res = await prepareWith(b, `${SHOP}/done`);
    const { identity_verification_id: id } = (await res.json()) as { identity_verification_id: string };
    h.portone.verify(id);
    const back = await b.send(`/certifications/redirect?identityVerificationId=${id}`);
    expect(back.status).toBe(303);
    const receipt = new URL(back.headers.get("Location")!).searchParams.get("verification")!;
    expect((await verifyReceipt(h, receipt, SHOP)).provider).toBe("v2");
  });
});
