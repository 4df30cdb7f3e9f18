import { env } from "cloudflare:workers";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import * as v from "valibot";
import { beforeEach, describe, expect, it } from "vitest";
import { forgetAccessCerts } from "../../src/http/access";
import { iamportSchemas } from "../../src/providers/iamport/schemas";
import { GuardianRequiredResponse } from "../../src/routes/responses";
import { answer } from "../support/answers";
import { hookedVars, recordingQueue, withQueue } from "../support/events";
import { harness } from "../support/harness";
import { pageErrorOf } from "../support/http";
import { pageConfigOf, relyingParty } from "../support/oidc";

// The operator console: only an operator gets in (Cloudflare Access in live mode, loopback in the sandbox); it counts
// every verification (in the success's batch, or by one write after a refusal), shows no personal data, and its two
// actions leave an audit row each.

const TEAM = "https://imp-ops.cloudflareaccess.com";
const AUD = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2";
const KID = "access-key-1";
const PERSON = { name: "홍길동", birthday: "1990-01-01", phone: "01012345678", unique_key: "ci-of-hong-gildong", unique_in_site: "di-of-hong" };

/** The team's key pair and its certs endpoint, as Cloudflare Access serves it (`keys` in JWK, plus PEM certs). */
const team = await generateKeyPair("RS256", { extractable: true });
const other = await generateKeyPair("RS256", { extractable: true });
let certFetches = 0;
const accessFetch = (async (input: RequestInfo | URL) => {
  const url = String(input instanceof Request ? input.url : input);
  if (url !== `${TEAM}/cdn-cgi/access/certs`) return new Response("not found", { status: 404 });
  certFetches++;
  const jwk = await exportJWK(team.publicKey);
  return Response.json({ keys: [{ ...jwk, kid: KID, alg: "RS256", use: "sig" }], public_cert: { kid: KID, cert: "" }, public_certs: [] });
}) as typeof fetch;

/** An application token as Access issues one (RS256, iss the team domain, aud an array with the app's tag). */
async function accessToken(o: { key?: CryptoKey; kid?: string; iss?: string; aud?: string; exp?: number; alg?: string; email?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ email: o.email ?? "ops@example.com", type: "app", identity_nonce: "n" })
    .setProtectedHeader({ alg: o.alg ?? "RS256", kid: o.kid ?? KID })
    .setIssuer(o.iss ?? TEAM)
    .setAudience([o.aud ?? AUD])
    .setSubject("00000000-0000-0000-0000-000000000001")
    .setIssuedAt(now - 60)
    .setNotBefore(now - 60)
    .setExpirationTime(o.exp ?? now + 3600)
    .sign(o.key ?? team.privateKey);
}

const accessVars = { ADMIN_ACCESS_TEAM_URL: TEAM, ADMIN_ACCESS_AUD: AUD };
const vars: Record<string, string> = { ...(await hookedVars({ app: true })), ...accessVars };

beforeEach(async () => {
  await env.DB.exec(
    "DELETE FROM daily_counts; DELETE FROM audit_log; DELETE FROM events; DELETE FROM guardian_consents; DELETE FROM oidc_codes; DELETE FROM grants; DELETE FROM attempts; DELETE FROM users; DELETE FROM withdrawals;",
  );
});

type Row = Record<string, unknown>;
const rows = async (sql: string, ...binds: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...binds)
      .all<Row>()
  ).results;
const counts = async () =>
  Object.fromEntries(
    (await rows("SELECT outcome, client_id, pg_code, SUM(count) AS n FROM daily_counts GROUP BY outcome, client_id, pg_code")).map((r) => [
      `${r.outcome}${r.client_id ? `@${r.client_id}` : ""}${r.pg_code ? `#${r.pg_code}` : ""}`,
      r.n,
    ]),
  );

/** A live deployment with the console behind Access (and a recording EVENTS queue). */
function site(extra: Record<string, string> = {}) {
  const { queue, sent } = recordingQueue();
  const h = harness(withQueue({ ...vars, ...extra }, queue), { accessFetch });
  const console = async (path = "/admin", init: RequestInit & { token?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    const token = init.token === undefined ? await accessToken() : init.token;
    if (token !== null) headers.set("Cf-Access-Jwt-Assertion", token);
    return h.request(path, { ...init, headers });
  };
  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = { Origin: vars.PUBLIC_URL! }) =>
    console(path, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(form),
    });
  return { h, sent, console, post };
}

