import { and, eq, inArray, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "./client";
import { completionCountStatement, type Tally, tallyValues } from "./console";
import { eventIdPrefix, verifiedEventStatements } from "./events";
import { type CodeGrant, codeStatements, codeValues } from "./oidc";
import { preparedBatch, type Values, value } from "./prepared";
import { type Attempt, attempts, grants, guardianConsents, type User, users, withdrawals } from "./schema";

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
  /** The OIDC authorization this attempt runs: its code is written in the same batch. */
  grant?: CodeGrant;
  /** The authorization's client has a webhook: its grant and `identity.verified` are written in the batch too. */
  webhook?: boolean;
  /** A child who needs a guardian's consent: a new account is created pending, with the guardian's link's id. */
  pending?: { consentId: string; until: number };
  /** Where it ran, for the console's daily count (written in the batch, for the attempt it stores). */
  tally: Tally;
}

export interface CompletionResult {
  /** The attempt rows with this attempt id or this result id, as they stand after the batch. */
  rows: AttemptWithUser[];
  /** When this person may have an account again, if they withdrew and REJOIN_COOLDOWN_DAYS still holds. */
  cooldownUntil: number | null;
  /** The CI and the DI belong to two different users: nothing was written. */
  conflict: boolean;
  /** The ids of the events this batch wrote (handed to the queue once it is stored). */
  events: string[];
}

/** What changes the text of the completion's SQL: which keys the person has, how many previous keys, an OIDC code. */
interface CompletionShape {
  ci: boolean;
  di: boolean;
  previousCi: number;
  previousDi: number;
  grant: boolean;
  webhook: boolean;
  /** Whether the batch first deletes a child whose guardian did not consent in time and who holds these keys. */
  forget: boolean;
}

const shapeOf = (c: Completion): CompletionShape => ({
  ci: c.keys.ci !== null,
  di: c.keys.di !== null,
  previousCi: c.keys.previousCi.length,
  previousDi: c.keys.previousDi.length,
  grant: c.grant !== undefined,
  webhook: c.grant !== undefined && c.webhook === true,
  forget: false,
});

/** The placeholders of the person's keys: the current key's, then (unless `current`) the previous keys'. */
function keyNames(s: CompletionShape, current = false) {
  const previous = (prefix: string, n: number) => (current ? [] : Array.from({ length: n }, (_, i) => `${prefix}${i}`));
  return {
    ci: [...(s.ci ? ["ci"] : []), ...previous("previousCi", s.previousCi)],
    di: [...(s.di ? ["di"] : []), ...previous("previousDi", s.previousDi)],
  };
}

/** Either key of this person, under any key in use: the row (or rows) that stand for them. */
function holdsEither(s: CompletionShape, current = false) {
  const { ci, di } = keyNames(s, current);
  return or(
    ci.length > 0 ? inArray(users.identityKey, ci.map(value)) : undefined,
    di.length > 0 ? inArray(users.siteIdentityKey, di.map(value)) : undefined,
  )!;
}

/**
 * The completion's statements, for one shape (prepared once per isolate; `completionValues` fills them). The last
 * one (before an OIDC code's two) reads what stands after the batch: the attempt rows with this attempt id or result
 * id, the person's withdrawal cooldown, and how many users hold their keys — one row even when there is no attempt.
 */
