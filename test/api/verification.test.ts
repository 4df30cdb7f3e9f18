import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hmacHex } from "../../src/lib/crypto";
import { iamportSchemas } from "../../src/providers/iamport/schemas";
import { answer, V1Verification } from "../support/answers";
import { count, snapshot } from "../support/db";
import { harness, ORIGIN } from "../support/harness";
import { errorOf } from "../support/http";

describe("POST /certifications — the happy path", () => {
  /** A person verifies for the first time (`first`), then again in another browser (`second`). */
  async function twice(ci: string) {
    const h = harness();
    const first = h.browser();
    const cert = await first.certified({ name: "김하나", gender: "female", birthday: "1991-04-05", unique_key: ci });
    const res = await first.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid });
    expect(res.status).toBe(200);
    const body = await answer(res, V1Verification);
    const again = h.browser();
    const second = await again.certified({ name: "김하나", birthday: "1991-04-05", unique_key: ci });
    const res2 = await again.verify({ imp_uid: second.imp_uid });
    expect(res2.status).toBe(200);
    return { cert, body, second, body2: await answer(res2, V1Verification) };
  }

  it("creates a new user: the person and the verification, in V1's names", async () => {
    const { cert, body } = await twice("CI-kim-a");
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
      verification: {
        provider: "v1",
        imp_uid: cert.imp_uid,
        merchant_uid: cert.merchant_uid,
        certified_at: new Date(cert.certified_at * 1000).toISOString(),
      },
    });
    expect(Math.abs(Date.parse(body.user.created_at) - Date.now())).toBeLessThan(60_000);
  });

  it("recognises the same person as an existing user: the same id and the account's own creation time", async () => {
    const { body, body2 } = await twice("CI-kim-b");
    expect(body2.outcome).toBe("existing_user");
    expect(body2.user.id).toBe(body.user.id);
    expect(body2.user.created_at).toBe(body.user.created_at); // the account's creation, not this attempt's
    expect(await count("users", "identity_key = ?", await hmacHex(env.IDENTITY_HMAC_KEY, "CI-kim-b"))).toBe(1);
  });

  it("stores each attempt with its result and what it came to", async () => {
    const { cert, second } = await twice("CI-kim-c");
    const outcomes = await env.DB.prepare("SELECT merchant_uid, imp_uid, outcome FROM attempts WHERE merchant_uid IN (?, ?)")
      .bind(cert.merchant_uid, second.merchant_uid)
      .all<{ merchant_uid: string; imp_uid: string; outcome: string }>();
    expect(Object.fromEntries(outcomes.results.map((r) => [r.merchant_uid, [r.imp_uid, r.outcome]]))).toEqual({
      [cert.merchant_uid!]: [cert.imp_uid, "new_user"],
      [second.merchant_uid!]: [second.imp_uid, "existing_user"],
    });
  });

  it("stores only keyed hashes of CI and DI", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified({ unique_key: "CI-secret-value", unique_in_site: "DI-secret-value" });
    expect((await b.verify({ imp_uid: cert.imp_uid })).status).toBe(200);
    const dump = await snapshot();
    expect(dump).not.toContain("CI-secret-value");
    expect(dump).not.toContain("DI-secret-value");
    expect(dump).toContain(await hmacHex(env.IDENTITY_HMAC_KEY, "CI-secret-value"));
  });

  it("accepts a body with only imp_uid, as i'mport's integration guide sends it", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified();
    expect((await b.verify({ imp_uid: cert.imp_uid })).status).toBe(200);
  });

  it("answers a repeated request for a finished attempt with the same body and changes nothing", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified();
    const first = await (await b.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid })).text();
    const before = await snapshot();
    const again = await b.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid });
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(first);
    const withoutMerchantUid = await b.verify({ imp_uid: cert.imp_uid });
    expect(await withoutMerchantUid.text()).toBe(first);
    expect(await snapshot()).toBe(before);
  });

  it("answers a repeat from D1 when i'mport has since deleted the certification or is failing", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified();
    const first = await (await b.verify({ imp_uid: cert.imp_uid })).text();
    h.stub.fail("getCertification", { kind: "status", status: 503 }, 2);
    const duringOutage = await b.verify({ imp_uid: cert.imp_uid });
    expect(duringOutage.status).toBe(200);
    expect(await duringOutage.text()).toBe(first);
    h.stub.certifications.delete(cert.imp_uid);
    const afterDelete = await b.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid });
    expect(afterDelete.status).toBe(200);
    expect(await afterDelete.text()).toBe(first);
    // Another browser learns nothing from it.
    const other = h.browser();
    await other.prepare();
    const res = await other.verify({ imp_uid: cert.imp_uid });
    expect(res.status).toBe(404);
  });

  it("falls back to `birth` (seconds at 00:00 KST) when `birthday` is missing", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified({ birthday: null, birth: Date.UTC(1980, 4, 31, 15) / 1000 });
    const body = await answer(await b.verify({ imp_uid: cert.imp_uid }), V1Verification);
    expect(body.user.birthday).toBe("1980-06-01");
  });
});

