import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { harness, ORIGIN } from "../support/harness";
import { errorOf, pageErrorOf } from "../support/http";
import { STUB_CHANNEL_KEY, type StubCustomer } from "../support/portone-stub";

const V2 = { PORTONE_VERSION: "v2" } as const;
type Body = { outcome: string; user: { id: string; gender: string | null; birthday: string }; verification: Record<string, string> };

describe("PortOne V2: prepare and verify", () => {
  it("issues a V2 attempt: the id the SDK gets as identityVerificationId, the store and the channel", async () => {
    const h = harness(V2);
    const res = await h.request("/certifications/prepare", { method: "POST", headers: { Origin: ORIGIN } });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({
      provider: "v2",
      identity_verification_id: expect.stringMatching(/^[A-Za-z0-9]{40}$/),
      expires_at: expect.any(String),
      store_id: "store-test-0001",
      channel_key: STUB_CHANNEL_KEY,
      params: {},
    });
  });

  /** A person verified under V2: the harness, the browser, the id and the answer's body. */
  async function verifiedOnce(ci: string) {
    const h = harness(V2);
    const b = h.browser();
    const id = await b.verifiedV2({ ci, name: "김하나", birthDate: "1991-04-05", gender: "FEMALE" });
    const res = await b.verify({ identity_verification_id: id });
    expect(res.status).toBe(200);
    return { h, b, id, body: (await res.json()) as Body };
  }

  it("verifies: a new user, in V2's names", async () => {
    const { id, body } = await verifiedOnce("CI-v2-kim-a");
    expect(body).toEqual({
      outcome: "new_user",
      user: {
        id: expect.stringMatching(/^usr_/),
        name: "김하나",
        gender: "female",
        birthday: "1991-04-05",
        age: expect.any(Number),
        created_at: expect.any(String),
      },
      verification: { provider: "v2", identity_verification_id: id, certified_at: expect.any(String) },
    });
  });

  it("with exactly one call to PortOne, with its auth and the store, and no token", async () => {
    const { h } = await verifiedOnce("CI-v2-kim-b");
    expect(h.portone.calls.getIdentityVerification).toBe(1);
    expect(h.portone.requests[0]).toEqual({ authorization: `PortOne ${env.PORTONE_API_SECRET}`, storeId: "store-test-0001" });
    expect(h.stub.calls.getToken).toBe(0);
  });

  it("the same request again (a double click) gets the same body", async () => {
    const { b, id, body } = await verifiedOnce("CI-v2-kim-c");
    const again = await b.verify({ identity_verification_id: id });
    expect(await again.json()).toEqual(body);
  });

  it("a new attempt of the same person is existing_user, the same account", async () => {
    const { b, body } = await verifiedOnce("CI-v2-kim-d");
    const next = await b.verifiedV2({ ci: "CI-v2-kim-d", name: "김하나", birthDate: "1991-04-05" });
    const existing = (await (await b.verify({ identity_verification_id: next })).json()) as Body;
    expect([existing.outcome, existing.user.id]).toEqual(["existing_user", body.user.id]);
  });

  it.each([
    ["MALE", "male"],
    ["FEMALE", "female"],
    ["OTHER", null],
    [undefined, null],
  ] as const)("maps gender %s to %s", async (gender, expected) => {
    const h = harness(V2);
    const b = h.browser();
    const id = await b.verifiedV2({ gender: gender as StubCustomer["gender"] });
    expect(((await (await b.verify({ identity_verification_id: id })).json()) as Body).user.gender).toBe(expected);
  });
});

describe("PortOne V2: the same person under both versions", () => {
  it("a person verified under V1 is the same existing user under V2, and the other way round", async () => {
    const v1 = harness();
    const b1 = v1.browser();
    const cert = await b1.certified({ unique_key: "CI-both-versions", name: "이두나", birthday: "1985-12-01" });
    const first = (await (await b1.verify({ imp_uid: cert.imp_uid })).json()) as Body;
    expect(first.outcome).toBe("new_user");

    const v2 = harness(V2);
    const b2 = v2.browser();
    const id = await b2.verifiedV2({ ci: "CI-both-versions", name: "이두나", birthDate: "1985-12-01" });
    const second = (await (await b2.verify({ identity_verification_id: id })).json()) as Body;
    expect([second.outcome, second.user.id]).toEqual(["existing_user", first.user.id]);

    const newcomer = await b2.verifiedV2({ ci: "CI-v2-first" });
    const created = (await (await b2.verify({ identity_verification_id: newcomer })).json()) as Body;
    expect(created.outcome).toBe("new_user");
    const back = await b1.certified({ unique_key: "CI-v2-first" });
    const later = (await (await b1.verify({ imp_uid: back.imp_uid })).json()) as Body;
    expect([later.outcome, later.user.id]).toEqual(["existing_user", created.user.id]);
  });
});

