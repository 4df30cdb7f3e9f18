import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import * as v from "valibot";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { keyringOf } from "../../src/lib/keyring";
import { iamportSchemas } from "../../src/providers/iamport/schemas";
import { portoneSchemas } from "../../src/providers/portone/schemas";
import { GuardianRequiredResponse, TokenResponse } from "../../src/routes/responses";
import { sealConsent } from "../../src/verification/consent";
import { answer } from "../support/answers";
import { type Browser, harness } from "../support/harness";
import { errorOf, pageErrorOf } from "../support/http";
import { claimsOfJwt, oidcVars, pageConfigOf, relyingParty } from "../support/oidc";

// A site for children: anyone 7 or older may join; under 14 only with a guardian's consent (the default).
const vars: Record<string, string> = { ...(await oidcVars()), MIN_AGE: "7" };

const CHILD = { name: "김하늘", birthday: "2015-03-04", gender: "female" as const };
const PARENT = { name: "김서연", birthday: "1984-05-06", gender: "female" as const };

// Storage is per file: each test starts from empty tables, so what it finds there is its own.
beforeEach(async () => {
  await env.DB.exec("DELETE FROM guardian_consents; DELETE FROM oidc_codes; DELETE FROM grants; DELETE FROM attempts; DELETE FROM users;");
});

afterEach(() => {
  vi.useRealTimers();
});

const rows = async (sql: string) => (await env.DB.prepare(sql).all()).results;

function site(extra: Record<string, string> = {}) {
  const h = harness({ ...vars, ...extra });

  /** A child verifies in their own browser: the 202 answer. */
  async function child(b: Browser = h.browser(), fields: Record<string, unknown> = {}) {
    const cert = await b.certified({ ...CHILD, ...fields });
    const res = await b.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid });
    expect(res.status).toBe(202);
    const body = await answer(res, GuardianRequiredResponse);
    return { b, cert, body, path: new URL(body.guardian.consent_url).pathname };
  }

  /** A guardian opens the link on their own phone and verifies: the answer to their verification. */
  async function guardian(path: string, fields: Record<string, unknown> = {}, g: Browser = h.browser()) {
    const page = await g.send(path);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('data-testid="start-verification"');
    const { merchant_uid } = v.parse(iamportSchemas.prepare, pageConfigOf(html).attempt);
    const cert = h.stub.certify({ merchant_uid, ...PARENT, ...fields });
    return { g, cert, res: await g.verify({ imp_uid: cert.imp_uid, merchant_uid }) };
  }

  const status = async (b: Browser) => {
    const res = await b.send("/certifications/guardian-status");
    expect(res.status).toBe(200);
    return ((await res.json()) as { status: string }).status;
  };

  return { h, child, guardian, status };
}

