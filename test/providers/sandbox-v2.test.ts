import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { IAMPORT_SANDBOX } from "../../src/providers/iamport/config";
import { PORTONE_SANDBOX } from "../../src/providers/portone/config";
import { answer, type ImpEnvelope, type SandboxCert, type SandboxIdentityVerification, V2Verification } from "../support/answers";
import { harness } from "../support/harness";
import { errorOf } from "../support/http";

/** The V2 simulator, reached over HTTP exactly as a client of PortOne would reach it. */
function sandboxV2() {
  const h = harness({ IMP_MODE: "sandbox", PORTONE_VERSION: "v2" });
  const get = (id: string, secret: string = PORTONE_SANDBOX.apiSecret) =>
    h.request(`/identity-verifications/${id}`, { headers: { Authorization: `PortOne ${secret}` } });
  const window = async (id: string, person: Record<string, string> = {}) => {
    const started = await h.request("/sandbox/window/request", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        name: "정샌드",
        birthday: "1990-02-03",
        gender: "female",
        carrier: "LGT_MVNO",
        phone: "01012345678",
        merchant_uid: id,
        ...person,
      }),
    });
    const { imp_uid } = (await started.json()) as { imp_uid: string };
    const { otp } = (await (await h.request(`/sandbox/window/sms/${imp_uid}`)).json()) as { otp: string };
    const confirm = () =>
      h.request("/sandbox/window/confirm", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ imp_uid, otp }),
      });
    return { imp_uid, confirm };
  };
  return { h, get, window };
}

describe("sandbox PortOne V2 REST API", () => {
  it("GET /identity-verifications/{id} of an unknown id: 404 with a V2 error body", async () => {
    const { get } = sandboxV2();
    expect(await (await get("nothing")).json()).toEqual({ type: "IDENTITY_VERIFICATION_NOT_FOUND", message: expect.any(String) });
  });

  it("GET /identity-verifications/{id} without PortOne's auth: 401 UNAUTHORIZED", async () => {
    const unauthorized = await sandboxV2().get("nothing", "wrong");
    expect([unauthorized.status, ((await unauthorized.json()) as { type: string }).type]).toEqual([401, "UNAUTHORIZED"]);
  });

  it("a verification under way is READY, with the requested customer and no verified one", async () => {
    const { get, window } = sandboxV2();
    await window("sandboxAttempt1");
    const ready = (await (await get("sandboxAttempt1")).json()) as SandboxIdentityVerification;
    expect(ready).toMatchObject({ status: "READY", id: "sandboxAttempt1", version: "V2", requestedCustomer: { name: "정샌드" } });
    expect(ready.verifiedCustomer).toBeUndefined();
  });

  it("once confirmed it is VERIFIED on the configured channel, with the customer, a CI and verifiedAt", async () => {
    const { get, window } = sandboxV2();
    const { confirm } = await window("sandboxAttempt5");
    expect((await confirm()).status).toBe(200);
    const verified = (await (await get("sandboxAttempt5")).json()) as SandboxIdentityVerification;
    expect(verified).toMatchObject({
      status: "VERIFIED",
      channel: { key: env.PORTONE_CHANNEL_KEY }, // the configured channel when set, else the sandbox's
      verifiedCustomer: { name: "정샌드", birthDate: "1990-02-03", gender: "FEMALE", operator: "LGU_MVNO", phoneNumber: "01012345678" },
    });
    expect(verified.verifiedCustomer?.ci).toMatch(/^[A-Za-z0-9+/=]{88}$/);
    expect(Date.parse(verified.verifiedAt ?? "")).toBeGreaterThan(0);
  });

  it("FAILED once the code expired unconfirmed", async () => {
    const { get, window } = sandboxV2();
    await window("sandboxAttempt2");
    vi.useFakeTimers({ now: Date.now() + 10 * 60_000, toFake: ["Date"] });
    try {
      expect(await (await get("sandboxAttempt2")).json()).toMatchObject({ status: "FAILED", failure: { reason: expect.any(String) } });
    } finally {
      vi.useRealTimers();
    }
  });

  it("gives the same person the same CI as the V1 simulator does", async () => {
    const { h, get, window } = sandboxV2();
    await (await window("sandboxAttempt3", { name: "같은사람", birthday: "1980-01-01", gender: "male" })).confirm();
    const ci = ((await (await get("sandboxAttempt3")).json()) as SandboxIdentityVerification).verifiedCustomer?.ci;
    const v1 = await h.request("/sandbox/window/request", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "같은사람", birthday: "1980-01-01", gender: "male", carrier: "SKT", phone: "01099998888", merchant_uid: "x" }),
    });
    const { imp_uid } = (await v1.json()) as { imp_uid: string };
    const token = (await (
      await h.request("/sandbox/api/users/getToken", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ imp_key: IAMPORT_SANDBOX.impKey, imp_secret: IAMPORT_SANDBOX.impSecret }),
      })
    ).json()) as ImpEnvelope<{ access_token: string }>;
    const cert = (await (
      await h.request(`/sandbox/api/certifications/${imp_uid}`, { headers: { Authorization: `Bearer ${token.response.access_token}` } })
    ).json()) as ImpEnvelope<SandboxCert>;
    expect(cert.response.unique_key).toBe(ci);
  });
});

describe("sandbox mode end to end with V2 (the app's unchanged V2 client against the simulator)", () => {
  it("verifies a person who passed the carrier window", async () => {
    const { h, window } = sandboxV2();
    const b = h.browser();
    const { identity_verification_id: id } = await b.prepareV2();
    const { confirm } = await window(id);
    expect(await errorOf(await b.verify({ identity_verification_id: id }))).toBe("not_certified"); // READY
    await confirm();
    const res = await b.verify({ identity_verification_id: id });
    expect(res.status).toBe(200);
    expect((await answer(res, V2Verification)).verification).toEqual({
      provider: "v2",
      identity_verification_id: id,
      certified_at: expect.any(String),
    });
    expect(h.portone.calls.getIdentityVerification).toBe(0); // the stub is not involved in sandbox mode
  });

  it("serves PortOne's SDK shim, and the page loads it", async () => {
    const { h } = sandboxV2();
    const sdk = await h.request("/sandbox/portone.js");
    expect(sdk.status).toBe(200);
    expect(await sdk.text()).toContain("requestIdentityVerification");
    expect(await (await h.request("/")).text()).toContain('"sdkUrl":"/sandbox/portone.js"');
  });

  it("has no V2 sandbox in live mode", async () => {
    const h = harness({ PORTONE_VERSION: "v2" });
    expect((await h.request("/identity-verifications/x")).status).toBe(404);
    expect((await h.request("/sandbox/portone.js")).status).toBe(404);
  });
});