describe("POST /certifications — attacks", () => {
  it("refuses someone else's imp_uid (another browser) and leaves it usable for its owner", async () => {
    const h = harness();
    const victim = h.browser();
    const attacker = h.browser();
    await attacker.prepare();
    const cert = await victim.certified();
    const res = await attacker.verify({ imp_uid: cert.imp_uid });
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toBe("session_mismatch");
    expect((await victim.verify({ imp_uid: cert.imp_uid })).status).toBe(200);
  });

  it("says nothing about someone else's certification: session_mismatch before age or completeness", async () => {
    const h = harness();
    const victim = h.browser();
    const attacker = h.browser();
    await attacker.prepare();
    for (const fields of [{ birthday: "2015-01-01" }, { certified: false }, { unique_key: "" }]) {
      const cert = await victim.certified(fields);
      const res = await attacker.verify({ imp_uid: cert.imp_uid });
      expect(res.status).toBe(403);
      expect(await errorOf(res)).toBe("session_mismatch");
    }
  });

  it("refuses a request without the binding cookie", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified();
    b.cookie = "";
    const res = await b.verify({ imp_uid: cert.imp_uid });
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toBe("session_mismatch");
  });

  it("refuses a certification whose merchant_uid was not issued here", async () => {
    const h = harness();
    const b = h.browser();
    await b.prepare();
    for (const merchant_uid of ["ORD20180131-0000011", null]) {
      const cert = h.stub.certify({ merchant_uid });
      const res = await b.verify({ imp_uid: cert.imp_uid });
      expect(res.status).toBe(403);
      expect(await errorOf(res)).toBe("unknown_merchant_uid");
    }
  });

  it("refuses a body merchant_uid that differs from the certification's", async () => {
    const h = harness();
    const b = h.browser();
    const other = await b.prepare();
    const cert = await b.certified();
    const res = await b.verify({ imp_uid: cert.imp_uid, merchant_uid: other.merchant_uid });
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toBe("unknown_merchant_uid");
  });

  it("completes an attempt once: a second certification for it is refused", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified();
    expect((await b.verify({ imp_uid: cert.imp_uid })).status).toBe(200);
    const replay = h.stub.certify({ merchant_uid: cert.merchant_uid, unique_key: "CI-someone-else" });
    const before = await snapshot();
    const res = await b.verify({ imp_uid: replay.imp_uid });
    expect(res.status).toBe(409);
    expect(await errorOf(res)).toBe("imp_uid_reused");
    expect(await snapshot()).toBe(before);
  });

  it("refuses an expired attempt", async () => {
    const h = harness();
    const b = h.browser();
    const merchant_uid = await b.mint(Date.now() - 1000);
    const cert = h.stub.certify({ merchant_uid, certified_at: Math.floor(Date.now() / 1000) - 60 });
    const res = await b.verify({ imp_uid: cert.imp_uid });
    expect(res.status).toBe(410);
    expect(await errorOf(res)).toBe("session_expired");
    // With the id in the body, it is refused before i'mport is asked.
    const calls = h.stub.calls.getCertification;
    const early = await b.verify({ imp_uid: cert.imp_uid, merchant_uid });
    expect([early.status, await errorOf(early)]).toEqual([410, "session_expired"]);
    expect(h.stub.calls.getCertification).toBe(calls);
  });

  it("answers a repeat of a finished attempt with the same body after it expired, and nobody else", async () => {
    const h = harness();
    const b = h.browser();
    const merchant_uid = await b.mint(Date.now() + 2000);
    const cert = h.stub.certify({ merchant_uid });
    const first = await b.verify({ imp_uid: cert.imp_uid });
    expect(first.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const again = await b.verify({ imp_uid: cert.imp_uid });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(await first.json());
  });

  it("refuses forged, altered and foreign attempt ids before asking i'mport", async () => {
    const h = harness();
    const owner = h.browser();
    const { merchant_uid } = await owner.prepare();
    const stranger = h.browser();
    await stranger.prepare();
    const altered = merchant_uid.slice(0, 5) + (merchant_uid[5] === "A" ? "B" : "A") + merchant_uid.slice(6);
    for (const [id, code] of [
      ["A".repeat(40), "unknown_merchant_uid"],
      [altered, "unknown_merchant_uid"],
      ["mid0123456789abcdef", "unknown_merchant_uid"],
    ] as const) {
      const res = await owner.verify({ imp_uid: "imp_1", merchant_uid: id });
      expect([res.status, await errorOf(res)]).toEqual([403, code]);
    }
    const foreign = await stranger.verify({ imp_uid: "imp_1", merchant_uid });
    expect([foreign.status, await errorOf(foreign)]).toEqual([403, "session_mismatch"]);
    const noCookie = await h.request("/certifications", {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: ORIGIN },
      body: JSON.stringify({ imp_uid: "imp_1", merchant_uid }),
    });
    expect([noCookie.status, await errorOf(noCookie)]).toEqual([403, "session_mismatch"]);
    expect(h.stub.calls.getToken + h.stub.calls.getCertification).toBe(0);
  });

  it("requires certified === true, and leaves the attempt usable until it is", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified({ certified: false });
    const res = await b.verify({ imp_uid: cert.imp_uid });
    expect(res.status).toBe(422);
    expect(await errorOf(res)).toBe("not_certified");
    cert.certified = true;
    expect((await b.verify({ imp_uid: cert.imp_uid })).status).toBe(200);
  });

  it("requires certified_at inside the attempt's lifetime", async () => {
    const h = harness();
    const b = h.browser();
    const early = await b.certified({ certified_at: Math.floor(Date.now() / 1000) - 3600 });
    const res = await b.verify({ imp_uid: early.imp_uid });
    expect(res.status).toBe(422);
    expect(await errorOf(res)).toBe("not_certified");
    const late = await b.certified({ certified_at: Math.floor(Date.now() / 1000) + 3600 });
    expect(await errorOf(await b.verify({ imp_uid: late.imp_uid }))).toBe("not_certified");
  });

  it("refuses a certification with neither a usable unique_key (CI) nor a unique_in_site (DI)", async () => {
    const h = harness();
    const b = h.browser();
    for (const unique_key of ["", null, "   "]) {
      const cert = await b.certified({ unique_key, unique_in_site: null });
      const before = await snapshot();
      const res = await b.verify({ imp_uid: cert.imp_uid });
      expect(res.status).toBe(422);
      expect(await errorOf(res)).toBe("identity_unavailable");
      expect(await snapshot()).toBe(before);
    }
  });

  it("answers 404 for an imp_uid i'mport does not know", async () => {
    const h = harness();
    const b = h.browser();
    await b.prepare();
    const res = await b.verify({ imp_uid: "imp_999999999999" });
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toBe("certification_not_found");
  });
});