describe("console: who gets in (live mode, Cloudflare Access)", () => {
  it("a valid Access token opens the console", async () => {
    const res = await site().console();
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(await res.text()).toContain('id="summary"');
  });

  const refused = async (token: string | null) => {
    const res = await site().console("/admin", { token });
    expect(res.status).toBe(403);
    expect(await pageErrorOf(res)).toBe("forbidden");
  };

  it("no Cf-Access-Jwt-Assertion header: 403", () => refused(null));
  it("a token for another Access application (aud): 403", async () => refused(await accessToken({ aud: "0".repeat(64) })));
  it("a token from another team (iss): 403", async () => refused(await accessToken({ iss: "https://evil.cloudflareaccess.com" })));
  it("an expired token: 403", async () => refused(await accessToken({ exp: Math.floor(Date.now() / 1000) - 10 })));
  it("a token signed by another key under the team's kid: 403", async () => refused(await accessToken({ key: other.privateKey })));
  it("a token under a kid the team does not have: 403", async () => refused(await accessToken({ key: other.privateKey, kid: "made-up" })));
  it("an unsigned token (alg none): 403", async () => {
    const valid = await accessToken();
    const [, claims] = valid.split(".");
    const header = btoa(JSON.stringify({ alg: "none", kid: KID })).replace(/=+$/, "");
    await refused(`${header}.${claims}.`);
  });
  it("an HS256 token 'signed' with the public key's text: 403", async () => {
    const secret = new TextEncoder().encode(JSON.stringify(await exportJWK(team.publicKey)));
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ email: "ops@example.com" })
      .setProtectedHeader({ alg: "HS256", kid: KID })
      .setIssuer(TEAM)
      .setAudience([AUD])
      .setExpirationTime(now + 60)
      .sign(secret);
    await refused(forged);
  });

  it("actions are refused the same way: no action, no audit row", async () => {
    const { post, console } = site();
    const res = await console("/admin/erase", {
      method: "POST",
      token: null,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "sub=usr_x&client_id=shop",
    });
    expect(res.status).toBe(403);
    expect(await rows("SELECT * FROM audit_log")).toEqual([]);
    expect((await post("/admin/erase", { sub: "usr_x", client_id: "shop" })).status).toBe(303);
  });

  it("made-up key ids do not each fetch the team's certs: at most one fetch a minute", async () => {
    forgetAccessCerts();
    certFetches = 0;
    const s = site();
    expect((await s.console()).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await s.console("/admin", { token: await accessToken({ kid: `made-up-${i}` }) })).status).toBe(403);
    expect(certFetches).toBe(1);
  });

  it("a live deployment without ADMIN_ACCESS_TEAM_URL and ADMIN_ACCESS_AUD has no console: 404", async () => {
    const res = await site({ ADMIN_ACCESS_TEAM_URL: "", ADMIN_ACCESS_AUD: "" }).console();
    expect(res.status).toBe(404);
    expect(await pageErrorOf(res)).toBe("not_found");
  });

  it("one of the two vars without the other, a team URL with a path, or an aud that is no tag: configuration problems", async () => {
    const problems = async (extra: Record<string, string>) =>
      ((await (await harness({ ...vars, ...extra }).request("/healthz")).json()) as { problems?: string[] }).problems ?? [];
    expect(await problems({ ADMIN_ACCESS_AUD: "" })).toEqual(["ADMIN_ACCESS_AUD"]);
    expect(await problems({ ADMIN_ACCESS_TEAM_URL: "" })).toEqual(["ADMIN_ACCESS_TEAM_URL"]);
    expect(await problems({ ADMIN_ACCESS_TEAM_URL: `${TEAM}/cdn-cgi` })).toEqual(["ADMIN_ACCESS_TEAM_URL"]);
    expect(await problems({ ADMIN_ACCESS_TEAM_URL: "http://imp-ops.cloudflareaccess.com" })).toEqual(["ADMIN_ACCESS_TEAM_URL"]);
    expect(await problems({ ADMIN_ACCESS_AUD: "my-app" })).toEqual(["ADMIN_ACCESS_AUD"]);
  });
});