describe("PortOne V2: what counts as verified", () => {
  it.each(["READY", "FAILED"] as const)("%s is 422 not_certified, and leaves the attempt usable", async (status) => {
    const h = harness(V2);
    const b = h.browser();
    const { identity_verification_id: id } = await b.prepareV2();
    h.portone.pending(id, status);
    const res = await b.verify({ identity_verification_id: id });
    expect([res.status, await errorOf(res)]).toEqual([422, "not_certified"]);
    h.portone.verify(id);
    expect((await b.verify({ identity_verification_id: id })).status).toBe(200);
  });

  it("live, without PORTONE_PG: refuses a result from another channel, from no channel, or from a channel without a key", async () => {
    const h = harness(V2);
    const b = h.browser();
    const { identity_verification_id: id } = await b.prepareV2();
    const other = { type: "LIVE" as const, key: "channel-key-someone-else", pgProvider: "DANAL", pgMerchantId: "x" };
    const keyless = { type: "LIVE" as const, pgProvider: "DANAL", pgMerchantId: "x" };
    for (const channel of [other, undefined, keyless]) {
      h.portone.verify(id, {}, { channel });
      const res = await b.verify({ identity_verification_id: id });
      expect([res.status, await errorOf(res)], JSON.stringify(channel)).toEqual([422, "not_certified"]);
    }
    // Ours (PORTONE_CHANNEL_KEY) counts.
    h.portone.verify(id);
    expect((await b.verify({ identity_verification_id: id })).status).toBe(200);
  });

  it("requires verifiedAt inside the attempt's lifetime", async () => {
    const h = harness(V2);
    const b = h.browser();
    const { identity_verification_id: id } = await b.prepareV2();
    h.portone.verify(id, {}, { verifiedAt: new Date(Date.now() - 3_600_000).toISOString() });
    const res = await b.verify({ identity_verification_id: id });
    expect([res.status, await errorOf(res)]).toEqual([422, "not_certified"]);
  });

  it.each([{ ci: undefined, di: undefined }, { ci: "  ", di: "" }, { birthDate: undefined }, { birthDate: "1990-02-30" }, { name: "" }])(
    "refuses a result without a usable identity: %o",
    async (customer) => {
      const h = harness(V2);
      const b = h.browser();
      const { identity_verification_id: id } = await b.prepareV2();
      h.portone.verify(id, customer as StubCustomer);
      const res = await b.verify({ identity_verification_id: id });
      expect([res.status, await errorOf(res)]).toEqual([422, "identity_unavailable"]);
    },
  );
});

describe("PortOne V2: attempts and attacks", () => {
  it("refuses forged, altered, foreign and expired ids before asking PortOne", async () => {
    const h = harness(V2);
    const owner = h.browser();
    const { identity_verification_id: id } = await owner.prepareV2();
    h.portone.verify(id);
    const altered = id.slice(0, 3) + (id[3] === "A" ? "B" : "A") + id.slice(4);
    for (const forged of ["A".repeat(40), altered]) {
      const res = await owner.verify({ identity_verification_id: forged });
      expect([res.status, await errorOf(res)]).toEqual([403, "unknown_merchant_uid"]);
    }
    const stranger = h.browser();
    await stranger.prepareV2();
    const foreign = await stranger.verify({ identity_verification_id: id });
    expect([foreign.status, await errorOf(foreign)]).toEqual([403, "session_mismatch"]);
    const expired = await owner.mint(Date.now() - 1000);
    const late = await owner.verify({ identity_verification_id: expired });
    expect([late.status, await errorOf(late)]).toEqual([410, "session_expired"]);
    expect(h.portone.calls.getIdentityVerification).toBe(0);
    // The owner's attempt is untouched.
    expect((await owner.verify({ identity_verification_id: id })).status).toBe(200);
  });

  it("takes only V2's body: an imp_uid is 400 invalid_request", async () => {
    const h = harness(V2);
    const b = h.browser();
    await b.prepareV2();
    for (const body of [{ imp_uid: "imp_123" }, { identity_verification_id: "has-dashes" }, {}]) {
      const res = await b.verify(body);
      expect([res.status, await errorOf(res)]).toEqual([400, "invalid_request"]);
    }
    expect(h.portone.calls.getIdentityVerification).toBe(0);
  });
});

