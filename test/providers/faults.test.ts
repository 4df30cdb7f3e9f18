import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { clearTokenMemory } from "../../src/providers/iamport/token-cache";
import { snapshot } from "../support/db";
import { harness } from "../support/harness";
import { errorOf } from "../support/http";

/** A binding whose methods fail (or hang) as a sick KV or D1 would, leaving the rest intact. */
function broken<T extends object>(target: T, methods: string[], fault: "throw" | "hang"): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (typeof prop === "string" && methods.includes(prop)) {
        return () => (fault === "throw" ? Promise.reject(new Error(`${prop}: simulated outage`)) : new Promise(() => {}));
      }
      const value = Reflect.get(t, prop, receiver);
      return typeof value === "function" ? value.bind(t) : value;
    },
  });
}

describe("KV faults: the token falls back to getToken", () => {
  it.each(["throw", "hang"] as const)(
    "KV that fails to read or write (%s) still verifies, and recovers",
    async (fault) => {
      const h = harness({ CACHE: broken(env.CACHE, ["get", "put"], fault) });
      const b = h.browser();
      const cert = await b.certified();
      expect((await b.verify({ imp_uid: cert.imp_uid })).status).toBe(200);
      clearTokenMemory(); // a new isolate: KV is still down, so getToken again
      const again = await b.certified();
      expect((await b.verify({ imp_uid: again.imp_uid })).status).toBe(200);
      expect(h.stub.calls.getToken).toBe(2);
    },
    20_000,
  );
});

describe("D1 faults", () => {
  it("a failing D1 answers 500 internal_error with a generic message, and writes nothing", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified();
    const before = await snapshot();
    const sick = harness({ DB: broken(env.DB, ["batch"], "throw") });
    sick.stub.certifications.set(cert.imp_uid, cert);
    const sickBrowser = sick.browser();
    sickBrowser.cookie = b.cookie;
    const res = await sickBrowser.verify({ imp_uid: cert.imp_uid });
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ error: { code: "internal_error", message: "Something went wrong on our side. Please try again." } });
    expect(body).not.toMatch(/simulated|at |\.ts/);
    expect(await snapshot()).toBe(before);
    // D1 is back: the attempt is intact and completes.
    expect((await b.verify({ imp_uid: cert.imp_uid })).status).toBe(200);
  });

  it("an imp_uid already used by another attempt completes nothing and creates no user, inside the one batch", async () => {
    const h = harness();
    const first = h.browser();
    const cert = await first.certified({ unique_key: "CI-first" });
    expect((await first.verify({ imp_uid: cert.imp_uid })).status).toBe(200);
    // i'mport now (wrongly) claims the consumed imp_uid belongs to a second attempt, for a new person.
    const second = h.browser();
    const { merchant_uid } = await second.prepare();
    cert.merchant_uid = merchant_uid;
    cert.unique_key = "CI-never-created";
    const before = await snapshot();
    const res = await second.verify({ imp_uid: cert.imp_uid });
    expect(res.status).toBe(409);
    expect(await errorOf(res)).toBe("imp_uid_reused");
    expect(await snapshot()).toBe(before);
  });
});

describe("401 storms", () => {
  it("many requests rejected at once share one renewal", async () => {
    const h = harness();
    const warm = h.browser();
    const w = await warm.certified();
    await warm.verify({ imp_uid: w.imp_uid });
    h.stub.expireTokens();
    const people = await h.certifiedPeople(10);
    const results = await Promise.all(people.map(({ b, cert }) => b.verify({ imp_uid: cert.imp_uid })));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(h.stub.calls.getToken).toBe(2);
  });
});
