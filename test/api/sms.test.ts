import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseConfig } from "../../src/config";
import { PORTONE_SANDBOX } from "../../src/providers/portone/config";
import { PROVIDERS } from "../../src/providers/registry";
import { type Browser, harness, ORIGIN } from "../support/harness";
import { errorOf } from "../support/http";

// The in-page SMS flow through the sandbox: the app's own clients talk to the simulator's API flow of each version.
const SANDBOX = { IMP_MODE: "sandbox", VERIFY_METHOD: "sms" };
const PERSON = { name: "문자인", birth: "900315", gender_digit: "1", carrier: "KT_MVNO", agreed: true };

afterEach(() => {
  vi.useRealTimers();
});

let phones = 0;
/** A phone number of its own per test person, so the per-number limit of one test never meets another's. */
const newPhone = () => `010${String(20_000_000 + phones++).padStart(8, "0")}`;

const post = (b: Browser, path: string, body: unknown) =>
  b.send(path, { method: "POST", headers: { "Content-Type": "application/json", Origin: ORIGIN }, body: JSON.stringify(body) });

function flow(version: "v1" | "v2", extra: Record<string, string> = {}) {
  const h = harness({ ...SANDBOX, PORTONE_VERSION: version, ...extra });
  const idField = version === "v1" ? "merchant_uid" : "identity_verification_id";
  async function start(person: Record<string, unknown> = {}) {
    const b = h.browser();
    const attempt = (await b.prepareAny()) as unknown as Record<string, string>;
    const id = attempt[idField]!;
    const phone = (person.phone as string) ?? newPhone();
    const res = await post(b, "/certifications/sms/send", { [idField]: id, ...PERSON, phone, ...person });
    const body = (await res.json()) as Record<string, string>;
    const code = async () => ((await (await h.request(`/sandbox/sms?phone=${phone}`)).json()) as { code: string }).code;
    const confirm = (otp: string, more: Record<string, unknown> = {}) =>
      post(b, "/certifications/sms/confirm", { [idField]: id, ...(body.imp_uid ? { imp_uid: body.imp_uid } : {}), otp, ...more });
    const resend = (more: Record<string, unknown> = {}) =>
      post(b, "/certifications/sms/resend", { [idField]: id, ...(version === "v1" ? { ...PERSON, phone } : {}), ...more });
    return { b, id, phone, res, body, code, confirm, resend };
  }
  return { h, start, idField };
}

const wrongOf = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

