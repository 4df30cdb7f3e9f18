import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/config";
import { SANDBOX_OIDC } from "../../src/config/oidc";
import { openDb } from "../../src/db/queries";
import { deliver, MAX_TRIES } from "../../src/flows/events";
import worker from "../../src/index";
import { PROVIDERS } from "../../src/providers/registry";
import { hookedVars, recordingQueue, WEBHOOK_SECRET, WEBHOOK_URL, withQueue } from "../support/events";
import { harness } from "../support/harness";
import { claimsOfJwt, relyingParty } from "../support/oidc";

// Events (webhooks): written in the batch that stores the success (an outbox), handed to the EVENTS queue, delivered
// signed by Standard Webhooks, retried with growing delays, recorded failed after the last try.
const vars = await hookedVars();

type Row = Record<string, unknown>;
const eventRows = async (where = "1 = 1", ...binds: unknown[]) =>
  (
    await env.DB.prepare(`SELECT * FROM events WHERE ${where} ORDER BY id`)
      .bind(...binds)
      .all<Row>()
  ).results;

/** The shop's site, with a recording EVENTS queue, and a person verified inside its authorization (code not redeemed). */
async function verifiedAtShop(person: Record<string, unknown> = {}, extra: Record<string, string> = {}) {
  const { queue, sent } = recordingQueue();
  const h = harness(withQueue({ ...vars, ...extra }, queue));
  const shop = relyingParty(h, "shop");
  const b = h.browser();
  const signed = await shop.signIn(b, person);
  return { h, b, shop, signed, sent };
}

/** A receiver as a site runs one: the standardwebhooks library checks every delivery; it answers `statuses` in turn. */
function receiver(statuses: number[] = [204]) {
  const hook = new Webhook(WEBHOOK_SECRET);
  const got: { id: string; body: Record<string, unknown>; verified: boolean; url: string }[] = [];
  const post = (async (url: string | URL | Request, init?: RequestInit) => {
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const body = String(init?.body);
    let verified = true;
    try {
      hook.verify(body, headers);
    } catch {
      verified = false;
    }
    got.push({ id: headers["webhook-id"]!, body: JSON.parse(body), verified, url: String(url) });
    return new Response(null, { status: statuses[Math.min(got.length - 1, statuses.length - 1)] });
  }) as typeof fetch;
  return { post, got };
}

const configOf = async (extra: Record<string, string> = {}) => (await readConfig({ ...env, ...vars, ...extra } as Env, PROVIDERS)).config;

