import { exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { type Lang, MESSAGES } from "../../src/views/messages";
import { harness, ORIGIN } from "../support/harness";
import { errorOf, pageErrorOf } from "../support/http";

describe("the deployed entry point", () => {
  it("GET /healthz reports the mode", async () => {
    const res = await exports.default.fetch("http://localhost/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, mode: "live", provider: "v1" });
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
  });

  it("sends HSTS over https only, and the cookie is not Secure on http://127.0.0.1 either", async () => {
    const h = harness();
    expect((await h.request("https://verify.example.com/healthz")).headers.get("Strict-Transport-Security")).toMatch(/max-age=\d+/);
    expect((await h.request("http://localhost:8787/healthz")).headers.get("Strict-Transport-Security")).toBeNull();
    const local = await h.request("http://127.0.0.1:8787/certifications/prepare", { method: "POST" });
    expect(local.headers.get("Set-Cookie")).not.toMatch(/Secure/);
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await exports.default.fetch("http://localhost/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "not_found", message: "Not found." } });
  });

  it("matches paths exactly: a route's path with a trailing slash is no route (a JSON 404 with the usual headers)", async () => {
    const h = harness();
    for (const [method, path] of [
      ["GET", "/healthz/"],
      ["POST", "/certifications/prepare/"],
      ["POST", "/certifications/"],
      ["GET", "/guardian/abc/"],
      ["GET", "/.well-known/openid-configuration/"],
    ] as const) {
      const res = await h.request(path, { method, headers: method === "POST" ? { Origin: ORIGIN } : {} });
      expect([method, path, res.status, await errorOf(res)]).toEqual([method, path, 404, "not_found"]);
      expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(res.headers.get("Set-Cookie")).toBeNull();
    }
    expect((await h.request("/healthz")).status).toBe(200);
  });
});

describe("logs", () => {
  it("carry one line per verification with codes and timings, and no personal data, tokens or keys", async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
    const spies = [vi.spyOn(console, "log"), vi.spyOn(console, "warn"), vi.spyOn(console, "error")].map((s) => s.mockImplementation(capture));
    try {
      const h = harness();
      const b = h.browser();
      const secrets = { name: "박민수", birthday: "1988-07-21", unique_key: "CI-log-probe", unique_in_site: "DI-log-probe", phone: "01012345678" };
      const cert = await b.certified(secrets);
      await b.verify({ imp_uid: cert.imp_uid });
      h.stub.fail("getCertification", { kind: "status", status: 500 }, 2);
      const failed = await b.certified(secrets);
      await b.verify({ imp_uid: failed.imp_uid });

      const verificationLines = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "verification");
      expect(verificationLines).toHaveLength(2);
      expect(verificationLines[0]).toMatchObject({ outcome: "new_user", token: ["fetched"], d1: { roundTrips: 1, ms: expect.any(Number) } });
      expect(verificationLines[1]).toMatchObject({ error_code: "upstream_error", token: ["memory"] });
      const all = lines.join("\n");
      const token = h.stub.authorizations[0]!.replace("Bearer ", "");
      for (const value of [...Object.values(secrets), token, h.impKey, "test_secret", "9yDJS8FGjQGCW3NEz-mda7Y-J-w_D5rdxr7prM8xx8s", "1988"]) {
        expect(all).not.toContain(value);
      }
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });
});

describe("the verification page", () => {
  it("live mode: a strict CSP that allows the real SDK's origin and i'mport's service host, and nothing else", async () => {
    const h = harness({ IMP_SDK_URL: "https://cdn.iamport.kr/v1/iamport.js" });
    const res = await h.request("/", { headers: { "Accept-Language": "ko-KR,ko;q=0.9" } });
    expect(res.status).toBe(200);
    const csp = res.headers.get("Content-Security-Policy")!;
    expect(csp).toContain("script-src 'self' https://cdn.iamport.kr https://service.iamport.kr;");
    expect(csp).toContain("frame-src 'self' https://service.iamport.kr");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    const page = await res.text();
    expect(page).toContain('data-testid="start-verification"');
    expect(page).toContain('<html lang="ko">');
    expect(page).toContain('"sdkUrl":"https://cdn.iamport.kr/v1/iamport.js"');
  });

  it("sandbox mode: scripts, frames and forms from this origin only", async () => {
    const h = harness({ IMP_MODE: "sandbox" });
    const csp = (await h.request("/")).headers.get("Content-Security-Policy")!;
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("frame-src 'self';");
    expect(csp).not.toContain("iamport");
  });

  it("is a 503 not_configured page, never the default SDK, when IMP_SDK_URL is not an absolute https URL", async () => {
    for (const IMP_SDK_URL of ["not a url", "javascript:alert(1)", "/relative.js", "http://cdn.example.com/sdk.js"]) {
      const res = await harness({ IMP_SDK_URL }).request("/");
      expect(res.status).toBe(503);
      expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
      expect(await pageErrorOf(res)).toBe("not_configured");
    }
  });

  it("keeps page config inert: no value can close its <script> element", async () => {
    const h = harness({ IMP_SDK_URL: "https://cdn.iamport.kr/v1/iamport.js?</script><script>alert(1)</script>" });
    const page = await (await h.request("/")).text();
    expect(page).not.toContain("</script><script>alert(1)");
  });

  it("serves each page its own attempt in its own language, its texts for the script in a static module, however many it served before", async () => {
    const h = harness();
    const configOf = (html: string) => JSON.parse(/<script type="application\/json" id="page-config">(.*?)<\/script>/s.exec(html)![1]!);
    const pages = [];
    for (const lang of ["ko", "en", "ko", "en"]) {
      const html = await (await h.browser().send(`/?lang=${lang}`)).text();
      expect(html).toContain(`<html lang="${lang}">`);
      const config = configOf(html);
      expect(config.lang).toBe(lang);
      expect(config.messages).toBeUndefined();
      expect(html).toContain(`<link rel="modulepreload" href="/messages-${lang}.js">`);
      expect(html).toContain(`<h1 data-text="title">${MESSAGES[lang as Lang].title}</h1>`);
      pages.push(config.attempt.merchant_uid);
    }
    expect(new Set(pages).size).toBe(4);
  });
});