describe("guardian consent: a child under 14", () => {
  it("a child gets 202 with the guardian's link, which carries nothing of the child and lasts a day", async () => {
    const kid = await site().child();
    expect(kid.body.outcome).toBe("guardian_required");
    expect(kid.body.user).toMatchObject({ name: CHILD.name, birthday: CHILD.birthday, status: "pending_guardian" });
    expect(kid.body.guardian.consent_url.startsWith(`${vars.PUBLIC_URL}/guardian/`)).toBe(true);
    expect(kid.body.guardian.consent_url).not.toContain(kid.body.user.id);
    const deadline = Date.parse(kid.body.guardian.expires_at) - Date.now();
    expect(deadline).toBeGreaterThan(86_400_000 - 60_000);
    expect(deadline).toBeLessThanOrEqual(86_400_000);
  });

  it("until a guardian consents, the child's page is pending, and a repeat answers the same 202 with the same link", async () => {
    const { child, status } = site();
    const kid = await child();
    expect(await status(kid.b)).toBe("pending_guardian");
    const again = await kid.b.verify({ imp_uid: kid.cert.imp_uid, merchant_uid: kid.cert.merchant_uid });
    expect(again.status).toBe(202);
    expect((await answer(again, GuardianRequiredResponse)).guardian).toEqual(kid.body.guardian);
  });

  /** A child verified, then a guardian consented on their own phone: the child's side and the guardian's answer. */
  async function consented() {
    const s = site();
    const kid = await s.child();
    const { res } = await s.guardian(kid.path);
    expect(res.status).toBe(200);
    return { ...s, kid, given: (await res.json()) as Record<string, unknown> };
  }

  it("the guardian's answer says they consented, and nothing about the child; no account is made for the guardian", async () => {
    const { given } = await consented();
    expect(given).toMatchObject({ outcome: "guardian_consented", guardian_consent: { consented_at: expect.any(String) } });
    expect(JSON.stringify(given)).not.toContain(CHILD.name);
    expect(given.user).toBeUndefined();
    expect(await rows(`SELECT id FROM users WHERE name = '${PARENT.name}'`)).toEqual([]);
  });

  it("the consent's record keeps the child, an HMAC of the guardian's key and the time — never the guardian's name or birthday", async () => {
    const { kid } = await consented();
    const [record] = (await rows(`SELECT * FROM guardian_consents WHERE user_id = '${kid.body.user.id}'`)) as Record<string, unknown>[];
    expect(Object.keys(record!).sort()).toEqual(["consented_at", "guardian_key", "user_id"]);
    expect(record!.guardian_key).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await rows("SELECT * FROM guardian_consents"))).not.toMatch(/김서연|1984/);
  });

  it("then the child's page moves on: its result sent again is a new account, with the guardian's consent", async () => {
    const { kid, given, status } = await consented();
    expect(await status(kid.b)).toBe("active");
    const done = await kid.b.verify({ imp_uid: kid.cert.imp_uid, merchant_uid: kid.cert.merchant_uid });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({
      outcome: "new_user",
      user: { id: kid.body.user.id },
      guardian_consent: { consented_at: (given.guardian_consent as { consented_at: string }).consented_at },
    });
  });

  /** A child verified inside the shop's authorization: the 202's body, before any guardian. */
  async function childOfShop() {
    const s = site();
    const rp = relyingParty(s.h, "shop");
    const b = s.h.browser();
    const started = await rp.authorize(b);
    const { attempt } = await rp.attemptOf(started.res);
    const { merchant_uid } = v.parse(iamportSchemas.prepare, attempt);
    const cert = s.h.stub.certify({ merchant_uid, ...CHILD });
    const pending = await b.verify({ imp_uid: cert.imp_uid, merchant_uid });
    expect(pending.status).toBe(202);
    const body = await answer(pending, GuardianRequiredResponse);
    /** The guardian consents; the child's page sends its result again: the answer, with `redirect_to`. */
    const afterConsent = async () => {
      expect((await s.guardian(new URL(body.guardian.consent_url).pathname)).res.status).toBe(200);
      const done = await b.verify({ imp_uid: cert.imp_uid, merchant_uid });
      expect(done.status).toBe(200);
      const answered = (await done.json()) as { redirect_to: string; guardian_consent: { consented_at: string } };
      const code = new URL(answered.redirect_to).searchParams.get("code")!;
      return { ...answered, code, again: () => b.verify({ imp_uid: cert.imp_uid, merchant_uid }) };
    };
    return { ...s, rp, started, body, afterConsent };
  }

  it("inside an OIDC authorization, a pending child gets no code, no grant, and the site cannot see them", async () => {
    const { rp, body } = await childOfShop();
    expect(JSON.stringify(body)).not.toContain("redirect_to");
    expect(await rows("SELECT * FROM oidc_codes")).toEqual([]);
    expect(await rows("SELECT * FROM grants")).toEqual([]);
    expect((await rp.site("GET", body.user.id)).status).toBe(404);
  });

  it("once the guardian consented, the child's page goes on to the site with a code and its state; a repeat mints no second code", async () => {
    const { started, afterConsent } = await childOfShop();
    const consentedChild = await afterConsent();
    expect(new URL(consentedChild.redirect_to).searchParams.get("state")).toBe(started.state);
    const repeat = (await (await consentedChild.again()).json()) as { redirect_to: string };
    expect(repeat.redirect_to).toBe(consentedChild.redirect_to);
    expect(await rows("SELECT code_hash FROM oidc_codes")).toHaveLength(1);
  });

  it("the ID token, userinfo and the site API say a guardian consented; discovery names the claim", async () => {
    const { h, rp, started, body, afterConsent } = await childOfShop();
    const { code, guardian_consent } = await afterConsent();
    const tokens = await answer(await rp.token({ code, code_verifier: started.verifier }), TokenResponse);
    expect(claimsOfJwt(tokens.id_token)).toMatchObject({ sub: body.user.id, guardian_consent, outcome: "new_user" });
    const discovery = (await (await h.request("/.well-known/openid-configuration")).json()) as { claims_supported: string[] };
    expect(Object.keys(claimsOfJwt(tokens.id_token)).filter((claim) => !discovery.claims_supported.includes(claim))).toEqual([]);
    const info = await h.request("/userinfo", { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(await info.json()).toMatchObject({ guardian_consent });
    const user = (await (await rp.site("GET", body.user.id)).json()) as { user: { guardian_consent: unknown } };
    expect(user.user.guardian_consent).toEqual(guardian_consent);
  });

  it("withdrawing the child deletes the guardian's consent record with the account", async () => {
    const { rp, started, body, afterConsent } = await childOfShop();
    const { code } = await afterConsent();
    await answer(await rp.token({ code, code_verifier: started.verifier }), TokenResponse);
    expect((await rp.site("DELETE", body.user.id)).status).toBe(200);
    expect(await rows("SELECT * FROM guardian_consents")).toEqual([]);
  });

  it("for a third-party client, the child's page goes on to the consent page once the guardian consented; agree → a code", async () => {
    const agency = {
      client_id: "agency",
      name: "Partner",
      redirect_uris: ["https://partner.example/cb"],
      consent: { purpose: "가입", retention: "탈퇴 시까지" },
    };
    const { h, guardian } = site({
      OIDC_CLIENTS: JSON.stringify([...JSON.parse(vars.OIDC_CLIENTS!), agency]),
      OIDC_CLIENT_SECRETS: JSON.stringify({ ...JSON.parse(vars.OIDC_CLIENT_SECRETS!), agency: "agency-client-secret-of-at-least-32-chars" }),
    });
    const rp = relyingParty(h, "agency", "https://partner.example/cb", "agency-client-secret-of-at-least-32-chars");
    const b = h.browser();
    const started = await rp.authorize(b);
    const { merchant_uid } = v.parse(iamportSchemas.prepare, (await rp.attemptOf(started.res)).attempt);
    const cert = h.stub.certify({ merchant_uid, ...CHILD });
    const body = await answer(await b.verify({ imp_uid: cert.imp_uid, merchant_uid }), GuardianRequiredResponse);
    expect((await guardian(new URL(body.guardian.consent_url).pathname)).res.status).toBe(200);
    const done = (await (await b.verify({ imp_uid: cert.imp_uid, merchant_uid })).json()) as { redirect_to: string };
    expect(new URL(done.redirect_to).pathname).toBe("/consent");
    expect(await rows("SELECT * FROM oidc_codes")).toEqual([]);
    const agreed = await b.send("/consent", {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: new URL(done.redirect_to).origin },
      body: new URLSearchParams({ attempt: merchant_uid, decision: "agree" }),
    });
    const code = new URL(agreed.headers.get("Location")!).searchParams.get("code")!;
    const tokens = await answer(await rp.token({ code, code_verifier: started.verifier }), TokenResponse);
    expect(claimsOfJwt(tokens.id_token)).toMatchObject({ sub: body.user.id, guardian_consent: { consented_at: expect.any(String) } });
  });

  it("works the same under PortOne V2", async () => {
    const h = harness({ ...vars, PORTONE_VERSION: "v2" });
    const kid = h.browser();
    const id = await kid.verifiedV2({ name: CHILD.name, birthDate: CHILD.birthday, gender: "FEMALE" });
    const res = await kid.verify({ identity_verification_id: id });
    expect(res.status).toBe(202);
    const body = await answer(res, GuardianRequiredResponse);
    const g = h.browser();
    const page = await g.send(new URL(body.guardian.consent_url).pathname);
    const { identity_verification_id: gid } = v.parse(portoneSchemas.prepare, pageConfigOf(await page.text()).attempt);
    h.portone.verify(gid, { name: PARENT.name, birthDate: PARENT.birthday, gender: "FEMALE" });
    const given = await g.verify({ identity_verification_id: gid });
    expect([given.status, ((await given.json()) as { outcome: string }).outcome]).toEqual([200, "guardian_consented"]);
    const done = await kid.verify({ identity_verification_id: id });
    expect([done.status, ((await done.json()) as { outcome: string }).outcome]).toEqual([200, "new_user"]);
  });

  it("no consent is asked when MIN_AGE is not below GUARDIAN_CONSENT_UNDER, or the flow is off", async () => {
    for (const extra of [{ MIN_AGE: "14" }, { GUARDIAN_CONSENT_UNDER: "0" }]) {
      const h = harness({ ...vars, ...extra });
      const b = h.browser();
      const cert = await b.certified({ ...CHILD, birthday: extra.MIN_AGE ? "2010-01-01" : CHILD.birthday });
      const res = await b.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid });
      expect(res.status).toBe(200);
    }
  });
});