describe("events: configuration", () => {
  const problems = async (extra: Record<string, string>) =>
    ((await (await harness({ ...vars, ...extra }).request("/healthz")).json()) as { problems?: string[] }).problems ?? [];
  const clients = JSON.parse(vars.OIDC_CLIENTS!) as Record<string, unknown>[];

  it("a client with a webhook_url needs a whsec_ secret in WEBHOOK_SECRETS", async () => {
    expect(await problems({ WEBHOOK_SECRETS: "{}" })).toEqual(["WEBHOOK_SECRETS"]);
  });

  it("a secret that is not whsec_ and base64 of 24 to 64 bytes, or one for a client without a webhook, is refused", async () => {
    for (const secret of ["whsec_short", "sk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_!!!!", `whsec_${btoa("x".repeat(65))}`]) {
      expect(await problems({ WEBHOOK_SECRETS: JSON.stringify({ shop: secret }) })).toEqual(["WEBHOOK_SECRETS"]);
    }
    expect(await problems({ WEBHOOK_SECRETS: JSON.stringify({ shop: WEBHOOK_SECRET, app: WEBHOOK_SECRET }) })).toEqual(["WEBHOOK_SECRETS"]);
  });

  it("live mode refuses the sandbox's webhook secret, however it is spelled", async () => {
    for (const spelled of [SANDBOX_OIDC.webhookSecret, SANDBOX_OIDC.webhookSecret.replace(/=+$/, "")]) {
      expect(await problems({ WEBHOOK_SECRETS: JSON.stringify({ shop: spelled }) })).toEqual(["WEBHOOK_SECRETS"]);
    }
  });

  it("a public client cannot have a webhook_url, and a webhook_url must be an https URL", async () => {
    const spa = {
      client_id: "spa",
      name: "SPA",
      redirect_uris: ["https://spa.example/cb"],
      token_endpoint_auth_method: "none",
      webhook_url: "https://spa.example/h",
    };
    expect(await problems({ OIDC_CLIENTS: JSON.stringify([...clients, spa]) })).toContain("OIDC_CLIENTS");
    const plain = clients.map((c) => (c.client_id === "shop" ? { ...c, webhook_url: "http://shop.example/h" } : c));
    expect(await problems({ OIDC_CLIENTS: JSON.stringify(plain) })).toContain("OIDC_CLIENTS");
  });

  it("SANDBOX_WEBHOOK_URL is for sandbox mode and loopback URLs only", async () => {
    expect(await problems({ SANDBOX_WEBHOOK_URL: "http://127.0.0.1:9999/hook" })).toEqual(["SANDBOX_WEBHOOK_URL"]);
    const sandbox = async (url: string) =>
      ((await (await harness({ IMP_MODE: "sandbox", SANDBOX_WEBHOOK_URL: url }).request("/healthz")).json()) as { problems?: string[] }).problems ??
      [];
    expect(await sandbox("http://127.0.0.1:9999/hook")).toEqual([]);
    expect(await sandbox("https://example.com/hook")).toEqual(["SANDBOX_WEBHOOK_URL"]);
  });
});

describe("events: the outbox", () => {
  it("a verification inside a webhook client's authorization writes identity.verified in its batch and hands it to the queue", async () => {
    const { signed, sent } = await verifiedAtShop({ unique_key: "CI-evt-1", name: "웹훅사람", birthday: "1990-01-01" });
    const rows = await eventRows("sub = ?", signed.body!.user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ client_id: "shop", type: "identity.verified", outcome: "new_user", status: "pending", tries: 0 });
    expect(sent).toEqual([{ id: rows[0]!.id, tries: 0 }]);
  });

  it("the site API knows the person from the event on, before (or without) any code being redeemed", async () => {
    const { shop, signed } = await verifiedAtShop({ unique_key: "CI-evt-known" });
    expect((await shop.site("GET", signed.body!.user.id)).status).toBe(200);
  });

  it("a repeat of the finished verification writes no second event", async () => {
    const { b, signed, sent } = await verifiedAtShop({ unique_key: "CI-evt-repeat" });
    const again = await b.verify({ imp_uid: signed.cert.imp_uid, merchant_uid: signed.merchant_uid });
    expect(again.status).toBe(200);
    expect(await eventRows("sub = ?", signed.body!.user.id)).toHaveLength(1);
    expect(sent).toHaveLength(1);
  });

  it("nothing is written for a verification that fails, a client without a webhook, or the page's own flow", async () => {
    const before = (await eventRows()).length;
    const young = await verifiedAtShop({ unique_key: "CI-evt-young", birthday: "2015-01-01" });
    expect(young.signed.status).toBe(403);
    const { queue } = recordingQueue();
    const h = harness(withQueue(vars, queue));
    await relyingParty(h, "app").signIn(h.browser(), { unique_key: "CI-evt-app" });
    const b = h.browser();
    expect((await b.verify({ imp_uid: (await b.certified({ unique_key: "CI-evt-page" })).imp_uid })).status).toBe(200);
    expect((await eventRows()).length).toBe(before);
  });

  it("a batch that stores nothing (a person in their rejoin cooldown) writes no event either", async () => {
    const first = await verifiedAtShop({ unique_key: "CI-evt-cooldown" }, { REJOIN_COOLDOWN_DAYS: "30" });
    expect((await first.shop.site("DELETE", first.signed.body!.user.id)).status).toBe(200);
    const before = (await eventRows()).length;
    const again = await verifiedAtShop({ unique_key: "CI-evt-cooldown" }, { REJOIN_COOLDOWN_DAYS: "30" });
    expect(again.signed.status).toBe(403);
    expect((await eventRows()).length).toBe(before);
    expect(again.sent).toEqual([]);
  });

  it("the event's data holds the client's sub, outcome, auth_time, age and guardian_consent — no name, birthday, phone, CI or DI", async () => {
    const { signed, h } = await verifiedAtShop({ unique_key: "CI-evt-data", name: "데이터없음", birthday: "1985-05-05", phone: "01099998888" });
    const { post, got } = receiver();
    const [row] = await eventRows("sub = ?", signed.body!.user.id);
    expect((await deliver(openDb(h.env.DB), await configOf(), { id: String(row!.id), tries: 0 }, post)).done).toBe(true);
    expect(Object.keys(got[0]!.body).sort()).toEqual(["data", "timestamp", "type"]);
    expect(got[0]!.body.data).toEqual({
      sub: signed.body!.user.id,
      outcome: "new_user",
      auth_time: Math.floor(Date.parse(signed.body!.verification.certified_at) / 1000),
      age: signed.body!.user.age,
      guardian_consent: null,
    });
    const text = JSON.stringify(got[0]);
    for (const trace of ["데이터없음", "1985-05-05", "19850505", "01099998888", "CI-evt-data"]) expect(text).not.toContain(trace);
  });

  it("a pairwise client's event carries the sub its ID token will carry", async () => {
    const { queue } = recordingQueue();
    const h = harness(withQueue(await hookedVars({ app: true }), queue));
    const app = relyingParty(h, "app");
    const signed = await app.signIn(h.browser(), { unique_key: "CI-evt-pairwise" });
    const sub = claimsOfJwt((await app.tokens(signed.code, signed.verifier)).id_token).sub;
    expect(sub).toMatch(/^p_/);
    expect(await eventRows("client_id = 'app' AND sub = ?", sub)).toHaveLength(1);
  });
});

