import { describe, expect, it, vi } from "vitest";
import { IAMPORT_SANDBOX } from "../../src/providers/iamport/config";
import { PORTONE_SANDBOX } from "../../src/providers/portone/config";
import { answer, type ImpEnvelope, type SandboxCert, type SandboxIdentityVerification, V1Verification } from "../support/answers";
import { harness } from "../support/harness";
import { errorOf } from "../support/http";

/** The simulator, reached over HTTP exactly as a client of i'mport would reach it. */
function sandbox() {
  const h = harness({ IMP_MODE: "sandbox" });
  const api = (path: string, init: RequestInit = {}) => h.request(`/sandbox/api${path}`, init);
  const json = (body: unknown, token?: string): RequestInit => ({
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const getToken = async () => {
    const res = await api("/users/getToken", json({ imp_key: IAMPORT_SANDBOX.impKey, imp_secret: IAMPORT_SANDBOX.impSecret }));
    return ((await res.json()) as ImpEnvelope<{ access_token: string; now: number; expired_at: number }>).response;
  };
  return { h, api, json, getToken };
}

const person = { name: "최샌드", phone: "01055556666", birth: "950707", gender_digit: "2", carrier: "LGT", is_mvno: "true" };

describe("sandbox REST API", () => {
  it("getToken: 30-minute tokens, the same one while valid", async () => {
    const { getToken } = sandbox();
    const a = await getToken();
    expect(a.expired_at - a.now).toBe(1800);
    const b = await getToken();
    expect(b.access_token).toBe(a.access_token);
    expect(b.expired_at).toBe(a.expired_at);
  });

  it("getToken: 400 without keys, 401 with wrong ones, also form-encoded", async () => {
    const { api, json } = sandbox();
    const missing = await api("/users/getToken", json({ imp_key: "x" }));
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: -1, response: null });
    const wrong = await api("/users/getToken", json({ imp_key: "x", imp_secret: "y" }));
    expect(wrong.status).toBe(401);
    const form = await api("/users/getToken", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `imp_key=${IAMPORT_SANDBOX.impKey}&imp_secret=${IAMPORT_SANDBOX.impSecret}`,
    });
    expect(form.status).toBe(200);
    expect(await form.json()).toMatchObject({ code: 0, message: null });
  });

  it("certifications need a valid Bearer token (401) and unknown ones are 404 with the documented message", async () => {
    const { api, getToken } = sandbox();
    expect((await api("/certifications/imp_123")).status).toBe(401);
    expect((await api("/certifications/imp_123", { headers: { Authorization: "Bearer nope" } })).status).toBe(401);
    const { access_token } = await getToken();
    const res = await api("/certifications/imp_123", { headers: { Authorization: `Bearer ${access_token}` } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: -1, message: "인증결과가 존재하지 않습니다.", response: null });
  });

  /** An OTP requested for `person`: the simulator, the token, the new imp_uid and the code its SMS carries. */
  async function requested(merchantUid: string) {
    const s = sandbox();
    const { access_token: token } = await s.getToken();
    const res = await s.api("/certifications/otp/request", s.json({ ...person, merchant_uid: merchantUid }, token));
    expect(res.status).toBe(200);
    const impUid = ((await res.json()) as ImpEnvelope<{ imp_uid: string }>).response.imp_uid;
    const sms = (await (await s.h.request(`/sandbox/window/sms/${impUid}`)).json()) as { otp: string };
    const auth = { headers: { Authorization: `Bearer ${token}` } };
    const confirm = (otp: string) => s.api(`/certifications/otp/confirm/${impUid}`, s.json({ otp }, token));
    return { ...s, token, auth, impUid, otp: sms.otp, confirm };
  }

  it("an OTP request makes a record at once, uncertified, with the person's birthday and gender", async () => {
    const { api, auth, impUid } = await requested("mid_x");
    expect(impUid).toMatch(/^imp_\d{12}$/);
    const pending = ((await (await api(`/certifications/${impUid}`, auth)).json()) as ImpEnvelope<SandboxCert>).response;
    expect(pending).toMatchObject({ imp_uid: impUid, merchant_uid: "mid_x", certified: false, birthday: "1995-07-07", gender: "female" });
  });

  it("a wrong code is 400 and certifies nothing", async () => {
    const { api, auth, impUid, confirm } = await requested("mid_wrong");
    expect((await confirm("000000x")).status).toBe(400);
    expect(((await (await api(`/certifications/${impUid}`, auth)).json()) as ImpEnvelope<SandboxCert>).response.certified).toBe(false);
  });

  it("the code from the SMS certifies the record as Danal's results are: CI, DI, certified_at, birth at 00:00 KST", async () => {
    const { otp, confirm } = await requested("mid_ok");
    const confirmed = await confirm(otp);
    expect(confirmed.status).toBe(200);
    const record = ((await confirmed.json()) as ImpEnvelope<SandboxCert>).response;
    expect(record).toMatchObject({ certified: true, pg_provider: "danal", foreigner: false });
    expect(record.unique_key).toHaveLength(88);
    expect(record.unique_in_site).toHaveLength(64);
    expect(record.certified_at).toBeGreaterThan(0);
    expect(record.birth).toBe(Date.UTC(1995, 6, 6, 15) / 1000);
  });

  it("a code confirms once: the second confirm is 400", async () => {
    const { otp, confirm } = await requested("mid_twice");
    expect((await confirm(otp)).status).toBe(200);
    expect((await confirm(otp)).status).toBe(400);
  });

  it("DELETE removes the record: then GET is 404", async () => {
    const { api, auth, impUid, otp, confirm } = await requested("mid_delete");
    await confirm(otp);
    const deleted = await api(`/certifications/${impUid}`, { method: "DELETE", ...auth });
    expect(deleted.status).toBe(200);
    expect((await api(`/certifications/${impUid}`, auth)).status).toBe(404);
  });

  it("getToken: extended by 5 minutes in its last minute, a new token after expiry", async () => {
    const { getToken } = sandbox();
    const a = await getToken();
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime((a.expired_at - 30) * 1000);
      const b = await getToken();
      expect(b.access_token).toBe(a.access_token);
      expect(b.expired_at).toBe(a.expired_at + 300);
      vi.setSystemTime((b.expired_at + 1) * 1000);
      const c = await getToken();
      expect(c.access_token).not.toBe(a.access_token);
      expect(c.expired_at - c.now).toBe(1800);
    } finally {
      vi.useRealTimers();
    }
  });

  it("gives the same person the same unique_key on every verification", async () => {
    const { api, json, getToken } = sandbox();
    const { access_token: token } = await getToken();
    const keys = [];
    for (const phone of ["01055556666", "01077778888"]) {
      const res = await api("/certifications/otp/request", json({ ...person, phone }, token));
      const impUid = ((await res.json()) as ImpEnvelope<{ imp_uid: string }>).response.imp_uid;
      keys.push(
        ((await (await api(`/certifications/${impUid}`, { headers: { Authorization: `Bearer ${token}` } })).json()) as ImpEnvelope<SandboxCert>)
          .response.unique_key,
      );
    }
    expect(keys[0]).toBe(keys[1]);
  });
});

