import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { harness } from "../support/harness";
import { errorOf } from "../support/http";
import { oidcVars, relyingParty } from "../support/oidc";

type User = { id: string; name: string; gender: string | null; birthday: string; created_at: string; last_verified_at: string | null };

const vars = await oidcVars();

/** A site (the OIDC client `shop`) and the people who sign in to it. */
function site(extra: Record<string, string> = {}) {
  const h = harness({ ...vars, ...extra });
  const rp = relyingParty(h, "shop");
  const call = (method: string, id: string) => rp.site(method, id);
  /**
   * A person verified through the site's authorization, whose code the site redeemed (a grant counts from then on):
   * returns their user (the sub of a public client is its id).
   */
  const person = async (fields: Record<string, unknown> = {}) => {
    const signed = await rp.signIn(h.browser(), fields);
    if (signed.code) await rp.tokens(signed.code, signed.verifier);
    return { body: signed.body! };
  };
  return { h, call, person };
}

/** Every row of every table, as text: to show that nothing of a person is left anywhere. */
async function everything(): Promise<string> {
  const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf%' ESCAPE '\\'").all<{
    name: string;
  }>();
  const dumps = await Promise.all(
    tables.results.map(async ({ name }) => JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results)),
  );
  return dumps.join("\n");
}

describe("site API: users", () => {
  it("looks a user up: the person, with this client's times", async () => {
    const { call, person } = site();
    const { body } = await person({ name: "윤하늘", birthday: "1993-09-09", gender: "female" });
    const res = await call("GET", body.user.id);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      user: {
        id: body.user.id,
        name: "윤하늘",
        gender: "female",
        birthday: "1993-09-09",
        // This client's times: when it redeemed the person's first code, and their last verification it redeemed.
        created_at: expect.any(String),
        last_verified_at: expect.any(String),
        guardian_consent: null,
        consent: null,
      },
    });
    const { user } = (await (await call("GET", body.user.id)).json()) as { user: User };
    expect(Date.parse(user.created_at)).toBeGreaterThanOrEqual(Date.parse(body.user.created_at));
    expect(Date.parse(user.last_verified_at!)).toBeGreaterThanOrEqual(Date.parse(body.verification.certified_at));
  });

  it("an unknown id is 404 user_not_found", async () => {
    const unknown = await site().call("GET", "usr_00000000000000000000000000000000");
    expect([unknown.status, await errorOf(unknown)]).toEqual([404, "user_not_found"]);
  });

  it("a malformed id is 400 invalid_request", async () => {
    const malformed = await site().call("GET", "1 OR 1=1");
    expect([malformed.status, await errorOf(malformed)]).toEqual([400, "invalid_request"]);
  });

  it("refreshes the name and last_verified_at when the person verifies again (legal names change)", async () => {
    const { call, person } = site();
    const first = await person({ unique_key: "CI-renamed", name: "김옛이름" });
    const before = ((await (await call("GET", first.body.user.id)).json()) as { user: User }).user;
    await new Promise((r) => setTimeout(r, 5));
    const again = await person({ unique_key: "CI-renamed", name: "김새이름" });
    expect([again.body.outcome, again.body.user.name]).toEqual(["existing_user", "김새이름"]);
    const after = ((await (await call("GET", first.body.user.id)).json()) as { user: User }).user;
    expect(after.name).toBe("김새이름");
    expect(Date.parse(after.last_verified_at!)).toBeGreaterThan(Date.parse(before.last_verified_at!));
    expect(after.created_at).toBe(before.created_at);
  });
});

