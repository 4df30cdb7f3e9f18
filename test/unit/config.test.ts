import { describe, expect, it, vi } from "vitest";
import { parseConfig, SANDBOX_CREDENTIALS } from "../../src/config";
import { VARS } from "../../src/config/vars";
import { PROVIDERS } from "../../src/providers/registry";
import { harness } from "../support/harness";
import { errorOf, pageErrorOf } from "../support/http";

const LIVE = {
  IMP_MODE: "live",
  IMP_CODE: "imp12345678",
  IMP_KEY: "k",
  IMP_SECRET: "s",
  IDENTITY_HMAC_KEY: "A2PTGs7jh73f_aPfK6RNXrhK8iE6aAFKhzr30SKoaH4",
};
const problemsOf = async (vars: Record<string, unknown>) => (await parseConfig({ ...LIVE, ...vars }, PROVIDERS)).problems.map((p) => p.name);

describe("parseConfig: every value is checked", () => {
  it("accepts a complete live configuration and applies the defaults of unset vars", async () => {
    const { config, problems } = await parseConfig(LIVE, PROVIDERS);
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ timeoutMs: 5000, minAge: 19, ageRule: "international", sessionTtlSeconds: 900, rateLimit: true });
  });

  it("reads an empty or blank string as unset", async () => {
    const { config, problems } = await parseConfig({ ...LIVE, MIN_AGE: "", AGE_RULE: "  ", SESSION_TTL_SECONDS: "" }, PROVIDERS);
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ minAge: 19, ageRule: "international", sessionTtlSeconds: 900 });
  });

  it.each([
    ["IMP_MODE", "Sandbox"],
    ["AGE_RULE", "youthact"],
    ["RATE_LIMIT", "no"],
  ])("refuses %s=%s: not one of its values", async (name, value) => {
    expect(await problemsOf({ [name]: value })).toEqual([name]);
  });

  it.each([
    ["MIN_AGE", "nineteen"],
    ["MIN_AGE", "-1"],
    ["MIN_AGE", "19.5"],
    ["MIN_AGE", "101"],
    ["SESSION_TTL_SECONDS", "10"],
    ["SESSION_TTL_SECONDS", "86401"],
    ["IMP_TIMEOUT_MS", "5s"],
    ["IMP_TIMEOUT_MS", "99"],
    ["IMP_TIMEOUT_MS", "1e4"],
    ["GUARDIAN_CONSENT_UNDER", "20"],
    ["GUARDIAN_CONSENT_UNDER", "-1"],
    ["GUARDIAN_CONSENT_UNDER", "fourteen"],
    ["GUARDIAN_CONSENT_TTL_SECONDS", "599"],
    ["GUARDIAN_CONSENT_TTL_SECONDS", "604801"],
    ["GUARDIAN_CONSENT_TTL_SECONDS", "1d"],
  ])("refuses %s=%s: not a whole number in range", async (name, value) => {
    expect(await problemsOf({ [name]: value })).toEqual([name]);
  });

  it.each([
    ["IMP_API_BASE", "api.iamport.kr"],
    ["IMP_API_BASE", "http://api.iamport.kr"],
    ["IMP_API_BASE", "ftp://api.iamport.kr"],
    ["IMP_API_BASE", "https://user:pass@api.iamport.kr"],
    ["IMP_SDK_URL", "//cdn.iamport.kr/v1/iamport.js"],
    ["IMP_SDK_URL", "javascript:alert(1)"],
  ])("refuses %s=%s: not an absolute https URL", async (name, value) => {
    expect(await problemsOf({ [name]: value })).toEqual([name]);
  });

  it("allows plain http for localhost and 127.0.0.1 only", async () => {
    expect(await problemsOf({ IMP_API_BASE: "http://127.0.0.1:9999", IMP_SDK_URL: "http://localhost:8080/sdk.js" })).toEqual([]);
  });

  it("refuses ALLOWED_ORIGINS entries that are not exact origins", async () => {
    expect(await problemsOf({ ALLOWED_ORIGINS: "https://a.example, https://b.example:8443" })).toEqual([]);
    for (const value of ["https://a.example/", "https://a.example/path", "a.example", "*"]) {
      expect(await problemsOf({ ALLOWED_ORIGINS: value })).toEqual(["ALLOWED_ORIGINS"]);
    }
  });

  it("declares PORTONE_VERSION's values as the registry's providers, and every var a test or default reads", () => {
    expect(VARS.PORTONE_VERSION.values).toEqual(PROVIDERS.map((p) => p.name));
    expect(Object.keys(VARS).sort()).toEqual(expect.arrayContaining(Object.keys(LIVE)));
  });

  it("refuses an IMP_CODE that is not imp + digits", async () => {
    expect(await problemsOf({ IMP_CODE: "12345678" })).toEqual(["IMP_CODE"]);
  });

  it("refuses an IDENTITY_HMAC_KEY under 32 characters, and the sandbox's own key in live mode", async () => {
    expect(await problemsOf({ IDENTITY_HMAC_KEY: "short" })).toEqual(["IDENTITY_HMAC_KEY"]);
    expect(await problemsOf({ IDENTITY_HMAC_KEY: "sixteen-chars-ok" })).toEqual(["IDENTITY_HMAC_KEY"]);
    expect(await problemsOf({ IDENTITY_HMAC_KEY: "x".repeat(31) })).toEqual(["IDENTITY_HMAC_KEY"]);
    const sandboxKey = SANDBOX_CREDENTIALS.identityHmacKey;
    expect(await problemsOf({ IDENTITY_HMAC_KEY: sandboxKey })).toEqual(["IDENTITY_HMAC_KEY"]);
    expect(await problemsOf({ IDENTITY_HMAC_KEY: ` ${sandboxKey} ` })).toEqual(["IDENTITY_HMAC_KEY"]);
    expect((await parseConfig({ IMP_MODE: "sandbox", IDENTITY_HMAC_KEY: sandboxKey }, PROVIDERS)).problems).toEqual([]);
  });

  it("refuses a weak IDENTITY_HMAC_KEY of 32 characters or more, and says what to use instead", async () => {
    for (const weak of [
      "password".repeat(4),
      "x".repeat(32),
      "0123456789abcdef".repeat(4),
      "abc123".repeat(8),
      "correct horse battery staple 2026!",
    ]) {
      const { problems } = await parseConfig({ ...LIVE, IDENTITY_HMAC_KEY: weak }, PROVIDERS);
      expect(problems, weak).toEqual([{ name: "IDENTITY_HMAC_KEY", expected: expect.stringContaining("npm run keygen -- hmac") }]);
    }
  });

  it("takes what npm run keygen -- hmac and openssl rand -base64 32 / -hex 32 print", async () => {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const base64 = btoa(String.fromCharCode(...bytes));
    const base64url = base64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    for (const key of [base64, base64url, hex]) expect(await problemsOf({ IDENTITY_HMAC_KEY: key }), key).toEqual([]);
  });

  it("refuses the sandbox's HMAC key among the previous keys in live mode, as it does for the current one", async () => {
    const sandboxKey = SANDBOX_CREDENTIALS.identityHmacKey;
    expect(await problemsOf({ IDENTITY_HMAC_PREVIOUS_KEYS: sandboxKey })).toEqual(["IDENTITY_HMAC_PREVIOUS_KEYS"]);
    expect(await problemsOf({ IDENTITY_HMAC_PREVIOUS_KEYS: `${"k".repeat(40)}, ${sandboxKey} ` })).toEqual(["IDENTITY_HMAC_PREVIOUS_KEYS"]);
    // A weak earlier key is still taken: it must be possible to rotate away from one.
    expect(await problemsOf({ IDENTITY_HMAC_PREVIOUS_KEYS: "password".repeat(4) })).toEqual([]);
    expect((await parseConfig({ IMP_MODE: "sandbox", IDENTITY_HMAC_PREVIOUS_KEYS: sandboxKey }, PROVIDERS)).problems).toEqual([]);
  });

  it("guardian consent: the defaults, and live mode needs PUBLIC_URL once MIN_AGE lets children in (their guardian's link is under it)", async () => {
    const { config } = await parseConfig(LIVE, PROVIDERS);
    expect(config).toMatchObject({ guardianConsentUnder: 14, guardianConsentTtlSeconds: 86_400 });
    expect(await problemsOf({ MIN_AGE: "12" })).toEqual(["PUBLIC_URL"]);
    expect(await problemsOf({ MIN_AGE: "12", PUBLIC_URL: "https://verify.shop.example" })).toEqual([]);
    expect(await problemsOf({ MIN_AGE: "12", GUARDIAN_CONSENT_UNDER: "0" })).toEqual([]);
    expect(await problemsOf({ MIN_AGE: "14" })).toEqual([]);
    expect((await parseConfig({ IMP_MODE: "sandbox", MIN_AGE: "0" }, PROVIDERS)).problems).toEqual([]);
  });

  it("refuses a var that is not a string (a JSON var in wrangler.toml)", async () => {
    expect(await problemsOf({ MIN_AGE: 19 })).toEqual(["MIN_AGE"]);
  });

  it("names what live mode lacks, and the sandbox needs nothing", async () => {
    expect((await parseConfig({}, PROVIDERS)).problems.map((p) => p.name)).toEqual(["IMP_CODE", "IMP_KEY", "IMP_SECRET", "IDENTITY_HMAC_KEY"]);
    expect((await parseConfig({ IMP_MODE: "sandbox" }, PROVIDERS)).problems).toEqual([]);
  });

  it("never carries a value in a problem, only the var's name and what it expects", async () => {
    const secret = "hunter2-is-not-a-key";
    const { problems } = await parseConfig({ ...LIVE, IDENTITY_HMAC_KEY: "tiny", IMP_KEY: { secret }, MIN_AGE: secret }, PROVIDERS);
    expect(JSON.stringify(problems)).not.toMatch(/tiny|hunter2/);
    expect(problems.every((p) => p.expected.length > 0)).toBe(true);
  });
});

