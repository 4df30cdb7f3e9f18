import { and, eq, gt, inArray, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "./client";
import { type CodeGrant, issueCodeStatements } from "./oidc";
import { type Attempt, attempts, guardianConsents, type User, users, withdrawals } from "./schema";

export { type D1Stats, type Db, openDb } from "./client";

export interface AttemptWithUser {
  attempt: Attempt;
  user:
    | (Pick<User, "id" | "name" | "gender" | "birthday" | "createdAt" | "status" | "pendingUntil" | "consentId"> & {
        /** When a guardian consented to this (child's) account; null: no consent was needed. */
        consentedAt: number | null;
      })
    | null;
}

/**
 * An attempt with the user who completed it. users.created_at is aliased: inside a D1 batch, drizzle maps rows
 * by column name, and two `created_at` columns would collapse into one and shift every column after it.
 */
const attemptWithUser = {
  attempt: attempts,
  user: {
    id: users.id,
    name: users.name,
    gender: users.gender,
    birthday: users.birthday,
    createdAt: sql<number>`${users.createdAt}`.as("user_created_at"),
    status: users.status,
    pendingUntil: users.pendingUntil,
    consentId: users.consentId,
    consentedAt: guardianConsents.consentedAt,
  },
};

/** An attempt by its merchant_uid, or by the imp_uid that completed it (both unique). */
export async function findAttempt(db: Db, by: { attemptId: string } | { resultId: string }): Promise<AttemptWithUser | null> {
  const row = await selectAttemptWithUser(db)
    .where("attemptId" in by ? eq(attempts.attemptId, by.attemptId) : eq(attempts.resultId, by.resultId))
    .get();
  return row ? withNullUser(row) : null;
}

const selectAttemptWithUser = (db: Db) =>
  db
    .select(attemptWithUser)
    .from(attempts)
    .leftJoin(users, eq(attempts.userId, users.id))
    .leftJoin(guardianConsents, eq(guardianConsents.userId, users.id));

// A left join with no user gives a user of nulls where a column is computed; make it null.
const withNullUser = (row: { attempt: Attempt; user: unknown }): AttemptWithUser =>
  (row.user as AttemptWithUser["user"])?.id ? (row as AttemptWithUser) : { ...row, user: null };

/** The person's identity keys: HMACs of the CI and the DI under the current key, and under previous keys. */
export interface IdentityKeys {
  ci: string | null;
  di: string | null;
  /** The same CI and DI under IDENTITY_HMAC_PREVIOUS_KEYS: a person stored under one is found, and rewritten. */
  previousCi: string[];
  previousDi: string[];
  /** The current key's fingerprint (users.key_id). */
  keyId: string;
}

export interface Completion {
  attemptId: string;
  resultId: string;
  /** SHA-256 of the binding cookie of the browser that completes it. */
  browserHash: string;
  createdAt: number; // epoch ms
  expiresAt: number; // epoch ms
  certifiedAt: number; // epoch ms
  age: number;
  now: number;
  keys: IdentityKeys;
  newUser: Pick<User, "id" | "name" | "gender" | "birthday">;
  /** The OIDC authorization this attempt runs: its code and grant are written in the same batch. */
  grant?: CodeGrant;
  /** A child who needs a guardian's consent: a new account is created pending, with the guardian's link's id. */
  pending?: { consentId: string; until: number };
}

export interface CompletionResult {
  /** The attempt rows with this attempt id or this result id, as they stand after the batch. */
  rows: AttemptWithUser[];
  /** When this person may have an account again, if they withdrew and REJOIN_COOLDOWN_DAYS still holds. */
  cooldownUntil: number | null;
  /** The CI and the DI belong to two different users: nothing was written. */
  conflict: boolean;
}

/** Either key of this person, under any key in use: the row (or rows) that stand for them. */
function holdsEither(k: IdentityKeys, current = false) {
  const ci = [k.ci, ...(current ? [] : k.previousCi)].filter((x): x is string => x !== null);
  const di = [k.di, ...(current ? [] : k.previousDi)].filter((x): x is string => x !== null);
  return or(ci.length > 0 ? inArray(users.identityKey, ci) : undefined, di.length > 0 ? inArray(users.siteIdentityKey, di) : undefined)!;
}

/**
 * Stores a completed attempt and finds or creates its user, atomically, in one round-trip. D1 has no interactive
 * transactions, so the decisions live in SQL. A person is found by either identity key (CI or DI), under the
 * current or a previous HMAC key; nothing is written while this attempt or result was used, while the person's
 * withdrawal cooldown holds, or when the CI and the DI point at two different users. Keys stored under a previous
 * HMAC key are rewritten under the current one, a key the user lacked is added, and the name and last
 * verification are refreshed; the user is inserted only if nobody holds either key (both UNIQUE).
 */
export async function completeAttempt(db: Db, c: Completion): Promise<CompletionResult> {
  const { keys: k, newUser: u } = c;
  const allKeys = [k.ci, k.di, ...k.previousCi, ...k.previousDi].filter((x): x is string => x !== null);
  const owners = sql`(SELECT COUNT(DISTINCT ${users.id}) FROM ${users} WHERE ${holdsEither(k)})`;
  const free = sql`NOT EXISTS (SELECT 1 FROM ${attempts} WHERE ${or(eq(attempts.attemptId, c.attemptId), eq(attempts.resultId, c.resultId))})
    AND NOT EXISTS (SELECT 1 FROM ${withdrawals} WHERE ${inArray(withdrawals.identityKey, allKeys)} AND ${withdrawals.until} > ${c.now})
    AND ${owners} <= 1`;
  const current = holdsEither(k, true);
  const userId = sql`(SELECT ${users.id} FROM ${users} WHERE ${current} LIMIT 1)`;
  const previous = or(
    k.previousCi.length > 0 ? inArray(users.identityKey, k.previousCi) : undefined,
    k.previousDi.length > 0 ? inArray(users.siteIdentityKey, k.previousDi) : undefined,
  );
  // A child whose guardian did not consent in time holds nothing any more, not even their keys.
  const lapsed = and(holdsEither(k), eq(users.status, "pending_guardian"), lte(users.pendingUntil, c.now))!;
  // (drizzle's D1 batch cannot hold raw statements with parameters: every statement here is a builder's.)
  const [, , , , , , after, cooldown, conflict] = await db.batch([
    ...forgetChildren(db, lapsed),
    // Keys under a previous HMAC key: rewritten under the current one, so the old key can go in time.
    db
      .update(users)
      .set({
        identityKey: previous
          ? sql`CASE WHEN ${inArray(users.identityKey, [...k.previousCi, ""])} THEN ${k.ci} ELSE ${users.identityKey} END`
          : users.identityKey,
        siteIdentityKey: previous
          ? sql`CASE WHEN ${inArray(users.siteIdentityKey, [...k.previousDi, ""])} THEN ${k.di} ELSE ${users.siteIdentityKey} END`
          : users.siteIdentityKey,
        keyId: k.keyId,
      })
      .where(and(previous ?? sql`0`, free)),
    db
      .insert(users)
      .select(
        sql`SELECT ${u.id}, ${k.ci}, ${k.di}, ${k.keyId}, ${u.name}, ${u.gender}, ${u.birthday}, ${c.attemptId}, ${c.now}, ${c.now}, ${c.now},
                   ${c.pending ? "pending_guardian" : "active"}, ${c.pending?.until ?? null}, ${c.pending?.consentId ?? null}
            WHERE ${free} AND NOT EXISTS (SELECT 1 FROM ${users} WHERE ${current})`,
      )
      .onConflictDoNothing(),
    // The user row just inserted (or found) tells whether this attempt created it.
    db
      .insert(attempts)
      .select(
        sql`SELECT ${c.attemptId}, ${c.resultId}, ${c.browserHash}, ${c.createdAt}, ${c.expiresAt}, ${userId},
                   (SELECT CASE WHEN ${users.createdByAttemptId} = ${c.attemptId} THEN 'new_user' ELSE 'existing_user' END
                    FROM ${users} WHERE ${users.id} = ${userId}),
                   ${c.certifiedAt}, ${c.age}, ${c.now}
            WHERE ${free} AND ${userId} IS NOT NULL`,
      )
      .onConflictDoNothing(),
    // The attempt this batch stored: its user gets the key it lacked, the name of this verification, its time.
    db
      .update(users)
      .set({
        identityKey: sql`COALESCE(${users.identityKey}, ${k.ci})`,
        siteIdentityKey: sql`COALESCE(${users.siteIdentityKey}, ${k.di})`,
        keyId: k.keyId,
        name: u.name,
        lastVerifiedAt: c.now,
        updatedAt: c.now,
      })
      .where(
        eq(
          users.id,
          sql`(SELECT ${attempts.userId} FROM ${attempts}
            WHERE ${attempts.attemptId} = ${c.attemptId} AND ${attempts.resultId} = ${c.resultId} AND ${attempts.completedAt} = ${c.now})`,
        ),
      ),
    selectAttemptWithUser(db).where(or(eq(attempts.attemptId, c.attemptId), eq(attempts.resultId, c.resultId))),
    db
      .select({ until: withdrawals.until })
      .from(withdrawals)
      .where(and(inArray(withdrawals.identityKey, allKeys), gt(withdrawals.until, c.now))),
    db
      .select({ owners: sql<number>`${owners}` })
      .from(users)
      .limit(1),
    ...(c.grant ? issueCodeStatements(db, c, c.grant) : []),
  ]);
  return {
    rows: after.map(withNullUser),
    cooldownUntil: cooldown[0]?.until ?? null,
    conflict: (conflict[0]?.owners ?? 0) > 1,
  };
}

/**
 * The statements that forget children whose guardian's time ran out (the users `lapsed` selects, at most `limit`):
 * their attempts no longer point to them (nor keep their age), their rows go.
 */
export function forgetChildren(db: Db, lapsed: SQL, limit?: number) {
  const which = db
    .select({ id: users.id })
    .from(users)
    .where(lapsed)
    .limit(limit ?? -1);
  return [
    db.update(attempts).set({ userId: null, age: 0 }).where(inArray(attempts.userId, which)),
    db.delete(users).where(inArray(users.id, which)),
  ] as const;
}

/** Children whose guardian did not consent before `now`: deleted, a bounded number per run. */
export async function deleteLapsedChildren(db: Db, now: number, limit = CLEANUP_BATCH): Promise<number> {
  const lapsed = and(eq(users.status, "pending_guardian"), lte(users.pendingUntil, now))!;
  const [, deleted] = await db.batch(forgetChildren(db, lapsed, limit));
  return deleted.meta.changes ?? 0;
}

export function findUser(db: Db, id: string) {
  return db.select().from(users).where(eq(users.id, id)).get();
}

/**
 * A person withdraws, in one batch: with a cooldown, the HMAC of their CI is kept until it ends (and nothing
 * else); their completed attempts no longer point to them; their row — name, gender, birthday, identity keys —
 * is deleted. Returns whether there was such a user.
 */
export async function withdrawUser(db: Db, id: string, cooldownUntil: number | null): Promise<boolean> {
  const unlink = db.update(attempts).set({ userId: null }).where(eq(attempts.userId, id));
  const consent = db.delete(guardianConsents).where(eq(guardianConsents.userId, id));
  const remove = db.delete(users).where(eq(users.id, id)).returning({ id: users.id });
  if (!cooldownUntil) return (await db.batch([unlink, consent, remove]))[2].length === 1;
  // One row per key the person has (the CI's HMAC and the DI's), so either refuses them until the cooldown ends.
  const keep = db
    .insert(withdrawals)
    .select(
      sql`SELECT key, ${cooldownUntil} FROM (
            SELECT ${users.identityKey} AS key FROM ${users} WHERE ${users.id} = ${id}
            UNION ALL SELECT ${users.siteIdentityKey} FROM ${users} WHERE ${users.id} = ${id}
          ) WHERE key IS NOT NULL`,
    )
    .onConflictDoUpdate({ target: withdrawals.identityKey, set: { until: sql`excluded.until` } });
  return (await db.batch([keep, unlink, consent, remove]))[3].length === 1;
}

/** Ended withdrawal cooldowns: the last trace of those people goes. */
export async function deleteEndedCooldowns(db: Db, now: number): Promise<number> {
  const result = await db.delete(withdrawals).where(lte(withdrawals.until, now)).run();
  return result.meta.changes ?? 0;
}

/** Rows deleted per statement by the clean-up: small enough for one D1 query's limits, large enough to keep up. */
export const CLEANUP_BATCH = 5_000;

/**
 * Deletes completed attempts that expired before `before`, a bounded batch per statement, until none is left or
 * `maxBatches` ran (so one cron run stays within a Worker's limits however large the backlog; the next run goes on).
 */
export async function deleteExpiredAttempts(
  db: Db,
  before: number,
  { batch = CLEANUP_BATCH, maxBatches = 100 } = {},
): Promise<{ deleted: number; batches: number; done: boolean }> {
  let deleted = 0;
  for (let batches = 1; batches <= maxBatches; batches++) {
    const expired = db.select({ attemptId: attempts.attemptId }).from(attempts).where(lt(attempts.expiresAt, before)).limit(batch);
    const result = await db.delete(attempts).where(inArray(attempts.attemptId, expired)).run();
    const count = result.meta.changes ?? 0;
    deleted += count;
    if (count < batch) return { deleted, batches, done: true };
  }
  return { deleted, batches: maxBatches, done: false };
}
