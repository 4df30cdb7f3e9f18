import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { snapshot } from "../support/db";
import { harness } from "../support/harness";
import { pageErrorOf } from "../support/http";

const redirect = (q: Record<string, string>) => `/certifications/redirect?${new URLSearchParams(q)}`;

describe("GET /certifications/redirect", () => {
  it("verifies on the server and shows the outcome", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified({ name: "이서준" });
    const res = await b.send(redirect({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid!, success: "true" }), {
      headers: { "Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(res.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(res.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
    const page = await res.text();
    expect(page).toContain('data-outcome="new_user"');
    expect(page).toContain('<html lang="ko">');
    expect(page).toContain("이서준");
  });

  it("shows the same outcome when the redirect is refreshed", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified();
    const url = redirect({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid!, success: "true" });
    expect((await b.send(url)).status).toBe(200);
    const again = await b.send(url);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('data-outcome="new_user"');
  });

  it("decides nothing from success=true: a tampered query without imp_uid fails", async () => {
    const h = harness();
    const b = h.browser();
    const { merchant_uid } = await b.prepare();
    const before = await snapshot();
    const res = await b.send(redirect({ merchant_uid, success: "true" }));
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('data-error-code="not_certified"');
    expect(await snapshot()).toBe(before);
  });

  it("decides nothing from success=true: a certification that is not certified fails", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified({ certified: false });
    const res = await b.send(redirect({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid!, success: "true" }));
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('data-error-code="not_certified"');
  });

  it("refuses someone else's imp_uid with success=true", async () => {
    const h = harness();
    const victim = h.browser();
    const attacker = h.browser();
    await attacker.prepare();
    const cert = await victim.certified();
    const res = await attacker.send(redirect({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid!, success: "true" }));
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('data-error-code="session_mismatch"');
  });

  it("words a cancelled verification (success=false, no imp_uid) as cancelled", async () => {
    const h = harness();
    const b = h.browser();
    const { merchant_uid } = await b.prepare();
    const res = await b.send(redirect({ merchant_uid, success: "false" }), { headers: { "Accept-Language": "en" } });
    expect(res.status).toBe(422);
    const page = await res.text();
    expect(page).toContain('data-error-code="not_certified"');
    expect(page).toContain("cancelled");
  });

  it("escapes everything that came from upstream", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified({ name: '<script>alert("x")</script>&' });
    const page = await (await b.send(redirect({ imp_uid: cert.imp_uid }))).text();
    expect(page).not.toContain("<script>alert");
    expect(page).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;");
  });

  it("answers 400 for a malformed imp_uid", async () => {
    const h = harness();
    const res = await h.request(redirect({ imp_uid: "imp_<svg>" }));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('data-error-code="invalid_request"');
  });

  it("shows upstream failures with their status", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified();
    h.stub.fail("getCertification", { kind: "status", status: 500 }, 2);
    const res = await b.send(redirect({ imp_uid: cert.imp_uid }));
    expect(res.status).toBe(502);
    expect(await res.text()).toContain('data-error-code="upstream_error"');
  });

  it("answers every error as an HTML page, an unexpected fault included, with the status the JSON route gives", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified();
    const brokenDb = new Proxy(env.DB, {
      get: (db, prop) => (prop === "batch" ? () => Promise.reject(new Error("simulated outage")) : Reflect.get(db, prop).bind(db)),
    });
    const sick = harness({ DB: brokenDb });
    sick.stub.certifications.set(cert.imp_uid, cert);
    const res = await sick.request(redirect({ imp_uid: cert.imp_uid }), { headers: { Cookie: b.cookie } });
    expect(res.status).toBe(500);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain('data-error-code="internal_error"');
    expect(page).not.toMatch(/simulated|at |\.ts/);
  });

  it("refuses a query that repeats an id, as a page", async () => {
    const res = await harness().request("/certifications/redirect?imp_uid=imp_1&imp_uid=imp_2");
    expect(res.status).toBe(400);
    expect(await pageErrorOf(res)).toBe("invalid_request");
  });
});