describe("a wrong configuration is never silently replaced by a default", () => {
  it("answers 503 not_configured everywhere it matters, and /healthz names the vars", async () => {
    const h = harness({ AGE_RULE: "youthact", SESSION_TTL_SECONDS: "10" });
    const health = await h.request("/healthz");
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ ok: false, mode: "live", provider: "v1", problems: ["AGE_RULE", "SESSION_TTL_SECONDS"] });
    const prepare = await h.request("/certifications/prepare", { method: "POST" });
    expect([prepare.status, await errorOf(prepare)]).toEqual([503, "not_configured"]);
    const verify = await h.browser().verify({ imp_uid: "imp_1" });
    expect([verify.status, await errorOf(verify)]).toEqual([503, "not_configured"]);
    const page = await h.request("/");
    expect([page.status, await pageErrorOf(page)]).toEqual([503, "not_configured"]);
    const redirect = await h.request("/certifications/redirect?imp_uid=imp_1");
    expect(redirect.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect([redirect.status, await pageErrorOf(redirect)]).toEqual([503, "not_configured"]);
    expect(h.stub.calls.getToken + h.stub.calls.getCertification).toBe(0);
  });

  it("logs one warning per wrong var, saying what it expects and never the value", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const h = harness({ MIN_AGE: "nineteen", IMP_TIMEOUT_MS: "5s", IDENTITY_HMAC_KEY: "too-short" });
      await h.request("/healthz");
      await h.request("/healthz");
      const lines = warn.mock.calls.map(([line]) => JSON.parse(String(line)));
      expect(lines.map((l) => l.var).sort()).toEqual(["IDENTITY_HMAC_KEY", "IMP_TIMEOUT_MS", "MIN_AGE"]);
      expect(lines.find((l) => l.var === "MIN_AGE").expected).toBe("a whole number from 0 to 100");
      expect(JSON.stringify(lines)).not.toMatch(/nineteen|5s|too-short/);
    } finally {
      warn.mockRestore();
    }
  });
});
