import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors";
import type { ProviderResult } from "../../src/providers/provider";
import { CLOCK_SKEW_MS, certifiedWithin, checkResult, windowFailure } from "../../src/verification/rules";

const NOW = Date.parse("2026-06-15T03:00:00Z"); // 12:00 in Seoul
const policy = { minAge: 19, ageRule: "international" as const };

const result = (fields: Partial<ProviderResult> = {}): ProviderResult => ({
  attemptId: "mid1",
  certified: true,
  certifiedAt: NOW - 60_000,
  ci: "CI",
  di: "DI",
  name: "홍길동",
  gender: "male",
  birthday: "1990-01-01",
  ...fields,
});

const attempt = { createdAt: NOW - 300_000, expiresAt: NOW + 600_000 };

const codeOf = (run: () => unknown) => {
  try {
    run();
    return null;
  } catch (err) {
    return err instanceof AppError ? err.code : "thrown";
  }
};

describe("the attempt window", () => {
  const window = { createdAt: 1_000_000, expiresAt: 2_000_000 };
  it("holds a result certified inside the attempt's lifetime, give or take the clock skew", () => {
    expect(certifiedWithin(window, 1_500_000)).toBe(true);
    expect(certifiedWithin(window, 1_000_000 - CLOCK_SKEW_MS)).toBe(true);
    expect(certifiedWithin(window, 2_000_000 + CLOCK_SKEW_MS)).toBe(true);
  });
  it("refuses one certified before the attempt was made or after it expired", () => {
    expect(certifiedWithin(window, 1_000_000 - CLOCK_SKEW_MS - 1)).toBe(false);
    expect(certifiedWithin(window, 2_000_000 + CLOCK_SKEW_MS + 1)).toBe(false);
  });
});

describe("checkResult: what the result alone decides", () => {
  it("passes a finished, complete, adult result with its age", () => {
    expect(checkResult(result(), NOW, policy)).toMatchObject({ ci: "CI", birthday: "1990-01-01", age: 36 });
  });
  it("requires a finished result", () => {
    expect(codeOf(() => checkResult(result({ certified: false }), NOW, policy))).toBe("not_certified");
    expect(codeOf(() => checkResult(result({ certifiedAt: null }), NOW, policy))).toBe("not_certified");
  });
  it("takes either identity key: a CI alone, a DI alone", () => {
    expect(checkResult(result({ di: null }), NOW, policy)).toMatchObject({ ci: "CI", di: null });
    expect(checkResult(result({ ci: null }), NOW, policy)).toMatchObject({ ci: null, di: "DI" });
  });
  it.each([{ ci: null, di: null }, { ci: "", di: null }, { birthday: null }, { birthday: "1990-02-30" }, { name: null }, { name: "" }])(
    "requires a usable identity: %o",
    (fields) => expect(codeOf(() => checkResult(result(fields), NOW, policy))).toBe("identity_unavailable"),
  );
  it("refuses a minor, and MIN_AGE 0 turns that off", () => {
    expect(codeOf(() => checkResult(result({ birthday: "2007-06-16" }), NOW, policy))).toBe("age_restricted");
    expect(codeOf(() => checkResult(result({ birthday: "2007-06-15" }), NOW, policy))).toBeNull();
    expect(codeOf(() => checkResult(result({ birthday: "2020-01-01" }), NOW, { ...policy, minAge: 0 }))).toBeNull();
  });
  it("reports in order: not finished before no identity before under age", () => {
    expect(codeOf(() => checkResult(result({ certified: false, ci: null, di: null, birthday: "2020-01-01" }), NOW, policy))).toBe("not_certified");
    expect(codeOf(() => checkResult(result({ ci: null, di: null, birthday: "2020-01-01" }), NOW, policy))).toBe("identity_unavailable");
  });
});

describe("windowFailure: what the attempt's lifetime decides, in the order of precedence", () => {
  it("lets an attempt certified in time, before it expires, complete", () => {
    expect(windowFailure(attempt, { certifiedAt: NOW - 60_000, now: NOW })).toBeNull();
  });
  it("reports expiry before the window", () => {
    expect(windowFailure({ ...attempt, expiresAt: NOW - 1 }, { certifiedAt: NOW - 10 * 86_400_000, now: NOW })?.code).toBe("session_expired");
  });
  it("refuses a result certified outside the attempt's lifetime, or never", () => {
    expect(windowFailure(attempt, { certifiedAt: NOW - 3_600_000, now: NOW })?.code).toBe("not_certified");
    expect(windowFailure(attempt, { certifiedAt: null, now: NOW })?.code).toBe("not_certified");
  });
});
