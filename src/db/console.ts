import { count, desc, eq, gt, gte, inArray, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import { seoulDay } from "../lib/dates";
import type { Db } from "./client";
import { eventIdPrefix, requeueStatement } from "./events";
import { value } from "./prepared";
import { attempts, auditLog, codes, dailyCounts, events, grants, guardianConsents, users, withdrawals } from "./schema";

/**
 * What the operator console reads and does (src/routes/admin.ts): the daily counts of verifications, written by the
 * verifying routes; the overview the console shows, in one round-trip; its two actions with their audit rows.
 * Nothing here reads or returns a person's name, birthday, phone, CI or DI.
 */

/** Counts and audit rows are kept this long. */
export const CONSOLE_RETENTION_MS = 400 * 86_400_000;

/** Where a verification ran, as the counts tell it apart: the day (Asia/Seoul), the provider, the configured PG. */
export interface Tally {
  day: string;
  provider: string;
  /** `""`: no PG configured (the window lets the person choose). */
  pg: string;
}

const upsertCount = {
  target: [dailyCounts.day, dailyCounts.clientId, dailyCounts.provider, dailyCounts.pg, dailyCounts.outcome, dailyCounts.pgCode],
  set: { count: sql`${dailyCounts.count} + 1` },
};

/**
 * The completion's count (a statement of its prepared batch): one more for what the attempt this very batch stored
 * came to (a child waiting for a guardian: `guardian_required`), for its authorization's client. A repeat, or a batch
 * that stored nothing, counts nothing.
 */
export function completionCountStatement(db: Db) {
  return db
    .insert(dailyCounts)
    .select(
      sql`SELECT ${value("countDay")}, COALESCE(${attempts.clientId}, ''), ${value("countProvider")}, ${value("countPg")},
                 CASE WHEN ${users.status} = 'pending_guardian' THEN 'guardian_required' ELSE ${attempts.outcome} END, '', 1
          FROM ${attempts} LEFT JOIN ${users} ON ${users.id} = ${attempts.userId}
          WHERE ${attempts.attemptId} = ${value("attemptId")} AND ${attempts.resultId} = ${value("resultId")}
            AND ${attempts.completedAt} = ${value("now")}`,
    )
    .onConflictDoUpdate(upsertCount);
}

/** The values of the completion count's placeholders. */
export const tallyValues = (t: Tally) => ({ countDay: t.day, countProvider: t.provider, countPg: t.pg });

/** A guardian's consent, counted in the batch that records it (`consented`: this batch did), for the child's client. */
export function consentCountStatement(db: Db, t: Tally, childId: string, consented: SQL) {
  const client = sql`COALESCE((SELECT ${attempts.clientId} FROM ${attempts} WHERE ${attempts.userId} = ${childId}
    AND ${attempts.clientId} IS NOT NULL LIMIT 1), '')`;
  return db
    .insert(dailyCounts)
    .select(sql`SELECT ${t.day}, ${client}, ${t.provider}, ${t.pg}, 'guardian_consented', '', 1 WHERE ${consented}`)
    .onConflictDoUpdate(upsertCount);
}

/** A refusal, counted by one write after the answer: its error code, and the PG's own code when the provider passed one. */
export async function countRefusal(db: Db, t: Tally, code: string, pgCode = ""): Promise<void> {
  await db
    .insert(dailyCounts)
    .values({ day: t.day, clientId: "", provider: t.provider, pg: t.pg, outcome: code, pgCode, count: 1 })
    .onConflictDoUpdate(upsertCount);
}

export type CountRow = typeof dailyCounts.$inferSelect;

export interface Overview {
  counts: CountRow[];
  /** Accounts whose identity keys are under a previous HMAC key (`users.key_id` not the current key's fingerprint). */
  previousKeyAccounts: number;
  grantsByClient: { clientId: string; grants: number }[];
  deliveries: { clientId: string; status: "pending" | "failed"; events: number }[];
  failed: { id: string; clientId: string; type: string; tries: number; lastStatus: number | null; lastTryAt: number | null }[];
  audit: (typeof auditLog.$inferSelect)[];
}

/**
 * Everything the console shows, in one round-trip: the counts since `since` (a day), and the state as it stands —
 * each read through an index (test/unit/query-plans.test.ts): accounts under a key other than the current one (a
 * rotation's remainder: none once it is done), grants of the configured clients, events pending or failed, the last
 * audit rows.
 */
export async function overview(db: Db, o: { since: string; currentKeyId: string; clientIds: string[]; now: number }): Promise<Overview> {
  const [counts, [previous], grantsByClient, deliveries, failed, audit] = await db.batch([
    db.select().from(dailyCounts).where(gte(dailyCounts.day, o.since)),
    db
      .select({ accounts: count() })
      .from(users)
      .where(or(lt(users.keyId, o.currentKeyId), gt(users.keyId, o.currentKeyId), isNull(users.keyId))),
    db
      .select({ clientId: grants.clientId, grants: count() })
      .from(grants)
      .where(inArray(grants.clientId, o.clientIds.length > 0 ? o.clientIds : [""]))
      .groupBy(grants.clientId),
    db
      .select({ clientId: events.clientId, status: events.status, events: count() })
      .from(events)
      .where(inArray(events.status, ["pending", "failed"]))
      .groupBy(events.clientId, events.status),
    db
      .select({
        id: events.id,
        clientId: events.clientId,
        type: events.type,
        tries: events.tries,
        lastStatus: events.lastStatus,
        lastTryAt: events.lastTryAt,
      })
      .from(events)
      .where(eq(events.status, "failed"))
      .orderBy(desc(events.id))
      .limit(50),
    db
      .select()
      .from(auditLog)
      .where(gte(auditLog.at, o.now - CONSOLE_RETENTION_MS))
      .orderBy(desc(auditLog.at))
      .limit(50),
  ]);
  return {
    counts,
    previousKeyAccounts: previous?.accounts ?? 0,
    grantsByClient,
    deliveries: deliveries as Overview["deliveries"],
    failed,
    audit,
  };
}

/**
 * An event handed out again by an operator, whatever its client (as a client's own redeliver does: pending, due now,
 * its tries starting over), with its audit row in the same batch. Null: no such event.
 */
export async function redeliverEvent(db: Db, id: string, actor: string, now: number): Promise<{ id: string; tries: number } | null> {
  const [rows] = await db.batch([
    requeueStatement(db, eq(events.id, id), now),
    db.insert(auditLog).select(
      sql`SELECT NULL, ${now}, ${actor}, 'redeliver', ${id},
                   CASE WHEN EXISTS (SELECT 1 FROM ${events} WHERE ${events.id} = ${id}) THEN 'done' ELSE 'not_found' END`,
    ),
  ]);
  return rows[0] ?? null;
}

/**
 * A person erased by an operator (a PIPA erasure request), named by a client's `sub`: as the client's own DELETE, the
 * withdrawal cooldown when one is configured, but the whole account — every grant, code and consent, the user —
 * and `user.deleted` (reason `erased`) for each client with a webhook that held a grant. One batch, with its audit row
 * (whose target is the client and the sub). The event ids to hand to the queue; null: no such person at this client.
 */
export async function erasePerson(
  db: Db,
  e: { clientId: string; sub: string; hooked: string[]; cooldownUntil: number | null; actor: string; now: number },
): Promise<{ events: string[] } | null> {
  const userId = sql`(SELECT ${grants.userId} FROM ${grants} WHERE ${grants.clientId} = ${e.clientId} AND ${grants.sub} = ${e.sub})`;
  const hooked = e.hooked.length > 0 ? inArray(grants.clientId, e.hooked) : sql`0`;
  const prefix = eventIdPrefix(e.now);
  const results = await db.batch([
    db
      .insert(events)
      .select(
        sql`SELECT ${prefix} || lower(hex(randomblob(8))), ${grants.clientId}, 'user.deleted', ${e.now}, ${grants.sub}, NULL, NULL, NULL, NULL,
                   'erased', 'pending', 0, NULL, NULL, ${e.now}, NULL
            FROM ${grants} WHERE ${grants.userId} = ${userId} AND ${hooked}`,
      )
      .returning({ id: events.id }),
    db
      .insert(withdrawals)
      .select(
        sql`SELECT key, ${e.cooldownUntil} FROM (
              SELECT ${users.identityKey} AS key FROM ${users} WHERE ${users.id} = ${userId}
              UNION ALL SELECT ${users.siteIdentityKey} FROM ${users} WHERE ${users.id} = ${userId}
            ) WHERE key IS NOT NULL AND ${e.cooldownUntil} IS NOT NULL`,
      )
      .onConflictDoUpdate({ target: withdrawals.identityKey, set: { until: sql`excluded.until` } }),
    db
      .insert(auditLog)
      .select(
        sql`SELECT NULL, ${e.now}, ${e.actor}, 'erase', ${`${e.clientId} ${e.sub}`}, CASE WHEN ${userId} IS NULL THEN 'not_found' ELSE 'done' END`,
      ),
    db.delete(codes).where(eq(codes.userId, userId)),
    db.update(attempts).set({ userId: null }).where(eq(attempts.userId, userId)),
    db.delete(guardianConsents).where(eq(guardianConsents.userId, userId)),
    // The person is found through the client's grant: the grants go last.
    db.delete(users).where(eq(users.id, userId)).returning({ id: users.id }),
    db.delete(grants).where(eq(grants.userId, userId)),
  ]);
  const written = results[0] as { id: string }[];
  const erased = results[6] as { id: string }[];
  return erased.length === 1 ? { events: written.map((w) => w.id) } : null;
}

/** Counts and audit rows older than `before` go (the daily cron). */
export async function deleteOldConsoleRows(db: Db, before: number): Promise<number> {
  const [c, a] = await db.batch([
    db.delete(dailyCounts).where(lt(dailyCounts.day, seoulDay(before))),
    db.delete(auditLog).where(lt(auditLog.at, before)),
  ]);
  return c.meta.changes + a.meta.changes;
}