function completionStatements(db: Db, s: CompletionShape) {
  const attemptId = value("attemptId");
  const resultId = value("resultId");
  const now = value("now");
  const { ci, di } = keyNames(s);
  const allKeys = [...ci, ...di].map(value);
  const owners = sql`(SELECT COUNT(DISTINCT ${users.id}) FROM ${users} WHERE ${holdsEither(s)})`;
  const free = sql`NOT EXISTS (SELECT 1 FROM ${attempts} WHERE ${or(eq(attempts.attemptId, attemptId), eq(attempts.resultId, resultId))})
    AND NOT EXISTS (SELECT 1 FROM ${withdrawals} WHERE ${inArray(withdrawals.identityKey, allKeys)} AND ${withdrawals.until} > ${now})
    AND ${owners} <= 1`;
  const current = holdsEither(s, true);
  // A child whose guardian did not consent in time holds nothing any more, not even their keys: never the user an
  // attempt completes for (the batch that forgets them comes first, when there is one).
  const lapsedRow = sql`${users.status} = 'pending_guardian' AND ${users.pendingUntil} <= ${now}`;
  const userId = sql`(SELECT ${users.id} FROM ${users} WHERE ${current} AND NOT (${lapsedRow}) LIMIT 1)`;
  const previousCi = keyNames(s).ci.filter((n) => n !== "ci");
  const previousDi = keyNames(s).di.filter((n) => n !== "di");
  const lapsed = and(holdsEither(s), lapsedRow)!;
  return [
    ...(s.forget ? forgetChildren(db, lapsed) : []),
    // Keys under a previous HMAC key: rewritten under the current one, so the old key can go in time.
    ...(previousCi.length + previousDi.length === 0
      ? []
      : [
          db
            .update(users)
            .set({
              identityKey: sql`CASE WHEN ${inArray(users.identityKey, [...previousCi.map(value), ""])} THEN ${value("ci")} ELSE ${users.identityKey} END`,
              siteIdentityKey: sql`CASE WHEN ${inArray(users.siteIdentityKey, [...previousDi.map(value), ""])} THEN ${value("di")} ELSE ${users.siteIdentityKey} END`,
              keyId: sql`${value("keyId")}`,
            })
            .where(
              and(
                or(
                  previousCi.length > 0 ? inArray(users.identityKey, previousCi.map(value)) : undefined,
                  previousDi.length > 0 ? inArray(users.siteIdentityKey, previousDi.map(value)) : undefined,
                ),
                free,
              ),
            ),
        ]),
    db
      .insert(users)
      .select(
        sql`SELECT ${value("userId")}, ${value("ci")}, ${value("di")}, ${value("keyId")}, ${value("name")}, ${value("gender")}, ${value("birthday")},
                   ${attemptId}, ${now}, ${now}, ${now}, ${value("status")}, ${value("pendingUntil")}, ${value("consentId")}
            WHERE ${free} AND NOT EXISTS (SELECT 1 FROM ${users} WHERE ${current})`,
      )
      .onConflictDoNothing(),
    // The outcome: inside an OIDC authorization, the client's view (new to it until it redeemed a code for the
    // person) — or, when it asked for a given subject (a step-up) and this person is not it, a mismatch, for which
    // nothing is issued; otherwise whether this attempt created the user row just inserted (or found).
    db
      .insert(attempts)
      .select(
        sql`SELECT ${attemptId}, ${resultId}, ${value("browserHash")}, ${value("createdAt")}, ${value("expiresAt")}, ${userId},
                   (SELECT CASE WHEN ${value("clientId")} IS NULL
                      THEN CASE WHEN ${users.createdByAttemptId} = ${attemptId} THEN 'new_user' ELSE 'existing_user' END
                      WHEN ${value("expectedSub")} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${grants} WHERE ${grants.clientId} = ${value("clientId")}
                        AND ${grants.userId} = ${userId} AND ${grants.sub} = ${value("expectedSub")}) THEN 'identity_mismatch'
                      WHEN EXISTS (SELECT 1 FROM ${grants} WHERE ${grants.clientId} = ${value("clientId")} AND ${grants.userId} = ${userId})
                      THEN 'existing_user' ELSE 'new_user' END
                    FROM ${users} WHERE ${users.id} = ${userId}),
                   ${value("certifiedAt")}, ${value("age")}, ${now}, ${value("authorizationId")}, ${value("clientId")}
            WHERE ${free} AND ${userId} IS NOT NULL`,
      )
      .onConflictDoNothing(),
    // The attempt this batch stored: its user gets the key it lacked, the name of this verification, its time.
    db
      .update(users)
      .set({
        identityKey: sql`COALESCE(${users.identityKey}, ${value("ci")})`,
        siteIdentityKey: sql`COALESCE(${users.siteIdentityKey}, ${value("di")})`,
        keyId: sql`${value("keyId")}`,
        name: sql`${value("name")}`,
        lastVerifiedAt: sql`${now}`,
        updatedAt: sql`${now}`,
      })
      .where(
        eq(
          users.id,
          sql`(SELECT ${attempts.userId} FROM ${attempts}
            WHERE ${attempts.attemptId} = ${attemptId} AND ${attempts.resultId} = ${resultId} AND ${attempts.completedAt} = ${now})`,
        ),
      ),
    completionCountStatement(db),
    ...(s.grant ? codeStatements(db) : []),
    ...(s.webhook ? verifiedEventStatements(db) : []),
    db
      .select({
        ...attemptWithUser,
        cooldownUntil: sql<number | null>`(SELECT MAX(${withdrawals.until}) FROM ${withdrawals}
          WHERE ${inArray(withdrawals.identityKey, allKeys)} AND ${withdrawals.until} > ${now})`,
        owners: sql<number>`${owners}`,
        lapsed: sql<number>`(SELECT COUNT(*) FROM ${users} WHERE ${lapsed})`,
      })
      .from(sql`(SELECT 1)`)
      .leftJoin(attempts, or(eq(attempts.attemptId, attemptId), eq(attempts.resultId, resultId)))
      .leftJoin(users, eq(attempts.userId, users.id))
      .leftJoin(guardianConsents, eq(guardianConsents.userId, users.id)),
  ];
}

