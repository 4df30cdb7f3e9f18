import { and, eq, gte, lt, lte, sql } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { attempts, users, type Attempt, type User } from "./schema";

/** The attempt window's bounds for a result certified at a time (see verification/rules.ts, which owns them). */
export type WindowBounds = { createdAtAtMost: number; expiresAtAtLeast: number };

export type Db = DrizzleD1Database<Record<string, never>>;

/** Requests to D1 (a batch is one) and the time spent waiting for them, for the log line and the benchmark. */
export interface D1Stats {
  roundTrips: number;
  ms: number;
}

export const openDb = (d1: D1Database, stats?: D1Stats): Db => drizzle(stats ? counting(d1, stats) : d1);

type CountedStatement = D1PreparedStatement & { readonly real: D1PreparedStatement };

function counting(d1: D1Database, stats: D1Stats): D1Database {
  const counted = async <T>(run: () => Promise<T>) => {
    stats.roundTrips++;
    const started = Date.now();
    try {
      return await run();
    } finally {
      stats.ms += Date.now() - started;
    }
  };
  const wrap = (real: D1PreparedStatement): CountedStatement => {
    return {
      real,
      bind: (...values: unknown[]) => wrap(real.bind(...values)),
      first: (column?: string) => counted(() => (column === undefined ? real.first() : real.first(column))),
      run: () => counted(() => real.run()),
      all: () => counted(() => real.all()),
      raw: (options?: { columnNames?: boolean }) => counted(() => real.raw(options as { columnNames: true })),
    } as CountedStatement;
  };
  return {
    prepare: (query: string) => wrap(d1.prepare(query)),
    batch: (statements: D1PreparedStatement[]) =>
      counted(() => d1.batch(statements.map((s) => (s as CountedStatement).real ?? s))),
    exec: (query: string) => counted(() => d1.exec(query)),
    withSession: d1.withSession.bind(d1),
    dump: d1.dump.bind(d1),
  } as D1Database;
}

export interface AttemptWithUser {
  attempt: Attempt;
  user: Pick<User, "id" | "name" | "gender" | "birthday" | "createdAt"> | null;
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
  },
};

export async function insertAttempt(db: Db, attempt: Pick<Attempt, "merchantUid" | "browserHash" | "createdAt" | "expiresAt">) {
  await db.insert(attempts).values(attempt);
}

/** An attempt by its merchant_uid, or by the imp_uid that completed it (both unique). */
export async function findAttempt(db: Db, by: { merchantUid: string } | { impUid: string }): Promise<AttemptWithUser | null> {
  const row = await selectAttemptWithUser(db)
    .where("merchantUid" in by ? eq(attempts.merchantUid, by.merchantUid) : eq(attempts.impUid, by.impUid))
    .get();
  return row ? withNullUser(row) : null;
}

const selectAttemptWithUser = (db: Db) =>
  db.select(attemptWithUser).from(attempts).leftJoin(users, eq(attempts.userId, users.id));

// A left join with no user gives a user of nulls where a column is computed; make it null.
const withNullUser = (row: AttemptWithUser): AttemptWithUser => (row.user?.id ? row : { ...row, user: null });

export interface Completion {
  merchantUid: string;
  impUid: string;
  /** Only the browser that started the attempt may complete it. */
  browserHash: string;
  certifiedAt: number; // epoch ms
  /** Where `certifiedAt` places the attempt: the completion's guard on the attempt's lifetime. */
  window: WindowBounds;
  age: number;
  now: number;
  newUser: Omit<User, "createdByMerchantUid" | "createdAt" | "updatedAt">;
}

/**
 * Completes an attempt and creates its user if the person is new, atomically, in one round-trip. D1 has no
 * interactive transactions, so the decisions live in SQL: the attempt is completable only while it is pending,
 * bound to this browser, unexpired and certified within its lifetime; the user is inserted only then (and only
 * if nobody holds this identity key yet); `attempts.imp_uid` UNIQUE makes a second consumer of an imp_uid fail
 * the whole batch. Returns the attempt as it stands afterwards, for the caller to tell what happened.
 */
export async function completeAttempt(db: Db, c: Completion): Promise<AttemptWithUser | null> {
  const u = c.newUser;
  const completable = and(
    eq(attempts.merchantUid, c.merchantUid),
    eq(attempts.state, "pending"),
    eq(attempts.browserHash, c.browserHash),
    gte(attempts.expiresAt, c.now),
    lte(attempts.createdAt, c.window.createdAtAtMost),
    gte(attempts.expiresAt, c.window.expiresAtAtLeast),
  );
  const [, , after] = await db.batch([
    // Column order is the table's: id, identity_key, site_identity_key, name, gender, birthday,
    // created_by_merchant_uid, created_at, updated_at.
    db
      .insert(users)
      .select(
        sql`SELECT ${u.id}, ${u.identityKey}, ${u.siteIdentityKey}, ${u.name}, ${u.gender}, ${u.birthday}, ${c.merchantUid}, ${c.now}, ${c.now}
            WHERE EXISTS (SELECT 1 FROM ${attempts} WHERE ${completable})`,
      )
      .onConflictDoNothing({ target: users.identityKey }),
    db
      .update(attempts)
      .set({
        state: "completed",
        impUid: c.impUid,
        userId: sql`(SELECT ${users.id} FROM ${users} WHERE ${users.identityKey} = ${u.identityKey})`,
        // The user row just inserted (or found) tells whether this attempt created it.
        outcome: sql`(SELECT CASE WHEN ${users.createdByMerchantUid} = ${c.merchantUid} THEN 'new_user' ELSE 'existing_user' END
                      FROM ${users} WHERE ${users.identityKey} = ${u.identityKey})`,
        certifiedAt: Math.floor(c.certifiedAt / 1000),
        age: c.age,
        completedAt: c.now,
      })
      .where(completable),
    selectAttemptWithUser(db).where(eq(attempts.merchantUid, c.merchantUid)),
  ]);
  return after[0] ? withNullUser(after[0]) : null;
}

/** Pending attempts are worthless once expired; completed ones stay so that every imp_uid remains single-use. */
export async function deleteExpiredAttempts(db: Db, before: number): Promise<number> {
  const deleted = await db
    .delete(attempts)
    .where(and(eq(attempts.state, "pending"), lt(attempts.expiresAt, before)))
    .returning({ merchantUid: attempts.merchantUid });
  return deleted.length;
}

export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (/UNIQUE constraint failed/i.test(e.message)) return true;
  }
  return false;
}