describe("guardian consent: every bad input has its error and changes nothing", () => {
  /** How the child's account stands: pending, with no consent recorded. */
  const unchanged = async (id: string) => {
    expect(await rows(`SELECT status FROM users WHERE id = '${id}'`)).toEqual([{ status: "pending_guardian" }]);
    expect(await rows("SELECT * FROM guardian_consents")).toEqual([]);
  };

  it("a forged or altered link is 400; an expired one 410", async () => {
    const { h, child } = site();
    const kid = await child();
    const token = kid.path.split("/").pop()!;
    const altered = `${token.slice(0, 5)}${token[5] === "A" ? "B" : "A"}${token.slice(6)}`;
    for (const path of [`/guardian/${altered}`, "/guardian/nonsense", `/guardian/${token}x`]) {
      const res = await h.browser().send(path);
      expect([res.status, await pageErrorOf(res)]).toEqual([400, "invalid_request"]);
    }
    // A link sealed here whose deadline passed (the app never hands one out: sealed for the test).
    const config = { keyring: keyringOf(h.env.IDENTITY_HMAC_KEY, []) } as never;
    const expired = await sealConsent(config, { consentId: token.split(".")[0]!, expiresAt: Date.now() - 1000 });
    const res = await h.browser().send(`/guardian/${expired}`);
    expect([res.status, await pageErrorOf(res)]).toEqual([410, "consent_expired"]);
    // prepare refuses a forged link too.
    const prepared = await h.browser().send("/certifications/prepare", {
      method: "POST",
      headers: { Origin: "http://localhost:8787", "Content-Type": "application/json" },
      body: JSON.stringify({ consent: altered }),
    });
    expect([prepared.status, await errorOf(prepared)]).toEqual([400, "invalid_request"]);
    await unchanged(kid.body.user.id);
  });

  it("the child as their own guardian (same CI, or same DI), in another browser: 403 guardian_is_child", async () => {
    const { child, guardian } = site();
    const kid = await child();
    const { res } = await guardian(kid.path, { ...CHILD, birthday: PARENT.birthday, unique_key: kid.cert.unique_key });
    expect([res.status, await errorOf(res)]).toEqual([403, "guardian_is_child"]);
    const byDi = await guardian(kid.path, { unique_key: null, unique_in_site: kid.cert.unique_in_site });
    expect([byDi.res.status, await errorOf(byDi.res)]).toEqual([403, "guardian_is_child"]);
    await unchanged(kid.body.user.id);
  });

  it("the guardian's link never reaches a log line", async () => {
    const { h, child } = site();
    const kid = await child();
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      await h.browser().send(kid.path);
      const lines = log.mock.calls.map(([line]) => String(line));
      expect(lines.some((l) => l.includes('"route":"GET /guardian/:id"'))).toBe(true);
      for (const line of lines) expect(line).not.toContain(kid.path.split("/").pop()!.split(".")[0]!);
    } finally {
      log.mockRestore();
    }
  });

  it("the link opened in the child's own browser: 403 guardian_is_child, before any verification", async () => {
    const { child } = site();
    const kid = await child();
    const res = await kid.b.send(kid.path);
    expect([res.status, await pageErrorOf(res)]).toEqual([403, "guardian_is_child"]);
    await unchanged(kid.body.user.id);
  });

  it("the consent given from the child's own browser (prepare with the link, then someone else's verification): 403 guardian_is_child", async () => {
    const { h, child } = site();
    const kid = await child();
    const prepared = await kid.b.send("/certifications/prepare", {
      method: "POST",
      headers: { Origin: "http://localhost:8787", "Content-Type": "application/json" },
      body: JSON.stringify({ consent: kid.path.split("/").pop() }),
    });
    expect(prepared.status).toBe(201);
    const { merchant_uid } = v.parse(iamportSchemas.prepare, await prepared.json());
    const cert = h.stub.certify({ merchant_uid, ...PARENT });
    const res = await kid.b.verify({ imp_uid: cert.imp_uid, merchant_uid });
    expect([res.status, await errorOf(res)]).toEqual([403, "guardian_is_child"]);
    await unchanged(kid.body.user.id);
    expect(await rows(`SELECT merchant_uid FROM attempts WHERE merchant_uid = '${merchant_uid}'`)).toEqual([]);
  });

  it("a guardian's consent keeps nothing of the guardian but the HMAC of their identity and the time: no age, no browser", async () => {
    const { child, guardian } = site();
    const kid = await child();
    const given = await guardian(kid.path);
    expect(given.res.status).toBe(200);
    expect(await rows("SELECT age, browser_hash, outcome FROM attempts WHERE outcome = 'guardian_consented'")).toEqual([
      { age: 0, browser_hash: "", outcome: "guardian_consented" },
    ]);
    expect(await rows("SELECT * FROM guardian_consents")).toEqual([
      { user_id: kid.body.user.id, guardian_key: expect.stringMatching(/^[0-9a-f]{64}$/), consented_at: expect.any(Number) },
    ]);
    // A repeat of the guardian's request still answers as the first did.
    const again = await given.g.verify({ imp_uid: given.cert.imp_uid, merchant_uid: given.cert.merchant_uid! });
    expect([again.status, ((await again.json()) as { outcome: string }).outcome]).toEqual([200, "guardian_consented"]);
  });

  it("a 17-year-old guardian: 403 guardian_not_adult; a guardian who is the child is reported first", async () => {
    const { child, guardian } = site();
    const kid = await child();
    const { res } = await guardian(kid.path, { birthday: "2009-06-01" });
    expect([res.status, await errorOf(res)]).toEqual([403, "guardian_not_adult"]);
    // The child, with the birthday of a minor, is the child first.
    const self = await guardian(kid.path, { ...CHILD, unique_key: kid.cert.unique_key });
    expect([self.res.status, await errorOf(self.res)]).toEqual([403, "guardian_is_child"]);
    await unchanged(kid.body.user.id);
  });

  it("a link used twice: the page says 409 consent_used, and a second guardian's verification changes nothing", async () => {
    const { h, child, guardian } = site();
    const kid = await child();
    // A second guardian opened the page before the first consented.
    const late = h.browser();
    const page = await late.send(kid.path);
    const { merchant_uid } = v.parse(iamportSchemas.prepare, pageConfigOf(await page.text()).attempt);
    const first = await guardian(kid.path);
    expect(first.res.status).toBe(200);
    const [record] = await rows("SELECT * FROM guardian_consents");
    const cert = h.stub.certify({ merchant_uid, name: "김민수", birthday: "1980-01-01" });
    const second = await late.verify({ imp_uid: cert.imp_uid, merchant_uid });
    expect([second.status, await errorOf(second)]).toEqual([409, "consent_used"]);
    expect(await rows("SELECT * FROM guardian_consents")).toEqual([record]);
    const reopened = await h.browser().send(kid.path);
    expect([reopened.status, await pageErrorOf(reopened)]).toEqual([409, "consent_used"]);
    // The first guardian's own repeat answers as before.
    const repeat = await first.g.verify({ imp_uid: first.cert.imp_uid, merchant_uid: first.cert.merchant_uid });
    expect(repeat.status).toBe(200);
  });
});