describe("PortOne V2: faults", () => {
  it.each([
    [
      "401",
      { kind: "status", status: 401, body: '{"type":"UNAUTHORIZED","message":"x"}', contentType: "application/json" },
      1,
      502,
      "upstream_unauthorized",
    ],
    [
      "403",
      { kind: "status", status: 403, body: '{"type":"FORBIDDEN","message":"x"}', contentType: "application/json" },
      1,
      502,
      "upstream_unauthorized",
    ],
    ["persistent 503", { kind: "status", status: 503 }, 2, 502, "upstream_error"],
    ["a 404 that is not PortOne's", { kind: "status", status: 404, body: "<html>Not Found</html>" }, 1, 502, "upstream_error"],
    ["400", { kind: "status", status: 400, body: '{"type":"INVALID_REQUEST"}', contentType: "application/json" }, 1, 502, "upstream_error"],
    ["unparseable", { kind: "unparseable" }, 1, 502, "upstream_error"],
    ["persistent connection errors", { kind: "network" }, 2, 502, "upstream_error"],
    ["no answer", { kind: "hang" }, 1, 504, "upstream_timeout"],
  ] as const)("maps %s to the table, and leaves the attempt usable", async (_name, fault, times, status, code) => {
    const h = harness({ ...V2, IMP_TIMEOUT_MS: "300" });
    const b = h.browser();
    const id = await b.verifiedV2();
    h.portone.fail(fault, times);
    const res = await b.verify({ identity_verification_id: id });
    expect([res.status, await errorOf(res)]).toEqual([status, code]);
    expect((await b.verify({ identity_verification_id: id })).status).toBe(200);
  });

  it("retries a GET once after one 5xx or connection error", async () => {
    const h = harness(V2);
    const b = h.browser();
    const id = await b.verifiedV2();
    h.portone.fail({ kind: "status", status: 502 });
    expect((await b.verify({ identity_verification_id: id })).status).toBe(200);
    expect(h.portone.calls.getIdentityVerification).toBe(2);
  });
});

describe("PortOne V2: the redirect and the configuration", () => {
  it("verifies on the redirect from identityVerificationId, as a page", async () => {
    const h = harness(V2);
    const b = h.browser();
    const id = await b.verifiedV2();
    const res = await b.send(`/certifications/redirect?identityVerificationId=${id}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('data-outcome="new_user"');
  });

  it("words a failure with a code as a cancel, and decides from PortOne's record only", async () => {
    const h = harness(V2);
    const b = h.browser();
    const { identity_verification_id: id } = await b.prepareV2();
    h.portone.pending(id, "FAILED");
    const res = await b.send(`/certifications/redirect?identityVerificationId=${id}&code=FAILURE_TYPE_PG&message=x`);
    expect(res.status).toBe(422);
    expect(await pageErrorOf(res.clone())).toBe("not_certified");
    expect(await res.text()).toContain("cancelled");
    const missing = await b.send("/certifications/redirect?code=FAILURE_TYPE_PG");
    expect([missing.status, await pageErrorOf(missing)]).toEqual([422, "not_certified"]);
  });

  it.each(["PORTONE_STORE_ID", "PORTONE_CHANNEL_KEY", "PORTONE_API_SECRET"])(
    "live V2 without %s answers 503 not_configured and names it",
    async (name) => {
      const h = harness({ ...V2, [name]: "", IMP_KEY: "", IMP_SECRET: "" });
      const health = await h.request("/healthz");
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ ok: false, mode: "live", provider: "v2", problems: [name] });
      const prepare = await h.request("/certifications/prepare", { method: "POST" });
      expect([prepare.status, await errorOf(prepare)]).toEqual([503, "not_configured"]);
    },
  );

  it("refuses a PORTONE_VERSION it does not know, and a V2 id or key of the wrong form", async () => {
    for (const vars of [{ PORTONE_VERSION: "V2" }, { ...V2, PORTONE_STORE_ID: "my-store" }, { ...V2, PORTONE_API_BASE: "http://api.portone.io" }]) {
      const res = await harness(vars).request("/healthz");
      expect(res.status).toBe(503);
    }
  });

  it("serves a page that loads PortOne's SDK with a CSP for PortOne and the PGs only", async () => {
    const h = harness(V2);
    const res = await h.request("/");
    const csp = res.headers.get("Content-Security-Policy")!;
    expect(csp).toContain("script-src 'self' https://cdn.portone.io;");
    expect(csp).toContain("connect-src 'self' https://checkout-service.prod.iamport.co https://tx-gateway-service.prod.iamport.co");
    expect(csp).not.toContain("service.iamport.kr");
    expect(await res.text()).toContain('"sdkUrl":"https://cdn.portone.io/v2/browser-sdk.js"');
  });
});