describe("sandbox mode end to end (the app's unchanged client against the simulator)", () => {
  it("verifies a person who passed the carrier window", async () => {
    const { h } = sandbox();
    const b = h.browser();
    const { merchant_uid } = await b.prepare();
    const started = await h.request("/sandbox/window/request", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "정샌드", birthday: "1990-02-03", gender: "male", carrier: "SKT_MVNO", phone: "010-1234-5678", merchant_uid }),
    });
    const { imp_uid } = (await started.json()) as { imp_uid: string };
    expect(await errorOf(await b.verify({ imp_uid }))).toBe("not_certified"); // not finished yet

    const { otp } = (await (await h.request(`/sandbox/window/sms/${imp_uid}`)).json()) as { otp: string };
    const confirm = await h.request("/sandbox/window/confirm", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ imp_uid, otp }),
    });
    expect(confirm.status).toBe(200);
    const res = await b.verify({ imp_uid, merchant_uid });
    expect(res.status).toBe(200);
    expect((await answer(res, V1Verification)).outcome).toBe("new_user");
    expect(h.stub.calls.getToken).toBe(0); // the stub is not involved in sandbox mode
  });

  it("serves the SDK shim and the carrier window", async () => {
    const { h } = sandbox();
    const sdk = await h.request("/sandbox/iamport.js");
    expect(sdk.status).toBe(200);
    expect(await sdk.text()).toContain("window.IMP");
    const page = await h.request("/");
    expect(await page.text()).toContain('"sdkUrl":"/sandbox/iamport.js"');
    const window = await h.request("/sandbox/certify");
    expect(window.status).toBe(200);
    expect(window.headers.get("Content-Security-Policy")).toContain("default-src 'self'");
    expect(await window.text()).toContain('autocomplete="one-time-code"');
  });
});