describe("guardian consent: races and the deadline", () => {
  it("two guardians consenting at once: one consent, the other 409 consent_used", async () => {
    const { h, child } = site();
    const kid = await child();
    const guardians = await Promise.all(
      ["김서연", "김민수"].map(async (name, i) => {
        const g = h.browser();
        const { merchant_uid } = v.parse(iamportSchemas.prepare, pageConfigOf(await (await g.send(kid.path)).text()).attempt);
        return { g, cert: h.stub.certify({ merchant_uid, name, birthday: `198${i}-01-01` }) };
      }),
    );
    const answers = await Promise.all(guardians.map(({ g, cert }) => g.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid })));
    const codes = await Promise.all(answers.map(async (r) => (r.status === 200 ? "ok" : await errorOf(r))));
    expect(codes.sort()).toEqual(["consent_used", "ok"]);
    expect(await rows("SELECT user_id FROM guardian_consents")).toEqual([{ user_id: kid.body.user.id }]);
    expect(await rows(`SELECT status FROM users WHERE id = '${kid.body.user.id}'`)).toEqual([{ status: "active" }]);
  });

  it("a consent racing the deadline and the clean-up: consented and active, or gone entirely — never half", async () => {
    for (const offset of [-1, 0]) {
      const { h, child, status } = site();
      const kid = await child();
      const deadline = Date.parse(kid.body.guardian.expires_at);
      // The guardian opens the link a minute before the deadline, and verifies at it.
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(deadline - 60_000);
      const g = h.browser();
      const { merchant_uid } = v.parse(iamportSchemas.prepare, pageConfigOf(await (await g.send(kid.path)).text()).attempt);
      const cert = h.stub.certify({ merchant_uid, ...PARENT });
      vi.setSystemTime(deadline + offset);
      const [res] = await Promise.all([
        g.verify({ imp_uid: cert.imp_uid, merchant_uid }),
        worker.scheduled(createScheduledController({ cron: "*/10 * * * *" }), env),
      ]);
      const users = await rows(`SELECT status FROM users WHERE id = '${kid.body.user.id}'`);
      const consents = await rows("SELECT * FROM guardian_consents");
      if (offset < 0) {
        expect(res.status).toBe(200);
        expect([users, consents.length]).toEqual([[{ status: "active" }], 1]);
      } else {
        expect([res.status, await errorOf(res)]).toEqual([410, "consent_expired"]);
        expect([users, consents]).toEqual([[], []]);
        expect(await status(kid.b)).toBe("expired");
        // Nothing of the child is left anywhere.
        const tables = (await rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf%'")) as { name: string }[];
        for (const { name } of tables) expect(JSON.stringify(await rows(`SELECT * FROM "${name}"`))).not.toMatch(/김하늘|2015-03-04/);
      }
      vi.useRealTimers();
      await env.DB.exec("DELETE FROM guardian_consents; DELETE FROM attempts; DELETE FROM users;");
    }
  });

  it("past the deadline, before the clean-up: the child's repeat is 410, and a new verification gets a new link", async () => {
    const { child } = site();
    const kid = await child();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.parse(kid.body.guardian.expires_at) + 1000);
    const repeat = await kid.b.verify({ imp_uid: kid.cert.imp_uid, merchant_uid: kid.cert.merchant_uid });
    expect([repeat.status, await errorOf(repeat)]).toEqual([410, "consent_expired"]);
    const fresh = await child(undefined, { unique_key: kid.cert.unique_key, unique_in_site: kid.cert.unique_in_site });
    expect(fresh.body.user.id).not.toBe(kid.body.user.id);
    expect(fresh.body.guardian.consent_url).not.toBe(kid.body.guardian.consent_url);
    expect(await rows(`SELECT id FROM users WHERE id = '${kid.body.user.id}'`)).toEqual([]);
  });
});