describe.each(["v1", "v2"] as const)("in-page SMS, %s", (version) => {
  it("send, the code from the SMS, confirm: the same verification as POST /certifications (and its repeat)", async () => {
    const { start } = flow(version);
    const s = await start({ name: `문자인${version}` });
    expect(s.res.status).toBe(202);
    expect(s.body).toMatchObject({ sent: true, expires_at: expect.any(String), resend_after: expect.any(String) });
    expect(Date.parse(s.body.expires_at!) - Date.now()).toBeGreaterThan(170_000);
    if (version === "v1") expect(s.body.imp_uid).toMatch(/^imp_\d+$/);
    else expect(s.body.imp_uid).toBeUndefined();
    const wrong = await s.confirm(wrongOf(await s.code()));
    expect([wrong.status, await errorOf(wrong)]).toEqual([422, "otp_invalid"]);
    const ok = await s.confirm(await s.code());
    expect(ok.status).toBe(200);
    const answer = (await ok.json()) as { outcome: string; user: { name: string; birthday: string } };
    expect(answer).toMatchObject({ outcome: "new_user", user: { name: `문자인${version}`, birthday: "1990-03-15" } });
    // A double click: the same answer, nothing new.
    const again = await s.confirm(await s.code());
    expect([again.status, ((await again.json()) as { outcome: string }).outcome]).toEqual([200, "new_user"]);
  });

  it("five wrong codes spend the attempt: the fifth answers 429 otp_attempts_exceeded, and then even the right code does", async () => {
    const { start } = flow(version);
    const s = await start();
    const right = await s.code();
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) answers.push(await errorOf(await s.confirm(wrongOf(right))));
    expect(answers).toEqual(["otp_invalid", "otp_invalid", "otp_invalid", "otp_invalid", "otp_attempts_exceeded"]);
    const late = await s.confirm(right);
    expect([late.status, await errorOf(late)]).toEqual([429, "otp_attempts_exceeded"]);
  });

  it("resend waits for its pause (429 with Retry-After even with RATE_LIMIT off), then sends a code that works", async () => {
    const { start } = flow(version);
    const s = await start();
    const early = await s.resend();
    expect([early.status, await errorOf(early)]).toEqual([429, "rate_limited"]);
    expect(Number(early.headers.get("Retry-After"))).toBeGreaterThan(0);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 31_000);
    const res = await s.resend();
    expect(res.status).toBe(202);
    const resent = (await res.json()) as { imp_uid?: string };
    const ok = await s.confirm(await s.code(), resent.imp_uid ? { imp_uid: resent.imp_uid } : {});
    expect(ok.status).toBe(200);
  });

  it("a code past its 3 minutes is 410 otp_expired", async () => {
    const { start } = flow(version);
    const s = await start();
    const code = await s.code();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 181_000);
    const res = await s.confirm(code);
    expect([res.status, await errorOf(res)]).toEqual([410, "otp_expired"]);
  });

  it("refuses what is not this browser's or not well-formed, before any SMS", async () => {
    const { h, start, idField } = flow(version);
    const s = await start();
    // Another browser, the same attempt.
    const stranger = h.browser();
    await stranger.prepareAny();
    const foreign = await post(stranger, "/certifications/sms/send", { [idField]: s.id, ...PERSON, phone: newPhone() });
    expect([foreign.status, await errorOf(foreign)]).toEqual([403, "session_mismatch"]);
    const theirs = await post(stranger, "/certifications/sms/confirm", { [idField]: s.id, otp: await s.code() });
    expect([theirs.status, await errorOf(theirs)]).toEqual([403, "session_mismatch"]);
    // The same attempt twice: a first code once (another number is a new attempt).
    const twice = await post(s.b, "/certifications/sms/send", { [idField]: s.id, ...PERSON, phone: s.phone });
    expect([twice.status, await errorOf(twice)]).toEqual([409, "imp_uid_reused"]);
    for (const bad of [
      { ...PERSON, phone: "0212345678" },
      { ...PERSON, birth: "901345" },
      { ...PERSON, gender_digit: "9" },
      { ...PERSON, carrier: "LGT" },
      { ...PERSON, agreed: false },
      { ...PERSON, name: "" },
    ]) {
      const b = h.browser();
      const attempt = (await b.prepareAny()) as unknown as Record<string, string>;
      const res = await post(b, "/certifications/sms/send", { [idField]: attempt[idField], phone: newPhone(), ...bad });
      expect([res.status, await errorOf(res)]).toEqual([400, "invalid_request"]);
    }
    const noCookie = await h.request("/certifications/sms/send", {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: ORIGIN },
      body: JSON.stringify({ [idField]: s.id, ...PERSON, phone: newPhone() }),
    });
    expect([noCookie.status, await errorOf(noCookie)]).toEqual([403, "session_mismatch"]);
  });

  it("one phone number gets at most 5 codes an hour, whichever attempt asks", async () => {
    const { start } = flow(version);
    const phone = newPhone();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await start({ phone })).res.status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });

  it("the sandbox's inbox shows the last code sent to a number, even when two went out within one second", async () => {
    const { start } = flow(version);
    const phone = newPhone();
    const second0 = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(second0 + 100);
    await start({ phone });
    vi.setSystemTime(second0 + 900);
    const second = await start({ phone });
    const ok = await second.confirm(await second.code());
    expect(ok.status).toBe(200);
  });

  it("a send refused for its attempt (already sent) costs the number nothing: a stranger cannot lock someone out", async () => {
    const { start, h, idField } = flow(version);
    const victim = newPhone();
    const stranger = await start();
    expect(stranger.res.status).toBe(202);
    // Five more sends from the stranger's attempt, which already sent its code, naming the victim's number.
    for (let i = 0; i < 5; i++) {
      const res = await post(stranger.b, "/certifications/sms/send", { [idField]: stranger.id, ...PERSON, phone: victim });
      expect([res.status, await errorOf(res)]).toEqual([409, "imp_uid_reused"]);
    }
    const own = await start({ phone: victim });
    expect(own.res.status).toBe(202);
    expect((await (await h.request(`/sandbox/sms?phone=${victim}`)).json()) as { code: string }).toMatchObject({
      code: expect.stringMatching(/^\d{6}$/),
    });
  });

  it("a resend refused for its pause costs the number nothing either", async () => {
    const { start } = flow(version);
    const phone = newPhone();
    const first = await start({ phone });
    for (let i = 0; i < 5; i++) {
      const paced = await first.resend();
      expect([paced.status, await errorOf(paced)]).toEqual([429, "rate_limited"]);
    }
    // The number had one code: four more attempts may still send it one each.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await start({ phone })).res.status);
    expect(statuses).toEqual([202, 202, 202, 202, 429]);
  });
});

