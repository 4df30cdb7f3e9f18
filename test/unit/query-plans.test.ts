import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/config";
import { deleteOldConsoleRows, erasePerson, overview, redeliverEvent } from "../../src/db/console";
import { clientEvents, deleteOldEvents, recentDeliveries, requeueEvent, takeOverdueEvents } from "../../src/db/events";
import { deleteSpentCodes } from "../../src/db/oidc";
import { deleteEndedCooldowns, deleteExpiredAttempts, deleteLapsedChildren, openDb } from "../../src/db/queries";
import { deleteSpentSms } from "../../src/db/sms";
import { deliver } from "../../src/flows/events";
import { PROVIDERS } from "../../src/providers/registry";
import { hookedVars, recordingQueue, withQueue } from "../support/events";
import { harness } from "../support/harness";
import { oidcVars, relyingParty } from "../support/oidc";

// Every statement the app sends to D1 on its request paths, recorded, then asked for its query plan: none may scan a
// whole table. A scan reads (and D1 bills) every row, and grows with the table: a missing index once made every
// verification read every attempt row there was.

/** The D1 binding, recording the SQL of every statement prepared on it. */
function recording(d1: D1Database, seen: Set<string>): D1Database {
  return new Proxy(d1, {
    get(target, key) {
      if (key === "prepare")
        return (query: string) => {
          seen.add(query);
          return target.prepare(query);
        };
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The plan's steps that read a whole table (a constant row or a subquery's own rows are not tables). */
async function scans(query: string): Promise<string[]> {
  // As many nulls as the statement has parameters: its highest `?N`, or one per bare `?`.
  const marks = [...query.matchAll(/\?(\d*)/g)].map((m) => Number(m[1]) || 0);
  const count = marks.some((n) => n > 0) ? Math.max(...marks) : marks.length;
  const params = Array.from({ length: count }, () => null);
  const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query}`)
    .bind(...params)
    .all<{ detail: string }>();
  return plan.results.map((r) => r.detail).filter((d) => /^SCAN /.test(d) && !/^SCAN (CONSTANT ROW|\(subquery)/.test(d));
}

describe("query plans", () => {
  it("no statement of a verification, a repeat, a returning person, an OIDC sign-in, its tokens, the site API, a withdrawal, a clean-up or the console scans a table", async () => {
    const seen = new Set<string>();
    const h = harness({ ...(await oidcVars()), DB: recording(env.DB, seen) });
    const b = h.browser();
    const cert = await b.certified({ unique_key: "CI-plans" });
    expect((await b.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid })).status).toBe(200);
    expect((await b.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid })).status).toBe(200);
    const again = await b.certified({ unique_key: "CI-plans" });
    expect((await b.verify({ imp_uid: again.imp_uid, merchant_uid: again.merchant_uid })).status).toBe(200);

    const shop = relyingParty(h, "shop");
    const signed = await shop.signIn(h.browser(), { unique_key: "CI-plans-oidc" });
    const tokens = await shop.tokens(signed.code, signed.verifier);
    expect((await h.request("/userinfo", { headers: { Authorization: `Bearer ${tokens.access_token}` } })).status).toBe(200);
    const sub = signed.body!.user.id;
    expect((await shop.site("GET", sub)).status).toBe(200);
    expect((await shop.site("DELETE", sub)).status).toBe(200);

    // The clean-ups of both crons.
    const db = openDb(recording(env.DB, seen));
    await deleteLapsedChildren(db, Date.now());
    await deleteSpentSms(db, Date.now());
    await deleteExpiredAttempts(db, Date.now());
    await deleteEndedCooldowns(db, Date.now());
    await deleteSpentCodes(db, Date.now());

    // Events: a webhook client's sign-in (its outbox row), their delivery, the site API, the cron's hand-over.
    const { queue } = recordingQueue();
    const hooked = harness({ ...withQueue(await hookedVars(), queue), DB: recording(env.DB, seen) });
    const hookedDb = openDb(recording(env.DB, seen));
    const atShop = await relyingParty(hooked, "shop").signIn(hooked.browser(), { unique_key: "CI-plans-events" });
    expect(atShop.status).toBe(200);
    const [event] = (await env.DB.prepare("SELECT id FROM events ORDER BY id DESC LIMIT 1").all<{ id: string }>()).results;
    const config = (await readConfig({ ...env, ...(await hookedVars()) } as Env, PROVIDERS)).config;
    await deliver(hookedDb, config, { id: event!.id, tries: 0 }, (async () => new Response(null, { status: 500 })) as typeof fetch);
    await deliver(hookedDb, config, { id: event!.id, tries: 1 }, (async () => new Response(null, { status: 204 })) as typeof fetch);
    await clientEvents(hookedDb, "shop", event!.id, 10);
    await requeueEvent(hookedDb, "shop", event!.id, Date.now());
    await takeOverdueEvents(hookedDb, Date.now());
    await recentDeliveries(hookedDb);
    await deleteOldEvents(hookedDb, Date.now() - 1);

    // The console: a refusal's count, its overview, its two actions, the clean-up of its rows.
    const young = await b.certified({ unique_key: "CI-plans-young", birthday: "2015-01-01" });
    expect((await b.verify({ imp_uid: young.imp_uid, merchant_uid: young.merchant_uid })).status).toBe(403);
    await overview(hookedDb, { since: "2026-01-01", currentKeyId: "0123456789ab", clientIds: ["shop", "app"], now: Date.now() });
    await redeliverEvent(hookedDb, event!.id, "ops@example.com", Date.now());
    const [grant] = (await env.DB.prepare("SELECT sub FROM grants WHERE client_id = 'shop' LIMIT 1").all<{ sub: string }>()).results;
    expect(
      await erasePerson(hookedDb, {
        clientId: "shop",
        sub: grant!.sub,
        hooked: ["shop"],
        cooldownUntil: Date.now() + 1000,
        actor: "ops",
        now: Date.now(),
      }),
    ).not.toBeNull();
    await deleteOldConsoleRows(hookedDb, Date.now());

    expect(seen.size).toBeGreaterThan(5);
    const scanning: Record<string, string[]> = {};
    for (const query of seen) {
      const found = await scans(query);
      if (found.length > 0) scanning[query] = found;
    }
    expect(scanning).toEqual({});
  });
});
