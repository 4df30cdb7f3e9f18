import { and, eq, or, sql } from "drizzle-orm";
import type { Db } from "./client";
import { consentCountStatement, type Tally } from "./console";
import { consentEventStatements, type HookedClient } from "./events";
import { attempts, guardianConsents, users } from "./schema";

/** A pending (or once pending) child, found by the id in their guardian's link. */
export async function childOfConsent(db: Db, consentId: string, browserHash?: string) {
  const row = await db
    .select({
      id: users.id,
      identityKey: users.identityKey,
      siteIdentityKey: users.siteIdentityKey,
      status: users.status,
      pendingUntil: users.pendingUntil,
      consentedAt: guardianConsents.consentedAt,
      // Whether this browser is the one the child verified in: the child's own phone cannot consent.
      childsBrowser: browserHash
        ? sql<number>`EXISTS (SELECT 1 FROM ${attempts} WHERE ${attempts.userId} = ${users.id} AND ${attempts.browserHash} = ${browserHash})`
        : sql<number>`0`,
    })
    .from(users)
    .leftJoin(guardianConsents, eq(guardianConsents.userId, users.id))
    .where(eq(users.consentId, consentId))
    .get();
  return row ? { ...row, childsBrowser: Boolean(row.childsBrowser) } : undefined;
}

export interface ConsentCompletion {
  /** The guardian's own attempt and result: stored like any completed attempt, so each stays single-use. */
  attemptId: string;
  resultId: string;
  browserHash: string;
  createdAt: number;
  expiresAt: number;
  certifiedAt: number;
  /** Stored as 0: a guardian's repeat answers with the consent, never an age. */
  age: number;
  now: number;
  childId: string;
  /** HMAC of the guardian's CI (or DI): never their name or birthday. */
  guardianKey: string;
  /** Where it ran, for the console's daily count of consents. */
  tally: Tally;
  /** Clients with a webhook: the child's authorization's client, if among them, gets its events in this batch. */
  hooked: HookedClient[];
}

/**
 * The guardian consents, in one batch: their attempt is stored only while this attempt and result are unused and
 * the child is still pending and within the deadline; then the consent is recorded and the child's account becomes
 * active, and the events of a client with a webhook are written. Two guardians at once: the first batch wins, the
 * second finds the child active. Returns the consent's time when this batch recorded it, and the events' ids.
 */
export async function recordConsent(db: Db, c: ConsentCompletion): Promise<{ consentedAt: number | null; attemptTaken: boolean; events: string[] }> {
  const pending = sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${c.childId} AND ${users.status} = 'pending_guardian' AND ${users.pendingUntil} > ${c.now})`;
  const free = sql`NOT EXISTS (SELECT 1 FROM ${attempts} WHERE ${or(eq(attempts.attemptId, c.attemptId), eq(attempts.resultId, c.resultId))})`;
  const ours = sql`EXISTS (SELECT 1 FROM ${attempts} WHERE ${attempts.attemptId} = ${c.attemptId} AND ${attempts.resultId} = ${c.resultId}
    AND ${attempts.completedAt} = ${c.now} AND ${attempts.outcome} = 'guardian_consented')`;
  const eventStatements = consentEventStatements(db, { childId: c.childId, now: c.now, hooked: c.hooked, consented: ours });
  const results = await db.batch([
    db
      .insert(attempts)
      .select(
        sql`SELECT ${c.attemptId}, ${c.resultId}, ${c.browserHash}, ${c.createdAt}, ${c.expiresAt}, ${c.childId}, 'guardian_consented',
                   ${c.certifiedAt}, ${c.age}, ${c.now}, NULL, NULL
            WHERE ${free} AND ${pending}`,
      )
      .onConflictDoNothing(),
    db.insert(guardianConsents).select(sql`SELECT ${c.childId}, ${c.guardianKey}, ${c.now} WHERE ${ours}`).onConflictDoNothing(),
    db
      .update(users)
      .set({ status: "active", pendingUntil: null, updatedAt: c.now })
      .where(and(eq(users.id, c.childId), sql`${ours}`)),
    ...eventStatements,
    consentCountStatement(db, c.tally, c.childId, ours),
    db
      .select({ consentedAt: guardianConsents.consentedAt })
      .from(guardianConsents)
      .where(and(eq(guardianConsents.userId, c.childId), sql`${ours}`)),
    db
      .select({ one: sql<number>`1` })
      .from(attempts)
      .where(or(eq(attempts.attemptId, c.attemptId), eq(attempts.resultId, c.resultId))),
  ] as unknown as Parameters<Db["batch"]>[0]);
  const [mine, taken] = results.slice(-2) as [{ consentedAt: number }[], unknown[]];
  const written = (results.slice(3, 3 + eventStatements.length).slice(1) as { id: string }[][]).flat();
  return { consentedAt: mine[0]?.consentedAt ?? null, attemptTaken: taken.length > 0, events: written.map((e) => e.id) };
}

/** How a child's consent stands, as their page asks it: by the binding cookie of the browser they verified in. */
export async function consentStatusOf(db: Db, browserHash: string, now: number) {
  const row = await db
    .select({ userId: attempts.userId, status: users.status, pendingUntil: users.pendingUntil, consentedAt: guardianConsents.consentedAt })
    .from(attempts)
    .leftJoin(users, eq(users.id, attempts.userId))
    .leftJoin(guardianConsents, eq(guardianConsents.userId, users.id))
    .where(and(eq(attempts.browserHash, browserHash), sql`${attempts.outcome} <> 'guardian_consented'`))
    .orderBy(sql`${attempts.completedAt} DESC`)
    .limit(1)
    .get();
  if (!row) return undefined;
  if (!row.userId || !row.status || (row.status === "pending_guardian" && (row.pendingUntil ?? 0) <= now)) {
    return { status: "expired" as const };
  }
  if (row.status === "pending_guardian") return { status: "pending_guardian" as const, expiresAt: row.pendingUntil! };
  return { status: "active" as const, consentedAt: row.consentedAt };
}