describe("POST /certifications — minimum age", () => {
  const seoulToday = () => new Date(Date.now() + 9 * 3600_000);
  const yearsAgo = (years: number, dayShift = 0) => {
    const t = seoulToday();
    const d = new Date(Date.UTC(t.getUTCFullYear() - years, t.getUTCMonth(), t.getUTCDate() + dayShift));
    return d.toISOString().slice(0, 10);
  };

  it("international: 19 on the birthday is allowed, the day before is not", async () => {
    const h = harness({ MIN_AGE: "19", AGE_RULE: "international" });
    const b = h.browser();
    const tooYoung = await b.certified({ birthday: yearsAgo(19, 1) });
    const res = await b.verify({ imp_uid: tooYoung.imp_uid });
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toBe("age_restricted");
    const today = await b.certified({ birthday: yearsAgo(19) });
    const ok = await b.verify({ imp_uid: today.imp_uid });
    expect(ok.status).toBe(200);
    expect((await answer(ok, V1Verification)).user.age).toBe(19);
  });

  it("youth_act: allowed from 1 January of the year one turns 19", async () => {
    const h = harness({ MIN_AGE: "19", AGE_RULE: "youth_act" });
    const b = h.browser();
    const year = seoulToday().getUTCFullYear();
    const late = await b.certified({ birthday: `${year - 19}-12-31` });
    expect((await b.verify({ imp_uid: late.imp_uid })).status).toBe(200);
    const next = await b.certified({ birthday: `${year - 18}-01-01` });
    expect(await errorOf(await b.verify({ imp_uid: next.imp_uid }))).toBe("age_restricted");
  });

  it("MIN_AGE=0 turns the check off (a child then joins only with a guardian's consent, unless that is off too)", async () => {
    const h = harness({ MIN_AGE: "0", GUARDIAN_CONSENT_UNDER: "0" });
    const b = h.browser();
    const child = await b.certified({ birthday: yearsAgo(8) });
    expect((await b.verify({ imp_uid: child.imp_uid })).status).toBe(200);
  });
});

