import { describe, expect, it, vi } from "vitest";
import { snapshot } from "../support/db";
import { harness, ORIGIN } from "../support/harness";
import { errorOf, pageErrorOf } from "../support/http";

/** What a security review of the running app found, each kept fixed by a test that failed before the fix. */

/** Well-formed as the cookie used to be (and as it is now, with a tag of the planter's own). */
const planted = "A".repeat(43);
const plantedWithTag = `${"A".repeat(43)}.${"B".repeat(22)}`;

describe("the binding cookie is minted and authenticated here, never adopted", () => {
  it("replaces a well-formed value it did not mint, so a planter cannot choose a victim's binding", async () => {
    const h = harness();
    for (const value of [planted, plantedWithTag]) {
      const res = await h.request("/", { headers: { Cookie: `imp_browser=${value}` } });
      const set = /^imp_browser=([^;]+);/.exec(res.headers.get("Set-Cookie") ?? "")?.[1];
      expect(set).toBeDefined();
      expect(set).not.toBe(value);
    }
  });

  it("does not let a planted value verify the result of an attempt bound to it", async () => {
    const h = harness();
    const victim = h.browser();
    victim.cookie = `imp_browser=${planted}`;
    const cert = await victim.certified();
    expect(victim.token).not.toBe(planted);
    const planter = h.browser();
    planter.cookie = `imp_browser=${planted}`;
    const res = await planter.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid });
    expect([res.status, await errorOf(res)]).toEqual([403, "session_mismatch"]);
  });

  it("lets no duplicate of the cookie win on the redirect route: two values count as none", async () => {
    const h = harness();
    const victim = h.browser();
    const cert = await victim.certified();
    const before = await snapshot();
    for (const cookie of [`imp_browser=${planted}; imp_browser=${victim.token}`, `imp_browser=${victim.token}; imp_browser=${planted}`]) {
      const res = await h.request(`/certifications/redirect?imp_uid=${cert.imp_uid}&merchant_uid=${cert.merchant_uid}`, {
        headers: { Cookie: cookie },
      });
      expect([res.status, await pageErrorOf(res)]).toEqual([403, "session_mismatch"]);
    }
    expect(await snapshot()).toBe(before);
    // The browser's own single cookie still completes it.
    expect((await victim.send(`/certifications/redirect?imp_uid=${cert.imp_uid}&merchant_uid=${cert.merchant_uid}`)).status).toBe(200);
  });

  it("carries the __Host- prefix over https (Secure, Path=/, no Domain) and ignores an unprefixed one there", async () => {
    const h = harness();
    const res = await h.request("https://verify.example/certifications/prepare", { method: "POST" });
    const cookie = res.headers.get("Set-Cookie") ?? "";
    expect(cookie).toMatch(/^__Host-imp_browser=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{22};/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; Path=\/;/);
    expect(cookie).not.toMatch(/Domain=/i);
    const value = /=([^;]+);/.exec(cookie)![1]!;
    const again = await h.request("https://verify.example/certifications/prepare", {
      method: "POST",
      headers: { Cookie: `__Host-imp_browser=${value}` },
    });
    expect(again.headers.get("Set-Cookie")).toContain(value);
    const unprefixed = await h.request("https://verify.example/certifications/prepare", {
      method: "POST",
      headers: { Cookie: `imp_browser=${value}` },
    });
    expect(unprefixed.headers.get("Set-Cookie")).not.toContain(value);
  });
});

describe("a request without a binding cookie", () => {
  it("is refused before any call to the provider, even without a merchant_uid (V1)", async () => {
    const h = harness();
    const cert = h.stub.certify({ merchant_uid: null });
    const res = await h.request("/certifications", {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: ORIGIN },
      body: JSON.stringify({ imp_uid: cert.imp_uid }),
    });
    expect([res.status, await errorOf(res)]).toEqual([403, "session_mismatch"]);
    const page = await h.request(`/certifications/redirect?imp_uid=${cert.imp_uid}`);
    expect([page.status, await pageErrorOf(page)]).toEqual([403, "session_mismatch"]);
    expect(h.stub.calls.getToken + h.stub.calls.getCertification).toBe(0);
  });
});

describe("a client that aborts its body", () => {
  it("gets a 400 and leaves no error-level line: it is not a fault of ours", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const h = harness();
      const b = h.browser();
      await b.prepare();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"imp_uid": "imp_1'));
          controller.error(new Error("client went away"));
        },
      });
      const res = await b.send("/certifications", {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: ORIGIN },
        body,
        // @ts-expect-error: workerd's RequestInit takes a streamed body without `duplex`
        duplex: "half",
      });
      expect([res.status, await errorOf(res)]).toEqual([400, "invalid_request"]);
      expect(error).not.toHaveBeenCalled();
    } finally {
      error.mockRestore();
    }
  });
});

describe("security headers", () => {
  const BASE = { "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY" };

  it("every kind of answer carries them, and answers with personal data are never cached", async () => {
    const h = harness({ IMP_MODE: "sandbox" });
    const b = h.browser();
    await b.prepare();
    const answers: [string, Response][] = [
      ["page", await b.send("/")],
      ["prepare", await b.send("/certifications/prepare", { method: "POST", headers: { Origin: ORIGIN } })],
      ["verify error", await b.verify({ imp_uid: "imp_1" })],
      ["redirect page", await b.send("/certifications/redirect?imp_uid=imp_1")],
      ["healthz", await h.request("/healthz")],
      ["not found", await h.request("/nothing")],
      ["openapi", await h.request("/openapi.json")],
      ["site api", await h.request("/api/users/usr_1")],
      ["sandbox window", await h.request("/sandbox/certify")],
    ];
    for (const [what, res] of answers) {
      for (const [name, value] of Object.entries(BASE)) expect([what, res.headers.get(name)]).toEqual([what, value]);
      // A static file of the sandbox carries nothing of anyone; everything else may.
      if (what !== "sandbox window") expect([what, res.headers.get("cache-control")]).toEqual([what, "no-store"]);
      expect([what, res.headers.get("strict-transport-security")]).toEqual([what, null]); // plain http here
    }
    for (const [what, res] of answers.filter(([what]) => what.includes("page") || what.includes("window"))) {
      expect([what, res.headers.get("content-security-policy")]).toEqual([what, expect.stringContaining("frame-ancestors 'none'")]);
    }
  });

  it("over https adds HSTS, and the JWKS alone may be cached", async () => {
    const h = harness();
    const health = await h.request("https://verify.example/healthz");
    expect(health.headers.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains");
    const jwks = await h.request("https://verify.example/.well-known/jwks.json");
    expect(jwks.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
    expect(jwks.headers.get("x-frame-options")).toBe("DENY");
  });
});

describe("log lines", () => {
  it("name the route, never the ids in its path (the sandbox's and the site API's included)", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const h = harness({ IMP_MODE: "sandbox" });
      await h.request("/sandbox/window/sms/imp_123456789012");
      await h.request(`/identity-verifications/${"A".repeat(40)}`, { headers: { Authorization: "PortOne sandbox_portone_api_secret" } });
      await h.request("/api/users/usr_0123456789abcdef", { headers: { Authorization: "Bearer sandbox-site-api-key" } });
      const lines = log.mock.calls.map(([line]) => String(line));
      const routes = lines.map((line) => JSON.parse(line).route);
      expect(routes).toEqual(["GET /sandbox/window/sms/:id", "GET /identity-verifications/:id", "GET /api/users/:id"]);
      expect(lines.join("\n")).not.toMatch(/imp_123456789012|A{40}|usr_0123456789abcdef/);
    } finally {
      log.mockRestore();
    }
  });
});