describe("in-page SMS: what is kept, and where it is offered", () => {
  it("live V1 against i'mport's OTP API (the stub): the request carries i'mport's names, and the certification it makes verifies", async () => {
    const h = harness({ VERIFY_METHOD: "sms", IMP_PG: "danal.A010002002" });
    const b = h.browser();
    const { merchant_uid } = await b.prepare();
    const sent = await post(b, "/certifications/sms/send", { merchant_uid, ...PERSON, name: "라이브문자", phone: newPhone() });
    expect(sent.status).toBe(202);
    const { imp_uid } = (await sent.json()) as { imp_uid: string };
    expect(h.stub.certifications.get(imp_uid)).toMatchObject({ merchant_uid, certified: false, birthday: "1990-03-15" });
    const wrong = await post(b, "/certifications/sms/confirm", { merchant_uid, imp_uid, otp: wrongOf(h.stub.lastOtp) });
    expect([wrong.status, await errorOf(wrong)]).toEqual([422, "otp_invalid"]);
    const ok = await post(b, "/certifications/sms/confirm", { imp_uid, otp: h.stub.lastOtp });
    expect([ok.status, ((await ok.json()) as { outcome: string }).outcome]).toEqual([200, "new_user"]);
    expect(h.stub.calls).toMatchObject({ requestOtp: 1, confirmOtp: 2, getCertification: 1 });
  });

  it("details i'mport refuses to text are answered as a code sent (the same 202, every code then wrong); the log line says so; an outage stays 502", async () => {
    const h = harness({ VERIFY_METHOD: "sms", IMP_PG: "danal.A010002002" });
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const matching = h.browser();
      const sentOk = await post(matching, "/certifications/sms/send", {
        merchant_uid: (await matching.prepare()).merchant_uid,
        ...PERSON,
        phone: newPhone(),
      });
      const b = h.browser();
      const { merchant_uid } = await b.prepare();
      h.stub.fail("requestOtp", { kind: "code", code: -1, message: "본인인증 정보가 일치하지 않습니다." });
      const refused = await post(b, "/certifications/sms/send", { merchant_uid, ...PERSON, name: "다른사람", phone: newPhone() });
      const [okBody, refusedBody] = [(await sentOk.json()) as Record<string, string>, (await refused.json()) as Record<string, string>];
      expect([refused.status, Object.keys(refusedBody).sort()]).toEqual([sentOk.status, Object.keys(okBody).sort()]);
      expect([okBody.imp_uid, refusedBody.imp_uid]).toEqual([expect.stringMatching(/^imp_\d{12}$/), expect.stringMatching(/^imp_\d{12}$/)]);
      const confirmsBefore = h.stub.calls.confirmOtp;
      const guess = await post(b, "/certifications/sms/confirm", { merchant_uid, imp_uid: refusedBody.imp_uid, otp: "123456" });
      expect([guess.status, await errorOf(guess)]).toEqual([422, "otp_invalid"]);
      expect(h.stub.calls.confirmOtp).toBe(confirmsBefore);
      const lines = log.mock.calls.map(([line]) => JSON.parse(String(line)) as { route?: string; outcome?: string; status?: number });
      expect(lines.filter((l) => l.outcome === "sms_send_refused")).toEqual([
        expect.objectContaining({ route: "POST /certifications/sms/send", status: 202 }),
      ]);

      const other = h.browser();
      h.stub.fail("requestOtp", { kind: "status", status: 500 });
      const outage = await post(other, "/certifications/sms/send", {
        merchant_uid: (await other.prepare()).merchant_uid,
        ...PERSON,
        phone: newPhone(),
      });
      expect([outage.status, await errorOf(outage)]).toEqual([502, "upstream_error"]);
    } finally {
      log.mockRestore();
    }
  });

  it("stores and logs neither the phone number, the birth digits nor the code", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const { start } = flow("v2");
      const s = await start({ birth: "880707", gender_digit: "2" });
      const code = await s.code();
      expect((await s.confirm(code)).status).toBe(200);
      const tables = ["sms_sends", "sms_phones", "attempts", "users"];
      const stored = (await Promise.all(tables.map(async (t) => JSON.stringify((await env.DB.prepare(`SELECT * FROM ${t}`).all()).results)))).join(
        "\n",
      );
      // As a value of its own, not inside a longer number (a timestamp may hold any six digits).
      const alone = (digits: string) => new RegExp(`(?<!\\d)${digits}(?!\\d)`);
      for (const secret of [s.phone, "8807072", code]) expect(stored).not.toMatch(alone(secret));
      const lines = log.mock.calls.map(([line]) => String(line)).join("\n");
      for (const secret of [s.phone, "880707", code]) expect(lines).not.toMatch(alone(secret));
    } finally {
      log.mockRestore();
    }
  });

  it("the page: the form alone (sms), the form and the window (both), the window alone (window)", async () => {
    for (const [method, form, window] of [
      ["sms", true, false],
      ["both", true, true],
      ["window", false, true],
    ] as const) {
      const html = await (await harness({ IMP_MODE: "sandbox", VERIFY_METHOD: method }).request("/")).text();
      expect(html.includes('data-testid="sms-send"'), method).toBe(form);
      const start = /<button[^>]*data-testid="start-verification"[^>]*>/.exec(html)?.[0] ?? "";
      expect(/\shidden(\s|>)/.test(start), method).toBe(!window);
      if (form) {
        for (const name of ["name", "birth", "gender_digit", "carrier", "phone", "otp"]) expect(html).toContain(`name="${name}"`);
        expect(html).toContain('data-testid="sms-confirm"');
        expect((html.match(/name="agree"/g) ?? []).length).toBe(4);
      }
    }
  });

  it("VERIFY_METHOD=window: the SMS routes do not exist", async () => {
    const h = harness({ IMP_MODE: "sandbox" });
    const b = h.browser();
    const { merchant_uid } = await b.prepare();
    const res = await post(b, "/certifications/sms/send", { merchant_uid, ...PERSON, phone: newPhone() });
    expect([res.status, await errorOf(res)]).toEqual([404, "not_found"]);
  });

  it("a child verified by SMS waits for a guardian like any other (202)", async () => {
    const { start } = flow("v1", { MIN_AGE: "7" });
    const s = await start({ birth: "150304", gender_digit: "4" });
    const res = await s.confirm(await s.code());
    expect([res.status, ((await res.json()) as { outcome: string }).outcome]).toEqual([202, "guardian_required"]);
  });

  it("the configuration refuses sms with a PG that has no API flow (KG Inicis), and allows Danal and KCP", async () => {
    const live = {
      IMP_MODE: "live",
      IMP_CODE: "imp12345678",
      IMP_KEY: "k",
      IMP_SECRET: "s",
      IDENTITY_HMAC_KEY: "A2PTGs7jh73f_aPfK6RNXrhK8iE6aAFKhzr30SKoaH4",
    };
    const problems = async (vars: Record<string, string>) => (await parseConfig({ ...live, ...vars }, PROVIDERS)).problems.map((p) => p.name);
    expect(await problems({ VERIFY_METHOD: "sms", IMP_PG: "inicis_unified" })).toEqual(["VERIFY_METHOD"]);
    expect(await problems({ VERIFY_METHOD: "both" })).toEqual(["VERIFY_METHOD"]);
    expect(await problems({ VERIFY_METHOD: "sms", IMP_PG: "danal.A010002002" })).toEqual([]);
    expect(await problems({ VERIFY_METHOD: "both", IMP_PG: "kcp_v2.T0000" })).toEqual([]);
    expect(await problems({ VERIFY_METHOD: "SMS" })).toEqual(["VERIFY_METHOD"]);
    expect(
      (await parseConfig({ IMP_MODE: "sandbox", VERIFY_METHOD: "sms", PORTONE_VERSION: "v2", PORTONE_PG: "inicis_unified" }, PROVIDERS)).problems.map(
        (p) => p.name,
      ),
    ).toEqual(["VERIFY_METHOD"]);
  });
});