describe("POST /certifications — bad input changes nothing", () => {
  const cases: Array<[string, RequestInit, number, string]> = [
    ["malformed JSON", { body: "{imp_uid:", headers: { "Content-Type": "application/json" } }, 400, "invalid_request"],
    ["an array", { body: "[]", headers: { "Content-Type": "application/json" } }, 400, "invalid_request"],
    ["no imp_uid", { body: "{}", headers: { "Content-Type": "application/json" } }, 400, "invalid_request"],
    ["a numeric imp_uid", { body: '{"imp_uid":123}', headers: { "Content-Type": "application/json" } }, 400, "invalid_request"],
    [
      "an imp_uid that is not imp_ + digits",
      { body: '{"imp_uid":"imp_12a"}', headers: { "Content-Type": "application/json" } },
      400,
      "invalid_request",
    ],
    [
      "an ill-typed merchant_uid",
      { body: '{"imp_uid":"imp_1","merchant_uid":7}', headers: { "Content-Type": "application/json" } },
      400,
      "invalid_request",
    ],
    [
      "a body over 8 KiB",
      { body: JSON.stringify({ imp_uid: "imp_1", pad: "x".repeat(9000) }), headers: { "Content-Type": "application/json" } },
      413,
      "payload_too_large",
    ],
    ["a form body", { body: "imp_uid=imp_1", headers: { "Content-Type": "application/x-www-form-urlencoded" } }, 415, "unsupported_media_type"],
    ["no content type", { body: '{"imp_uid":"imp_1"}' }, 415, "unsupported_media_type"],
    [
      "a foreign Origin",
      { body: '{"imp_uid":"imp_1"}', headers: { "Content-Type": "application/json", Origin: "https://evil.example" } },
      403,
      "forbidden_origin",
    ],
  ];

  it.each(cases)("%s", async (_name, init, status, code) => {
    const h = harness();
    const b = h.browser();
    await b.certified();
    const before = await snapshot();
    const res = await b.send("/certifications", { method: "POST", ...init });
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ error: { code, message: expect.any(String) } });
    expect(await snapshot()).toBe(before);
    expect(h.stub.calls.getCertification).toBe(0);
  });

  it("with PUBLIC_URL set, the app's own origin is PUBLIC_URL's: a POST whose Origin matches only a forged Host is 403", async () => {
    const h = harness({ PUBLIC_URL: "https://verify.shop.example" });
    // A request that reached the Worker under another host name (a misrouted or proxied one), from a page there.
    const forged = await h.request("http://evil.example/certifications/prepare", { method: "POST", headers: { Origin: "http://evil.example" } });
    expect([forged.status, ((await forged.json()) as { error: { code: string } }).error.code]).toEqual([403, "forbidden_origin"]);
    const own = await h.request("/certifications/prepare", { method: "POST", headers: { Origin: "https://verify.shop.example" } });
    expect(own.status).toBe(201);
  });

  it("allows origins listed in ALLOWED_ORIGINS", async () => {
    const h = harness({ ALLOWED_ORIGINS: "https://shop.example, https://app.example" });
    const res = await h.request("/certifications/prepare", { method: "POST", headers: { Origin: "https://app.example" } });
    expect(res.status).toBe(201);
  });
});

