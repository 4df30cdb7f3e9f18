import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { deleteExpiredAttempts, openDb } from "../../src/db/queries";
import worker from "../../src/index";
import { count } from "../support/db";
import { harness } from "../support/harness";

const DAY = 86_400_000;

/** `n` completed attempts (of one user) that expired at `expiresAt`, inserted in one statement. */
async function fill(n: number, prefix: string, expiresAt: number) {
  await env.DB.prepare(
    `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?1)
     INSERT INTO attempts (merchant_uid, imp_uid, browser_hash, created_at, expires_at, user_id, outcome, certified_at, age, completed_at)
     SELECT ?2 || i, 'imp_' || ?2 || i, 'hash', ?3 - 900000, ?3, NULL, 'existing_user', ?3 / 1000 - 600, 30, ?3 - 600000 FROM seq`,
  )
    .bind(n, prefix, expiresAt)
    .run();
}

it("the daily clean-up deletes completed attempts a day after they expired, and keeps the rest and every user", async () => {
  const h = harness();
  const b = h.browser();
  const fresh = await b.certified();
  expect((await b.verify({ imp_uid: fresh.imp_uid })).status).toBe(200);
  await fill(30, "old", Date.now() - DAY - 60_000);
  await fill(20, "recent", Date.now() - DAY + 3_600_000); // expired, but less than a day ago: still single-use
  const users = await count("users");

  await worker.scheduled(createScheduledController({ cron: "17 3 * * *" }), env);

  expect(await count("attempts", "merchant_uid LIKE 'old%'")).toBe(0);
  expect(await count("attempts", "merchant_uid LIKE 'recent%'")).toBe(20);
  expect(await count("attempts", "merchant_uid = ?", fresh.merchant_uid)).toBe(1);
  expect(await count("users")).toBe(users);
});

it("works through a large table in bounded batches, and a run that hits its limit leaves the rest for the next", async () => {
  await fill(25_000, "bulk", Date.now() - 2 * DAY);
  await fill(1_000, "keep", Date.now() + DAY);
  const db = openDb(env.DB);
  const first = await deleteExpiredAttempts(db, Date.now() - DAY, { batch: 4_000, maxBatches: 3 });
  expect(first).toEqual({ deleted: 12_000, batches: 3, done: false });
  const second = await deleteExpiredAttempts(db, Date.now() - DAY, { batch: 4_000, maxBatches: 100 });
  expect(second).toEqual({ deleted: 13_000, batches: 4, done: true });
  expect(await count("attempts", "merchant_uid LIKE 'bulk%'")).toBe(0);
  expect(await count("attempts", "merchant_uid LIKE 'keep%'")).toBe(1_000);
}, 60_000);
