import { describe, expect, it, vi } from "vitest";
import { clearTokenMemory } from "../../src/providers/iamport/token-cache";
import { snapshot } from "../support/db";
import { harness } from "../support/harness";
import { errorOf } from "../support/http";

describe("the i'mport token", () => {
  it("is fetched once and reused across many verifications, sent as a Bearer token", async () => {
    const h = harness();
    for (let i = 0; i < 25; i++) {
      const b = h.browser();
      const cert = await b.certified();
      expect((await b.verify({ imp_uid: cert.imp_uid })).status).toBe(200);
    }
    expect(h.stub.calls.getToken).toBe(1);
    expect(h.stub.calls.getCertification).toBe(25);
    expect(new Set(h.stub.authorizations).size).toBe(1);
    expect(h.stub.authorizations[0]).toMatch(/^Bearer tok_/);
  });

  it("is shared by concurrent requests: one getToken for a burst", async () => {
    const h = harness();
    const people = await h.certifiedPeople(12);
    const results = await Promise.all(people.map(({ b, cert }) => b.verify({ imp_uid: cert.imp_uid })));
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(h.stub.calls.getToken).toBe(1);
  });

  it("is found in KV by a fresh isolate instead of asking i'mport again", async () => {
    const h = harness();
    const b = h.browser();
    const first = await b.certified();
    await b.verify({ imp_uid: first.imp_uid });
    clearTokenMemory();
    const second = await b.certified();
    expect((await b.verify({ imp_uid: second.imp_uid })).status).toBe(200);
    expect(h.stub.calls.getToken).toBe(1);
  });

  it("is used until a minute before expired_at, then asked for again (i'mport extends it)", async () => {
    const h = harness();
    const b = h.browser();
    const first = await b.certified();
    await b.verify({ imp_uid: first.imp_uid });
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 28 * 60_000); // 2 minutes left: still used
      const second = await b.certified();
      expect((await b.verify({ imp_uid: second.imp_uid })).status).toBe(200);
      expect(h.stub.calls.getToken).toBe(1);
      vi.setSystemTime(Date.now() + 90_000); // 30 seconds left: renewed
      const third = await b.certified();
      expect((await b.verify({ imp_uid: third.imp_uid })).status).toBe(200);
      expect(h.stub.calls.getToken).toBe(2);
      expect(new Set(h.stub.authorizations).size).toBe(1); // i'mport extended the same token
    } finally {
      vi.useRealTimers();
    }
  });

  it("is dropped on a 401, renewed, and the call retried once", async () => {
    const h = harness();
    const b = h.browser();
    const warm = await b.certified();
    await b.verify({ imp_uid: warm.imp_uid });
    h.stub.expireTokens(); // expired on i'mport's side while we still hold it
    const cert = await b.certified();
    const res = await b.verify({ imp_uid: cert.imp_uid });
    expect(res.status).toBe(200);
    expect(h.stub.calls.getToken).toBe(2);
    expect(h.stub.calls.getCertification).toBe(3);
  });

  it("gives up after the one retry: 502 upstream_unauthorized, attempt still usable", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified();
    h.stub.fail("getCertification", { kind: "unauthorized" }, 2);
    const res = await b.verify({ imp_uid: cert.imp_uid });
    expect(res.status).toBe(502);
    expect(await errorOf(res)).toBe("upstream_unauthorized");
    expect(h.stub.calls.getCertification).toBe(2);
    expect((await b.verify({ imp_uid: cert.imp_uid })).status).toBe(200);
  });

  it("answers 502 upstream_unauthorized when i'mport rejects the REST keys", async () => {
    const h = harness({ IMP_SECRET: "wrong-secret" });
    const b = h.browser();
    const cert = await b.certified();
    const res = await b.verify({ imp_uid: cert.imp_uid });
    expect(res.status).toBe(502);
    expect(await errorOf(res)).toBe("upstream_unauthorized");
  });
});

describe("upstream failures are not the user's fault: the attempt stays usable", () => {
  const faults = [
    ["HTTP 500", { kind: "status", status: 500 }, 502, "upstream_error"],
    ["HTTP 503 with an HTML body", { kind: "status", status: 503, body: "<h1>down</h1>" }, 502, "upstream_error"],
    ["HTTP 200 with code != 0", { kind: "code", code: -1, message: "알 수 없는 오류" }, 502, "upstream_error"],
    ["an unparseable body", { kind: "unparseable" }, 502, "upstream_error"],
    ["a connection error", { kind: "network" }, 502, "upstream_error"],
    ["no answer within IMP_TIMEOUT_MS", { kind: "hang" }, 504, "upstream_timeout"],
  ] as const;

  for (const op of ["getToken", "getCertification"] as const) {
    it.each(faults)(`${op}: %s`, async (_name, fault, status, code) => {
      const h = harness({ IMP_TIMEOUT_MS: "150" });
      const b = h.browser();
      const cert = await b.certified();
      // A GET is retried once on a 5xx or a connection error, so there the fault has to persist.
      const retried = op === "getCertification" && (fault.kind === "status" || fault.kind === "network");
      h.stub.fail(op, fault, retried ? 2 : 1);
      const before = await snapshot();
      const res = await b.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid });
      expect(res.status).toBe(status);
      expect(await errorOf(res)).toBe(code);
      expect(await snapshot()).toBe(before);
      const retry = await b.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid });
      expect(retry.status).toBe(200);
    });
  }

  it("a single 5xx or connection error on GET is retried once, after a pause", async () => {
    const h = harness();
    const b = h.browser();
    for (const fault of [{ kind: "status", status: 502 }, { kind: "network" }] as const) {
      const cert = await b.certified();
      h.stub.fail("getCertification", fault);
      const calls = h.stub.calls.getCertification;
      expect((await b.verify({ imp_uid: cert.imp_uid })).status).toBe(200);
      expect(h.stub.calls.getCertification - calls).toBe(2);
    }
  });

  it("nothing else is retried: getToken (a POST) and 4xx answers are tried once", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified();
    h.stub.fail("getToken", { kind: "status", status: 500 });
    expect((await b.verify({ imp_uid: cert.imp_uid })).status).toBe(502);
    expect(h.stub.calls.getToken).toBe(1);
    const calls = h.stub.calls.getCertification;
    expect((await b.verify({ imp_uid: "imp_1" })).status).toBe(404);
    expect(h.stub.calls.getCertification - calls).toBe(1);
  });

  it("a slow answer within IMP_TIMEOUT_MS is fine", async () => {
    const h = harness({ IMP_TIMEOUT_MS: "1000" });
    h.stub.latencyMs = 50;
    const b = h.browser();
    const cert = await b.certified();
    expect((await b.verify({ imp_uid: cert.imp_uid })).status).toBe(200);
  });
});