describe("site API: withdrawal", () => {
  it("deletes the person's name, gender, birthday and identity keys from every table at once", async () => {
    const { call, person } = site();
    const { body } = await person({ unique_key: "CI-leaving", unique_in_site: "DI-leaving", name: "탈퇴할사람", birthday: "1977-07-17" });
    const keys = await env.DB.prepare("SELECT identity_key, site_identity_key FROM users WHERE id = ?")
      .bind(body.user.id)
      .first<{ identity_key: string; site_identity_key: string }>();
    const res = await call("DELETE", body.user.id);
    expect([res.status, await res.json()]).toEqual([200, { deleted: true, id: body.user.id, account_deleted: true }]);
    const all = await everything();
    for (const trace of ["탈퇴할사람", "1977-07-17", keys!.identity_key, keys!.site_identity_key, body.user.id]) expect(all).not.toContain(trace);
  });

  it("a deleted person is 404 to a second DELETE and to GET", async () => {
    const { call, person } = site();
    const { body } = await person({ unique_key: "CI-leaving-twice" });
    expect((await call("DELETE", body.user.id)).status).toBe(200);
    const again = await call("DELETE", body.user.id);
    expect([again.status, await errorOf(again)]).toEqual([404, "user_not_found"]);
    expect((await call("GET", body.user.id)).status).toBe(404);
  });

  it("with REJOIN_COOLDOWN_DAYS = 0, the same person verifying again is simply a new user", async () => {
    const { call, person } = site();
    const first = await person({ unique_key: "CI-rejoin-now" });
    await call("DELETE", first.body.user.id);
    const again = await person({ unique_key: "CI-rejoin-now" });
    expect(again.body.outcome).toBe("new_user");
    expect(again.body.user.id).not.toBe(first.body.user.id);
  });

  /** A person who withdrew under a 30-day cooldown: the site, and the HMAC of their CI. */
  async function withdrawn(ci: string) {
    const s = site({ REJOIN_COOLDOWN_DAYS: "30" });
    const first = await s.person({ unique_key: ci, name: "쉬는사람" });
    const key = (await env.DB.prepare("SELECT identity_key FROM users WHERE id = ?").bind(first.body.user.id).first<{ identity_key: string }>())!
      .identity_key;
    await s.call("DELETE", first.body.user.id);
    return { ...s, key };
  }

  it("with a cooldown, keeps only the HMAC of the CI and when the cooldown ends", async () => {
    const { key } = await withdrawn("CI-cooldown-kept");
    const kept = await env.DB.prepare("SELECT * FROM withdrawals WHERE identity_key = ?").bind(key).all();
    expect(kept.results).toEqual([{ identity_key: key, until: expect.any(Number) }]);
    expect(await everything()).not.toContain("쉬는사람");
  });

  it("with a cooldown, refuses the person meanwhile and stores nothing of them", async () => {
    const { h, key } = await withdrawn("CI-cooldown-refused");
    const refused = await relyingParty(h, "shop").signIn(h.browser(), { unique_key: "CI-cooldown-refused" });
    expect(refused.status).toBe(403);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM users WHERE identity_key = ?").bind(key).first("n")).toBe(0);
  });

  it("with a cooldown, lets the person back once the daily cron removed the ended cooldown", async () => {
    const { person, key } = await withdrawn("CI-cooldown-back");
    // 31 days later the daily cron removes the ended cooldown, and the person can sign up again.
    vi.useFakeTimers({ now: Date.now() + 31 * 86_400_000, toFake: ["Date"] });
    try {
      await worker.scheduled(createScheduledController({ cron: "17 3 * * *" }), env);
    } finally {
      vi.useRealTimers();
    }
    expect((await env.DB.prepare("SELECT * FROM withdrawals WHERE identity_key = ?").bind(key).all()).results).toEqual([]);
    const back = await person({ unique_key: "CI-cooldown-back" });
    expect(back.body.outcome).toBe("new_user");
  });

  it("logs each call without personal data", async () => {
    const { call, person } = site();
    const { body } = await person({ name: "로그없음", birthday: "1966-06-06" });
    const log = vi.spyOn(console, "log");
    try {
      await call("GET", body.user.id);
      await call("DELETE", body.user.id);
      const lines = log.mock.calls.map(([line]) => String(line));
      expect(lines.filter((l) => l.includes('"site_api"'))).toHaveLength(2);
      expect(lines.join("\n")).not.toMatch(/로그없음|1966-06-06/);
    } finally {
      log.mockRestore();
    }
  });
});