describe("live mode", () => {
  it.each(["/sandbox/iamport.js", "/sandbox/certify", "/sandbox/api/users/getToken", "/sandbox/window/sms/imp_1"])(
    "has no sandbox: %s is 404",
    async (path) => {
      const h = harness();
      expect((await h.request(path)).status).toBe(404);
      expect((await h.request(path, { method: "POST" })).status).toBe(404);
    },
  );

  it("missing keys never switch the sandbox on", async () => {
    const h = harness({ IMP_KEY: "", IMP_SECRET: "", IDENTITY_HMAC_KEY: "" });
    expect((await h.request("/sandbox/iamport.js")).status).toBe(404);
    expect(await (await h.request("/healthz")).json()).toEqual({
      ok: false,
      mode: "live",
      provider: "v1",
      problems: ["IMP_KEY", "IMP_SECRET", "IDENTITY_HMAC_KEY"],
    });
    const page = await h.request("/");
    expect(page.status).toBe(503);
    const html = await page.text();
    expect(html).toContain('data-error-code="not_configured"');
    expect(html).not.toContain("/sandbox/");
  });
});

describe("sandbox fidelity", () => {
  const windowRequest = (h: ReturnType<typeof harness>, body: Record<string, unknown>) =>
    h.request("/sandbox/window/request", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "옵션", birthday: "1990-01-01", gender: "male", carrier: "KT", phone: "01012345678", ...body }),
    });

  /** A window verification confirmed with its code: the imp_uid. */
  async function confirmed(h: ReturnType<typeof harness>, body: Record<string, unknown>) {
    const { imp_uid } = (await (await windowRequest(h, body)).json()) as { imp_uid: string };
    const { otp } = (await (await h.request(`/sandbox/window/sms/${imp_uid}`)).json()) as { otp: string };
    await h.request("/sandbox/window/confirm", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ imp_uid, otp }),
    });
    return imp_uid;
  }

  it("follows the PG profile: Inicis gives no DI, Danal a CI only while the contract includes it, and the app verifies each", async () => {
    const h = harness({ IMP_MODE: "sandbox", RATE_LIMIT: "off" });
    const { access_token } = await (async () => {
      const res = await h.request("/sandbox/api/users/getToken", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ imp_key: IAMPORT_SANDBOX.impKey, imp_secret: IAMPORT_SANDBOX.impSecret }),
      });
      return ((await res.json()) as ImpEnvelope<{ access_token: string }>).response;
    })();
    const read = async (impUid: string) =>
      (
        (await (
          await h.request(`/sandbox/api/certifications/${impUid}`, { headers: { Authorization: `Bearer ${access_token}` } })
        ).json()) as ImpEnvelope<SandboxCert>
      ).response;
    const b = h.browser();
    for (const [fields, expected] of [
      [
        { pg: "inicis_unified", name: "이니시스" },
        { pg_provider: "inicis_unified", unique_in_site: null },
      ],
      [
        { pg: "danal.A010002002", name: "다날계약", ci_in_contract: "false" },
        { pg_provider: "danal", unique_key: "" },
      ],
      [{ pg: "kcp_v2", name: "케이씨피" }, { pg_provider: "kcp_v2" }],
    ] as const) {
      const { merchant_uid } = await b.prepare();
      const impUid = await confirmed(h, { ...fields, merchant_uid });
      const record = await read(impUid);
      expect(record).toMatchObject(expected);
      const res = await b.verify({ imp_uid: impUid, merchant_uid });
      expect([fields.name, res.status]).toEqual([fields.name, 200]);
    }
  });

  it("V2 with PORTONE_PG=inicis_unified: a window without flgFixedUser is refused, as PortOne does; with it, no DI", async () => {
    const h = harness({ IMP_MODE: "sandbox", PORTONE_VERSION: "v2", PORTONE_PG: "inicis_unified" });
    const refused = await windowRequest(h, { merchant_uid: "inicisNoFlag", version: "v2" });
    expect(refused.status).toBe(400);
    await confirmed(h, { merchant_uid: "inicisFlag", version: "v2", flg_fixed_user: "N" });
    const res = await h.request("/identity-verifications/inicisFlag", { headers: { Authorization: `PortOne ${PORTONE_SANDBOX.apiSecret}` } });
    const record = (await res.json()) as SandboxIdentityVerification & { channel: { pgProvider: string } };
    expect(record.channel.pgProvider).toBe("INICIS_UNIFIED");
    expect(record.verifiedCustomer?.di).toBeUndefined();
    expect(record.verifiedCustomer?.ci).toBeDefined();
  });

  it("refuses a birthday in the future", async () => {
    const { h } = sandbox();
    const res = await windowRequest(h, { birthday: `${new Date().getFullYear() + 1}-01-01` });
    expect(res.status).toBe(400);
  });

  it("marks OTP requests with gender digit 5–8 as foreigners", async () => {
    const { api, json, getToken } = sandbox();
    const { access_token } = await getToken();
    const requested = (await (await api("/certifications/otp/request", json({ ...person, gender_digit: "6" }, access_token))).json()) as ImpEnvelope<{
      imp_uid: string;
    }>;
    const cert = (await (
      await api(`/certifications/${requested.response.imp_uid}`, { headers: { Authorization: `Bearer ${access_token}` } })
    ).json()) as ImpEnvelope<SandboxCert>;
    expect([cert.response.foreigner, cert.response.foreigner_v2, cert.response.gender]).toEqual([true, true, "female"]);
  });

  it("answers unknown API routes with the envelope", async () => {
    const { api } = sandbox();
    const res = await api("/payments/nothing");
    expect([res.status, await res.json()]).toEqual([404, { code: -1, message: expect.any(String), response: null }]);
  });

  it("developer options shape the certification, and the app handles each", async () => {
    const { h, getToken, api } = sandbox();
    const { access_token } = await getToken();
    const read = async (impUid: string) =>
      ((await (await api(`/certifications/${impUid}`, { headers: { Authorization: `Bearer ${access_token}` } })).json()) as ImpEnvelope<SandboxCert>)
        .response;
    const shaped = await read(await confirmed(h, { merchant_uid: "opt1", dev_options: ["phone_carrier", "null_gender", "no_di", "foreigner"] }));
    expect(shaped).toMatchObject({ phone: "01012345678", carrier: "KT", gender: null, unique_in_site: null, foreigner: true });
    expect(shaped.unique_key).toMatch(/^.{88}$/);

    // Through the app: a null gender is stored as such; an empty CI with no DI is identity_unavailable.
    const b = h.browser();
    const { merchant_uid } = await b.prepare();
    const ok = await b.verify({
      imp_uid: await confirmed(h, { merchant_uid, name: "성별없음", dev_options: ["null_gender", "no_di"] }),
      merchant_uid,
    });
    expect((await answer(ok, V1Verification)).user.gender).toBeNull();
    const again = await b.prepare();
    const empty = await b.verify({
      imp_uid: await confirmed(h, { merchant_uid: again.merchant_uid, name: "빈CI", dev_options: ["empty_ci", "no_di"] }),
      merchant_uid: again.merchant_uid,
    });
    expect([empty.status, await errorOf(empty)]).toEqual([422, "identity_unavailable"]);
  });
});