describe("the sandbox's V2 API flow, as PortOne answers it", () => {
  /** The V2 simulator's API flow, called as PortOne's API is: [status, error type or "ok"]. */
  function portoneFlow() {
    const h = harness({ IMP_MODE: "sandbox", PORTONE_VERSION: "v2" });
    const call = async (id: string, action: string, body: object) => {
      const res = await h.request(`/identity-verifications/${id}/${action}`, {
        method: "POST",
        headers: { Authorization: `PortOne ${PORTONE_SANDBOX.apiSecret}`, "Content-Type": "application/json" },
        body: JSON.stringify({ storeId: PORTONE_SANDBOX.storeId, ...body }),
      });
      return [res.status, ((await res.json()) as { type?: string }).type ?? "ok"];
    };
    const phone = newPhone();
    // The channel the simulator answers for: the configured one (the test env sets PORTONE_CHANNEL_KEY).
    const send = {
      channelKey: h.env.PORTONE_CHANNEL_KEY || PORTONE_SANDBOX.channelKey,
      customer: { name: "포트원", phoneNumber: phone, identityNumber: "9001011", ipAddress: "203.0.113.9" },
      operator: "SKT",
      method: "SMS",
    };
    const codeSent = async () => ((await (await h.request(`/sandbox/sms?phone=${phone}`)).json()) as { code: string }).code;
    return { call, send, codeSent };
  }

  it("PortOne's flow: confirm or resend before a send is IDENTITY_VERIFICATION_NOT_SENT", async () => {
    const { call } = portoneFlow();
    const id = "sandboxflow0000000000000000000000000001";
    expect(await call(id, "confirm", { otp: "000000" })).toEqual([404, "IDENTITY_VERIFICATION_NOT_SENT"]);
    expect(await call(id, "resend", {})).toEqual([404, "IDENTITY_VERIFICATION_NOT_SENT"]);
  });

  it("PortOne's flow: a send without the visitor's address is INVALID_REQUEST, another channel CHANNEL_NOT_FOUND", async () => {
    const { call, send } = portoneFlow();
    const id = "sandboxflow0000000000000000000000000003";
    expect(await call(id, "send", { ...send, customer: { ...send.customer, ipAddress: undefined } })).toEqual([400, "INVALID_REQUEST"]);
    expect(await call(id, "send", { ...send, channelKey: "channel-key-other" })).toEqual([404, "CHANNEL_NOT_FOUND"]);
  });

  it("PortOne's flow: a second send is ALREADY_SENT, a wrong code the PG's refusal (PG_PROVIDER)", async () => {
    const { call, send } = portoneFlow();
    const id = "sandboxflow0000000000000000000000000004";
    expect(await call(id, "send", send)).toEqual([200, "ok"]);
    expect(await call(id, "send", send)).toEqual([409, "IDENTITY_VERIFICATION_ALREADY_SENT"]);
    expect(await call(id, "confirm", { otp: "000000" })).toEqual([502, "PG_PROVIDER"]);
  });

  it("PortOne's flow: resend, then the code sent confirms; after it confirm and send are ALREADY_VERIFIED", async () => {
    const { call, send, codeSent } = portoneFlow();
    const id = "sandboxflow0000000000000000000000000005";
    expect(await call(id, "send", send)).toEqual([200, "ok"]);
    expect(await call(id, "resend", {})).toEqual([200, "ok"]);
    const code = await codeSent();
    expect(await call(id, "confirm", { otp: code })).toEqual([200, "ok"]);
    expect(await call(id, "confirm", { otp: code })).toEqual([409, "IDENTITY_VERIFICATION_ALREADY_VERIFIED"]);
    expect(await call(id, "send", send)).toEqual([409, "IDENTITY_VERIFICATION_ALREADY_VERIFIED"]);
  });

  it("PortOne's flow: codes that expired unconfirmed allow a new send each, until MAX_TRANSACTION_COUNT_REACHED", async () => {
    const { call, send } = portoneFlow();
    const capped = "sandboxflow0000000000000000000000000002";
    vi.useFakeTimers({ toFake: ["Date"] });
    const answers: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      answers.push((await call(capped, "send", send))[1]);
      vi.setSystemTime(Date.now() + 181_000);
    }
    expect(answers).toEqual(["ok", "ok", "ok", "ok", "ok", "MAX_TRANSACTION_COUNT_REACHED"]);
  });

  it("SMS codes are limited per client address too (SMS_LIMITER, with RATE_LIMIT on)", async () => {
    const h = harness({ ...SANDBOX, RATE_LIMIT: "on" });
    const client = { "CF-Connecting-IP": "203.0.113.77", "Content-Type": "application/json", Origin: ORIGIN };
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await h.request("/certifications/sms/send", {
        method: "POST",
        headers: client,
        body: JSON.stringify({ ...PERSON, phone: newPhone() }),
      });
      statuses.push(res.status);
    }
    // Refused for want of an attempt (400) until the limiter says no more (429).
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(400));
    expect(statuses.slice(10)).toEqual([429, 429]);
  });
});