describe("console: who gets in (sandbox mode)", () => {
  const sandbox = (ip?: string) =>
    harness({ IMP_MODE: "sandbox" }).request("/admin", { headers: ip === undefined ? {} : { "CF-Connecting-IP": ip } });

  it("open to loopback addresses", async () => {
    for (const ip of ["127.0.0.1", "::1"]) expect((await sandbox(ip)).status).toBe(200);
  });

  it("any other address, or none: 403", async () => {
    for (const ip of ["203.0.113.7", "10.0.0.1", "::ffff:203.0.113.7", undefined]) {
      const res = await sandbox(ip);
      expect(res.status).toBe(403);
      expect(await pageErrorOf(res)).toBe("forbidden");
    }
  });
});

describe("console: counting", () => {
  it("a success is counted in its own batch, per client; a repeat is not counted again", async () => {
    const { h } = site();
    const b = h.browser();
    const shop = relyingParty(h, "shop");
    const first = await shop.signIn(b, PERSON);
    expect(first.status).toBe(200);
    expect(await counts()).toEqual({ "new_user@shop": 1 });
    // The same request again (a double click): the same answer, nothing counted.
    expect((await b.verify({ imp_uid: first.cert.imp_uid, merchant_uid: first.merchant_uid })).status).toBe(200);
    expect(await counts()).toEqual({ "new_user@shop": 1 });
    // The page's own flow: no client.
    const cert = await b.certified(PERSON);
    expect((await b.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid })).status).toBe(200);
    expect(await counts()).toEqual({ "new_user@shop": 1, existing_user: 1 });
    const [row] = await rows("SELECT day, provider, pg FROM daily_counts LIMIT 1");
    expect(row).toMatchObject({ provider: "v1", pg: "" });
    expect(row!.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("a refusal is counted by its error code, once per request", async () => {
    const { h } = site({ MIN_AGE: "19" });
    const b = h.browser();
    const young = await b.certified({ ...PERSON, birthday: "2015-01-01" });
    expect((await b.verify({ imp_uid: young.imp_uid, merchant_uid: young.merchant_uid })).status).toBe(403);
    const unfinished = await b.certified({ ...PERSON, certified: false });
    expect((await b.verify({ imp_uid: unfinished.imp_uid, merchant_uid: unfinished.merchant_uid })).status).toBe(422);
    expect((await b.verify({ imp_uid: "imp_999999999999", merchant_uid: unfinished.merchant_uid })).status).toBe(404);
    expect(await counts()).toEqual({ age_restricted: 1, not_certified: 1, certification_not_found: 1 });
  });

  it("a refusal on the redirect route is counted too", async () => {
    const { h } = site();
    const b = h.browser();
    const cert = await b.certified({ ...PERSON, certified: false });
    const res = await b.send(`/certifications/redirect?imp_uid=${cert.imp_uid}&merchant_uid=${cert.merchant_uid}&imp_success=false`);
    expect(res.status).toBe(422);
    expect(await counts()).toEqual({ not_certified: 1 });
  });

  it("V2: a failed verification is counted with the PG's own code, under provider v2", async () => {
    const { h } = site({ PORTONE_VERSION: "v2", PORTONE_PG: "danal" });
    const b = h.browser();
    const attempt = await b.prepareV2();
    h.portone.pending(attempt.identity_verification_id, "FAILED", { failure: { reason: "계약 오류", pgCode: "9010" } });
    expect((await b.verify({ identity_verification_id: attempt.identity_verification_id })).status).toBe(422);
    expect(await counts()).toEqual({ "not_certified#9010": 1 });
    expect(await rows("SELECT provider, pg FROM daily_counts")).toEqual([{ provider: "v2", pg: "danal" }]);
  });

  it("a PG code that is not a code (a message, a birth date, a phone number) is left out", async () => {
    const { h } = site({ PORTONE_VERSION: "v2" });
    for (const pgCode of ["홍길동 010-1234-5678", "900101", "01012345678"]) {
      const b = h.browser();
      const attempt = await b.prepareV2();
      h.portone.pending(attempt.identity_verification_id, "FAILED", { failure: { pgCode } });
      expect((await b.verify({ identity_verification_id: attempt.identity_verification_id })).status).toBe(422);
    }
    expect(await counts()).toEqual({ not_certified: 3 });
  });

  it("a child waiting for a guardian, and the guardian's consent, are counted as such", async () => {
    const { h } = site({ MIN_AGE: "7" });
    const child = h.browser();
    const cert = await child.certified({ ...PERSON, name: "김하늘", birthday: "2015-03-04", unique_key: "ci-child", unique_in_site: "di-child" });
    const res = await child.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid });
    expect(res.status).toBe(202);
    const body = await answer(res, GuardianRequiredResponse);
    const g = h.browser();
    const page = await g.send(new URL(body.guardian.consent_url).pathname);
    const { merchant_uid } = v.parse(iamportSchemas.prepare, pageConfigOf(await page.text()).attempt);
    const parent = h.stub.certify({ merchant_uid, name: "김서연", birthday: "1984-05-06", unique_key: "ci-parent", unique_in_site: "di-parent" });
    expect((await g.verify({ imp_uid: parent.imp_uid, merchant_uid })).status).toBe(200);
    expect(await counts()).toEqual({ guardian_required: 1, guardian_consented: 1 });
  });

  it("a page view and a prepare count nothing", async () => {
    const { h } = site();
    const b = h.browser();
    await b.send("/");
    await b.prepare();
    expect(await counts()).toEqual({});
  });
});