const completion = preparedBatch(
  completionStatements,
  (s) => `${+s.ci}${+s.di}.${s.previousCi}.${s.previousDi}.${+s.grant}.${+s.webhook}.${+s.forget}`,
);

/** The values of the completion's placeholders. */
function completionValues(c: Completion): Values {
  const { keys: k, newUser: u } = c;
  return {
    attemptId: c.attemptId,
    resultId: c.resultId,
    browserHash: c.browserHash,
    createdAt: c.createdAt,
    expiresAt: c.expiresAt,
    certifiedAt: c.certifiedAt,
    age: c.age,
    now: c.now,
    ci: k.ci,
    di: k.di,
    ...Object.fromEntries(k.previousCi.map((key, i) => [`previousCi${i}`, key])),
    ...Object.fromEntries(k.previousDi.map((key, i) => [`previousDi${i}`, key])),
    keyId: k.keyId,
    userId: u.id,
    name: u.name,
    gender: u.gender,
    birthday: u.birthday,
    status: c.pending ? "pending_guardian" : "active",
    pendingUntil: c.pending?.until ?? null,
    consentId: c.pending?.consentId ?? null,
    authorizationId: c.grant?.authorizationId ?? null,
    clientId: c.grant?.clientId ?? null,
    expectedSub: c.grant?.expectedSub ?? null,
    eventPrefix: eventIdPrefix(c.now),
    ...tallyValues(c.tally),
    ...(c.grant ? codeValues(c, c.grant) : {}),
  };
}

/**
 * Stores a completed attempt and finds or creates its user, atomically, in one round-trip. D1 has no interactive
 * transactions, so the decisions live in SQL. A person is found by either identity key (CI or DI), under the
 * current or a previous HMAC key; nothing is written while this attempt or result was used, while the person's
 * withdrawal cooldown holds, or when the CI and the DI point at two different users. Keys stored under a previous
 * HMAC key are rewritten under the current one, a key the user lacked is added, and the name and last
 * verification are refreshed; the user is inserted only if nobody holds either key (both UNIQUE). A child whose
 * guardian's time ran out and who holds these keys takes a second round-trip: nothing is stored for them, and the
 * batch runs again with the statements that forget them first (`forget`).
 */
export async function completeAttempt(db: Db, c: Completion, forget = false): Promise<CompletionResult> {
  const shape = { ...shapeOf(c), forget };
  const results = await completion(db, shape, completionValues(c));
  const rows = results.at(-1) as unknown as (Omit<AttemptWithUser, "attempt"> & {
    attempt: Attempt | null;
    cooldownUntil: number | null;
    owners: number;
    lapsed: number;
  })[];
  // Nothing stored because a lapsed child holds these keys (rare: the 10-minute clean-up deletes them): the same
  // batch again, deleting that child first, so the person starts afresh.
  if (!forget && !rows.some((r) => r.attempt) && (rows[0]?.lapsed ?? 0) > 0) return completeAttempt(db, c, true);
  return {
    rows: rows.flatMap(({ attempt, user }) => (attempt ? [withNullUser({ attempt, user })] : [])),
    cooldownUntil: rows[0]?.cooldownUntil ?? null,
    conflict: (rows[0]?.owners ?? 0) > 1,
    events: shape.webhook ? (results.at(-2) as unknown as { id: string }[]).map((e) => e.id) : [],
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