describe("POST /certifications/prepare", () => {
  const prepared = async () => {
    const h = harness({ IMP_CHANNEL_KEY: "channel-key-1", IMP_COMPANY: "example.com" });
    const res = await h.request("/certifications/prepare", { method: "POST", headers: { Origin: ORIGIN } });
    expect(res.status).toBe(201);
    return { res, body: await answer(res, iamportSchemas.prepare) };
  };

  it("issues an unguessable merchant_uid with what the SDK needs", async () => {
    const { body } = await prepared();
    expect(body).toEqual({
      provider: "v1",
      merchant_uid: expect.stringMatching(/^[A-Za-z0-9]{40}$/),
      expires_at: expect.any(String),
      imp_code: "imp12345678",
      params: { channelKey: "channel-key-1", company: "example.com" },
    });
  });

  it("the attempt lasts SESSION_TTL_SECONDS, rounded up to the second", async () => {
    const { body } = await prepared();
    const expiresIn = Date.parse(body.expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(890_000);
    expect(expiresIn).toBeLessThanOrEqual(901_000);
  });

  it("binds it to an HttpOnly, SameSite=Lax cookie for the whole site (not Secure on http://localhost)", async () => {
    const cookie = (await prepared()).res.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(/^imp_browser=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{22};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/;/);
    expect(cookie).not.toMatch(/Secure/);
  });

  it("marks the cookie Secure on any other origin", async () => {
    const h = harness();
    const res = await h.request("https://verify.example.com/certifications/prepare", { method: "POST" });
    expect(res.headers.get("Set-Cookie")).toMatch(/; Secure/);
  });

  it("refuses a body that is not a JSON object, and writes nothing", async () => {
    const h = harness();
    const before = await snapshot();
    const json = { "Content-Type": "application/json" };
    for (const init of [{ body: "nope" }, { body: "{}" }, ...["[]", "null", '"x"', "{", "1"].map((body) => ({ body, headers: json }))]) {
      const res = await h.request("/certifications/prepare", { method: "POST", ...init });
      expect([res.status, await errorOf(res)]).toEqual([400, "invalid_request"]);
    }
    expect(await snapshot()).toBe(before);
  });

  it("takes no body, an empty JSON body, or {}", async () => {
    const h = harness();
    for (const init of [{}, { headers: { "Content-Type": "application/json" } }, { body: "{}", headers: { "Content-Type": "application/json" } }]) {
      expect((await h.request("/certifications/prepare", { method: "POST", ...init })).status).toBe(201);
    }
  });
});

describe("configuration", () => {
  it.each(["IMP_KEY", "IMP_SECRET", "IMP_CODE", "IDENTITY_HMAC_KEY"])(
    "live mode without %s answers 503 not_configured, never the sandbox",
    async (name) => {
      const h = harness({ [name]: "" });
      const prepare = await h.request("/certifications/prepare", { method: "POST" });
      expect(prepare.status).toBe(503);
      expect(await errorOf(prepare)).toBe("not_configured");
      const verify = await h.request("/certifications", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: '{"imp_uid":"imp_1"}',
      });
      expect(verify.status).toBe(503);
      expect(h.stub.calls.getToken).toBe(0);
      const health = await h.request("/healthz");
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ ok: false, mode: "live", provider: "v1", problems: [name] });
    },
  );
});