describe("console: what it shows", () => {
  it("the counts as charts with tables, and no personal data anywhere on the page", async () => {
    const s = site({ MIN_AGE: "19" });
    const b = s.h.browser();
    await relyingParty(s.h, "shop").signIn(b, PERSON);
    const young = await b.certified({ ...PERSON, birthday: "2015-01-01", unique_key: "ci-young", unique_in_site: "di-young" });
    await b.verify({ imp_uid: young.imp_uid, merchant_uid: young.merchant_uid });
    const html = await (await s.console("/admin?lang=en")).text();
    expect(html).toContain('data-figure="total">2<');
    expect(html).toContain('data-figure="rate">50.0%<');
    expect(html).toContain('id="chart-per-day"');
    expect(html).toContain('data-outcome="new_user"');
    expect(html).toMatch(/data-error="age_restricted".*Younger than MIN_AGE/s);
    expect(html).toMatch(/data-client="shop".*data-grants>0</s);
    for (const secret of [PERSON.name, PERSON.birthday, PERSON.phone, PERSON.unique_key, PERSON.unique_in_site, "2015-01-01", "ci-young"]) {
      expect(html).not.toContain(secret);
    }
    const [user] = await rows("SELECT id FROM users");
    expect(html).not.toContain(String(user!.id));
  });

  it("rotation progress: accounts still under a previous HMAC key", async () => {
    const previous = env.IDENTITY_HMAC_KEY;
    const old = site();
    const b = old.h.browser();
    const cert = await b.certified(PERSON);
    await b.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid });
    const rotated = site({ IDENTITY_HMAC_KEY: "vGz0sM8lJq1dN3xR5tW7yA9cE2fH4kL6pS8uB0nD1mQ", IDENTITY_HMAC_PREVIOUS_KEYS: previous });
    expect(await (await rotated.console("/admin?lang=en")).text()).toContain('data-rotation-left="1"');
    expect(await (await old.console("/admin?lang=en")).text()).toContain('data-rotation-left="0"');
  });

  it("the configuration's problems, as /healthz names them", async () => {
    const html = await (await site({ MIN_AGE: "nineteen" }).console("/admin?lang=en")).text();
    expect(html).toMatch(/data-config="problems"><li><code>MIN_AGE<\/code>/);
  });

  it("Korean by default for a Korean browser, with a link to English", async () => {
    const html = await (await site().console("/admin", { headers: { "Accept-Language": "ko-KR" } })).text();
    expect(html).toContain('<html lang="ko">');
    expect(html).toContain("운영자 콘솔");
  });
});