describe("events: delivery", () => {
  it("signs each delivery by Standard Webhooks (the standardwebhooks library verifies it) and records it delivered", async () => {
    const { signed, h } = await verifiedAtShop({ unique_key: "CI-evt-sign" });
    const { post, got } = receiver([200]);
    const [row] = await eventRows("sub = ?", signed.body!.user.id);
    const result = await deliver(openDb(h.env.DB), await configOf(), { id: String(row!.id), tries: 0 }, post);
    expect(result).toEqual({ done: true, status: "delivered" });
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ id: row!.id, verified: true, url: `${WEBHOOK_URL}?client=shop` });
    expect((await eventRows("id = ?", row!.id))[0]).toMatchObject({ status: "delivered", tries: 1, last_status: 200 });
  });

  it("a delivery signed with another secret does not verify (the receiver's check can fail)", async () => {
    const { signed, h } = await verifiedAtShop({ unique_key: "CI-evt-other-secret" });
    const { post, got } = receiver();
    const [row] = await eventRows("sub = ?", signed.body!.user.id);
    const other = await configOf({ WEBHOOK_SECRETS: JSON.stringify({ shop: "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }) });
    await deliver(openDb(h.env.DB), other, { id: String(row!.id), tries: 0 }, post);
    expect(got[0]!.verified).toBe(false);
  });

  it("anything but a 2xx is tried again after a delay that doubles, with the same webhook-id each time", async () => {
    const { signed, h } = await verifiedAtShop({ unique_key: "CI-evt-retry" });
    const { post, got } = receiver([500, 503, 200]);
    const [row] = await eventRows("sub = ?", signed.body!.user.id);
    const db = openDb(h.env.DB);
    const config = await configOf({ WEBHOOK_RETRY_BASE_SECONDS: "30" });
    const first = await deliver(db, config, { id: String(row!.id), tries: 0 }, post);
    expect(first).toEqual({ done: false, next: { id: row!.id, tries: 1 }, delaySeconds: 30 });
    // The next message comes when it is due (here: the clock moved on by the delay).
    const due = (await eventRows("id = ?", row!.id))[0]!.next_try_at as number;
    const second = await deliver(db, config, { id: String(row!.id), tries: 1 }, post, due);
    expect(second).toEqual({ done: false, next: { id: row!.id, tries: 2 }, delaySeconds: 60 });
    const third = await deliver(db, config, { id: String(row!.id), tries: 2 }, post, (await eventRows("id = ?", row!.id))[0]!.next_try_at as number);
    expect(third).toEqual({ done: true, status: "delivered" });
    expect(new Set(got.map((g) => g.id))).toEqual(new Set([row!.id]));
    expect(got.every((g) => g.verified)).toBe(true);
  });

  it("a message that comes before its try is due waits again, without posting", async () => {
    const { signed, h } = await verifiedAtShop({ unique_key: "CI-evt-early" });
    const { post, got } = receiver([500]);
    const [row] = await eventRows("sub = ?", signed.body!.user.id);
    const db = openDb(h.env.DB);
    const config = await configOf();
    await deliver(db, config, { id: String(row!.id), tries: 0 }, post);
    const early = await deliver(db, config, { id: String(row!.id), tries: 1 }, post);
    expect(early).toMatchObject({ done: false, next: { id: row!.id, tries: 1 } });
    expect(got).toHaveLength(1);
  });

  it("two messages for the same try: one posts, the other finds nothing to do", async () => {
    const { signed, h } = await verifiedAtShop({ unique_key: "CI-evt-twice" });
    const { post, got } = receiver([204]);
    const [row] = await eventRows("sub = ?", signed.body!.user.id);
    const db = openDb(h.env.DB);
    const config = await configOf();
    const results = await Promise.all([0, 1].map(() => deliver(db, config, { id: String(row!.id), tries: 0 }, post)));
    expect(got).toHaveLength(1);
    expect(results.filter((r) => r.done && r.status === "delivered")).toHaveLength(1);
  });

  it(`after ${MAX_TRIES} failed tries the event is recorded failed`, async () => {
    const { signed, h } = await verifiedAtShop({ unique_key: "CI-evt-failed" });
    const { post, got } = receiver([500]);
    const [row] = await eventRows("sub = ?", signed.body!.user.id);
    const db = openDb(h.env.DB);
    const config = await configOf({ WEBHOOK_RETRY_BASE_SECONDS: "1" });
    let message = { id: String(row!.id), tries: 0 };
    let last: Awaited<ReturnType<typeof deliver>> | undefined;
    for (let i = 0; i < MAX_TRIES; i++) {
      const due = (await eventRows("id = ?", row!.id))[0]!.next_try_at as number;
      last = await deliver(db, config, message, post, due);
      if (last.done) break;
      message = last.next;
    }
    expect(last).toEqual({ done: true, status: "failed" });
    expect(got).toHaveLength(MAX_TRIES);
    expect((await eventRows("id = ?", row!.id))[0]).toMatchObject({ status: "failed", tries: MAX_TRIES, last_status: 500 });
  });

  it("a receiver that cannot be reached (a refused connection, a timeout) counts as a failed try, status 0", async () => {
    const { signed, h } = await verifiedAtShop({ unique_key: "CI-evt-unreachable" });
    const [row] = await eventRows("sub = ?", signed.body!.user.id);
    const refused = (async () => {
      throw new TypeError("connection refused");
    }) as typeof fetch;
    const result = await deliver(openDb(h.env.DB), await configOf(), { id: String(row!.id), tries: 0 }, refused);
    expect(result.done).toBe(false);
    expect((await eventRows("id = ?", row!.id))[0]).toMatchObject({ status: "pending", tries: 1, last_status: 0 });
  });
});

describe("events: nothing lost", () => {
  it("an event whose message was lost (a restart between the batch and the queue) is handed over again by the cron", async () => {
    const { signed } = await verifiedAtShop({ unique_key: "CI-evt-lost" });
    const [row] = await eventRows("sub = ?", signed.body!.user.id);
    // The message never reached a consumer: the row is pending and its try overdue.
    await env.DB.prepare("UPDATE events SET next_try_at = ? WHERE id = ?")
      .bind(Date.now() - 3_600_000, row!.id)
      .run();
    const { queue, sent } = recordingQueue();
    await worker.scheduled!(createScheduledController({ cron: "*/10 * * * *" }), { ...env, EVENTS: queue });
    expect(sent).toContainEqual({ id: row!.id, tries: 0 });
    // Handed over once: the next cron run finds it due again only after another wait.
    const again = recordingQueue();
    await worker.scheduled!(createScheduledController({ cron: "*/10 * * * *" }), { ...env, EVENTS: again.queue });
    expect(again.sent).not.toContainEqual({ id: row!.id, tries: 0 });
  });
});

describe("events: the site API", () => {
  it("GET /api/events lists the client's events oldest first, with their delivery, after an id, with has_more", async () => {
    const { shop, signed } = await verifiedAtShop({ unique_key: "CI-evt-list-1" });
    await verifiedAtShop({ unique_key: "CI-evt-list-2" });
    const all = (await (await shop.events()).json()) as { events: { id: string; type: string; data: { sub: string } }[]; has_more: boolean };
    expect(all.events.length).toBeGreaterThanOrEqual(2);
    expect(all.events.map((e) => e.id)).toEqual([...all.events.map((e) => e.id)].sort());
    expect(all.events.find((e) => e.data.sub === signed.body!.user.id)).toMatchObject({
      type: "identity.verified",
      delivery: { status: "pending", tries: 0 },
    });
    const page = (await (await shop.events(`?limit=1&after=${all.events[0]!.id}`)).json()) as { events: { id: string }[]; has_more: boolean };
    expect(page.events.map((e) => e.id)).toEqual([all.events[1]!.id]);
    expect(page.has_more).toBe(all.events.length > 2);
  });

  it("another client sees none of them; a malformed query is 400", async () => {
    const { h } = await verifiedAtShop({ unique_key: "CI-evt-other" });
    const app = relyingParty(h, "app");
    const list = (await (await app.events()).json()) as { events: { data: { sub: string } }[] };
    expect(list.events.every((e) => !String(e.data.sub).startsWith("usr_"))).toBe(true);
    expect((await app.events("?limit=0")).status).toBe(400);
    expect((await app.events("?after=1%20OR%201")).status).toBe(400);
  });

  it("POST /api/events/{id}/redeliver hands the event to the queue again; another client's or unknown is 404", async () => {
    const { h, shop, signed } = await verifiedAtShop({ unique_key: "CI-evt-redeliver" });
    const [row] = await eventRows("sub = ?", signed.body!.user.id);
    await env.DB.prepare("UPDATE events SET status = 'failed', tries = 12 WHERE id = ?").bind(row!.id).run();
    const { queue, sent } = recordingQueue();
    const again = harness(withQueue(vars, queue));
    const res = await relyingParty(again, "shop").redeliver(String(row!.id));
    expect([res.status, await res.json()]).toEqual([202, { queued: true }]);
    expect(sent).toEqual([{ id: row!.id, tries: 0 }]);
    expect((await eventRows("id = ?", row!.id))[0]).toMatchObject({ status: "pending", tries: 0 });
    expect((await relyingParty(h, "app").redeliver(String(row!.id))).status).toBe(404);
    expect((await shop.redeliver("evt_0000000000000000000000000")).status).toBe(404);
  });
});