describe("console: actions", () => {
  it("redeliver: a failed event goes out again, with an audit row naming the operator", async () => {
    const s = site();
    const shop = relyingParty(s.h, "shop");
    await shop.signIn(s.h.browser(), PERSON);
    const [event] = await rows("SELECT id FROM events");
    await env.DB.prepare("UPDATE events SET status = 'failed', tries = 12 WHERE id = ?").bind(event!.id).run();
    expect(await (await s.console("/admin?lang=en")).text()).toContain(`data-event="${event!.id}"`);
    s.sent.length = 0;
    const res = await s.post(`/admin/events/${event!.id}/redeliver?lang=en`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/admin?lang=en&done=redelivered#webhooks");
    expect(await rows("SELECT status, tries FROM events")).toEqual([{ status: "pending", tries: 0 }]);
    expect(s.sent).toEqual([{ id: event!.id, tries: 0 }]);
    expect(await rows("SELECT actor, action, target, result FROM audit_log")).toEqual([
      { actor: "ops@example.com", action: "redeliver", target: event!.id, result: "done" },
    ]);
    expect(await (await s.console("/admin?lang=en&done=redelivered")).text()).toContain('data-notice="redelivered"');
  });

  it("redeliver an unknown event: nothing queued, audited as not found", async () => {
    const s = site();
    const res = await s.post(`/admin/events/evt_000000000${"0".repeat(16)}/redeliver`, {});
    expect(res.headers.get("Location")).toContain("done=redeliver_not_found");
    expect(s.sent).toEqual([]);
    expect(await rows("SELECT action, result FROM audit_log")).toEqual([{ action: "redeliver", result: "not_found" }]);
  });

  it("erase: the whole account goes, every client holding a grant gets user.deleted, and the audit log says who", async () => {
    const s = site({ REJOIN_COOLDOWN_DAYS: "30" });
    const shop = relyingParty(s.h, "shop");
    const app = relyingParty(s.h, "app");
    const atShop = await shop.signIn(s.h.browser(), PERSON);
    await app.signIn(s.h.browser(), PERSON);
    const [grant] = await rows("SELECT sub FROM grants WHERE client_id = 'shop'");
    const [appGrant] = await rows("SELECT sub FROM grants WHERE client_id = 'app'");
    expect(atShop.status).toBe(200);
    s.sent.length = 0;
    const res = await s.post("/admin/erase", { client_id: "shop", sub: String(grant!.sub) });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toContain("done=erased");
    expect(res.headers.get("Location")).not.toContain(String(grant!.sub));
    expect(await rows("SELECT * FROM users")).toEqual([]);
    expect(await rows("SELECT * FROM grants")).toEqual([]);
    expect((await rows("SELECT * FROM withdrawals")).length).toBe(2);
    const deleted = await rows("SELECT client_id, sub, reason FROM events WHERE type = 'user.deleted' ORDER BY client_id");
    expect(deleted).toEqual([
      { client_id: "app", sub: appGrant!.sub, reason: "erased" },
      { client_id: "shop", sub: grant!.sub, reason: "erased" },
    ]);
    expect(s.sent.map((m) => m.tries)).toEqual([0, 0]);
    expect(await rows("SELECT actor, action, target, result FROM audit_log")).toEqual([
      { actor: "ops@example.com", action: "erase", target: `shop ${grant!.sub}`, result: "done" },
    ]);
    // The site API knows the person no more.
    expect((await shop.site("GET", String(grant!.sub))).status).toBe(404);
  });

  it("erase someone the client does not know, or with a malformed sub: nothing erased", async () => {
    const s = site();
    await relyingParty(s.h, "shop").signIn(s.h.browser(), PERSON);
    const [grant] = await rows("SELECT sub FROM grants WHERE client_id = 'shop'");
    expect((await s.post("/admin/erase", { client_id: "app", sub: String(grant!.sub) })).headers.get("Location")).toContain("done=erase_not_found");
    expect((await s.post("/admin/erase", { client_id: "shop", sub: "<script>" })).headers.get("Location")).toContain("done=erase_invalid");
    expect((await s.post("/admin/erase", { client_id: "nobody", sub: String(grant!.sub) })).headers.get("Location")).toContain("done=erase_invalid");
    expect((await rows("SELECT * FROM users")).length).toBe(1);
    expect(await rows("SELECT action, result FROM audit_log")).toEqual([{ action: "erase", result: "not_found" }]);
  });

  it("a form posted from another site is refused; Origin null counts only with Sec-Fetch-Site: same-origin", async () => {
    const s = site();
    await relyingParty(s.h, "shop").signIn(s.h.browser(), PERSON);
    const [grant] = await rows("SELECT sub FROM grants");
    const form = { client_id: "shop", sub: String(grant!.sub) };
    const forged: Record<string, string>[] = [
      { Origin: "https://evil.example" },
      { Origin: "null" },
      { Origin: "null", "Sec-Fetch-Site": "cross-site" },
      { "Sec-Fetch-Site": "same-site" },
    ];
    for (const headers of forged) {
      const res = await s.post("/admin/erase", form, headers);
      expect(res.status).toBe(403);
      expect(await pageErrorOf(res)).toBe("forbidden_origin");
    }
    expect((await rows("SELECT * FROM users")).length).toBe(1);
    const res = await s.post("/admin/erase", form, { Origin: "null", "Sec-Fetch-Site": "same-origin" });
    expect(res.headers.get("Location")).toContain("done=erased");
  });
});
