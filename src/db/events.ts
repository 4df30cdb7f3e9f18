import { and, asc, desc, eq, gt, isNull, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "./client";
import { type CodeGrant, codeStatements, codeValues, consentHolds, keptConsent } from "./oidc";
import { preparedBatch, value } from "./prepared";
import { attempts, codes, events, grants, guardianConsents, users } from "./schema";

/**
 * The events outbox (schema.ts `events`): the statements that write an event in the batch that does what it reports,
 * and the queries of its delivery. Ids are made in SQL, `evt_` + the creation time (base 36, fixed width, so ids sort
 * by time) + random hex, and read back with RETURNING, so one statement writes as many events as it finds.
 */
export type EventType = "identity.verified" | "guardian.consented" | "user.deleted";
export type Event = typeof events.$inferSelect;

/** Events are kept (with their delivery record) this long. */
export const EVENT_RETENTION_MS = 30 * 86_400_000;

/** The id prefix for events made at `now`: 9 base-36 digits of milliseconds last until the year 5188. */
export const eventIdPrefix = (now: number) => `evt_${now.toString(36).padStart(9, "0")}`;
const newId = (prefix: SQL | ReturnType<typeof value>) => sql`${prefix} || lower(hex(randomblob(8)))`;

/**
 * The statements a verification's completion adds for a client with a webhook (the prepared completion batch's
 * `webhook` shape): the client's grant — the site learns the person's `sub` from the event and may ask the site API
 * about them, so it holds the person from now on, as a redeemed code would make it — and `identity.verified`. Both
 * only for the attempt this very batch completed (`completed_at` = now) for an active person: a repeat, a child
 * waiting for a guardian, or a batch that stored nothing writes no event.
 */
export function verifiedEventStatements(db: Db, agreed = false) {
  const g = (name: string) => value(`code_${name}`);
  // The completion: the attempt this batch completed, when its code may be issued. The consent page's agreement: the
  // code this batch issued with the consent.
  const when = agreed
    ? sql`EXISTS (SELECT 1 FROM ${codes} WHERE ${codes.authorizationId} = ${g("authorizationId")} AND ${codes.consentedAt} = ${value("now")})`
    : sql`${attempts.completedAt} = ${value("now")} AND ${consentHolds}`;
  const completedNow = sql`${attempts.attemptId} = ${value("attemptId")} AND ${attempts.resultId} = ${value("resultId")}
    AND ${attempts.userId} IS NOT NULL AND ${attempts.authorizationId} = ${g("authorizationId")}
    AND ${attempts.outcome} <> 'identity_mismatch'
    AND EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${attempts.userId} AND ${users.status} = 'active') AND ${when}`;
  return [
    db
      .insert(grants)
      .select(
        sql`SELECT ${g("clientId")}, ${attempts.userId}, COALESCE(${g("pairwiseSub")}, ${attempts.userId}), ${attempts.completedAt}, ${attempts.completedAt},
                   ${g("consentScope")}, ${g("consentedAt")}
            FROM ${attempts} WHERE ${completedNow}`,
      )
      .onConflictDoUpdate({ target: [grants.clientId, grants.userId], set: { lastVerifiedAt: sql`excluded.last_verified_at`, ...keptConsent } }),
    db
      .insert(events)
      .select(
        sql`SELECT ${newId(value("eventPrefix"))}, ${g("clientId")}, 'identity.verified', ${value("now")}, ${grants.sub}, ${attempts.outcome},
                   ${attempts.certifiedAt} / 1000, ${attempts.age}, ${guardianConsents.consentedAt}, NULL, 'pending', 0, NULL, NULL, ${value("now")}, NULL
            FROM ${attempts} JOIN ${grants} ON ${grants.clientId} = ${g("clientId")} AND ${grants.userId} = ${attempts.userId}
            LEFT JOIN ${guardianConsents} ON ${guardianConsents.userId} = ${attempts.userId}
            WHERE ${completedNow}`,
      )
      .returning({ id: events.id }),
  ] as const;
}

/** A client with a webhook, as the consent's batch is told about it. */
export interface HookedClient {
  id: string;
  pairwise: boolean;
}

/**
 * The statements a guardian's consent adds (in recordConsent's batch, guarded by `consented`: this batch recorded
 * it): for each attempt of the child that ran an authorization of a client with a webhook, the client's grant and
 * `identity.verified` (with `guardian_consent`), then `guardian.consented` — whether or not the child's page is
 * still open to take its code.
 */
export function consentEventStatements(db: Db, c: { childId: string; now: number; hooked: HookedClient[]; consented: SQL }) {
  if (c.hooked.length === 0) return [];
  const hooked = JSON.stringify(c.hooked.map((h) => [h.id, h.pairwise ? 1 : 0]));
  const childAttempts = sql`FROM ${attempts} JOIN json_each(${hooked}) AS hook ON json_extract(hook.value, '$[0]') = ${attempts.clientId}
    WHERE ${attempts.userId} = ${c.childId} AND ${attempts.outcome} IN ('new_user', 'existing_user') AND ${c.consented}`;
  const prefix = eventIdPrefix(c.now);
  const eventOf = (type: EventType) =>
    sql`SELECT ${newId(sql`${prefix}`)}, ${attempts.clientId}, ${type}, ${c.now}, ${grants.sub},
               ${type === "identity.verified" ? attempts.outcome : sql`NULL`}, ${type === "identity.verified" ? sql`${attempts.certifiedAt} / 1000` : sql`NULL`},
               ${type === "identity.verified" ? attempts.age : sql`NULL`}, ${c.now}, NULL, 'pending', 0, NULL, NULL, ${c.now}, NULL
        FROM (SELECT DISTINCT ${attempts.clientId} AS client_id, ${attempts.outcome} AS outcome, ${attempts.certifiedAt} AS certified_at, ${attempts.age} AS age
              ${childAttempts}) AS ${attempts}
        JOIN ${grants} ON ${grants.clientId} = ${attempts.clientId} AND ${grants.userId} = ${c.childId}`;
  return [
    db
      .insert(grants)
      .select(
        sql`SELECT DISTINCT ${attempts.clientId}, ${c.childId},
                   CASE WHEN json_extract(hook.value, '$[1]') = 1 THEN 'p_' || lower(hex(randomblob(18))) ELSE ${c.childId} END, ${c.now}, ${c.now},
                   NULL, NULL
            ${childAttempts}`,
      )
      .onConflictDoNothing(),
    db.insert(events).select(eventOf("identity.verified")).returning({ id: events.id }),
    db
      .insert(events)
      .select(sql`${eventOf("guardian.consented")} GROUP BY ${attempts.clientId}`)
      .returning({ id: events.id }),
  ] as const;
}

/** A client's events after `after` (an event id), oldest first: one more than `limit` tells there are more. */
export function clientEvents(db: Db, clientId: string, after: string | undefined, limit: number) {
  return db
    .select()
    .from(events)
    .where(and(eq(events.clientId, clientId), after ? gt(events.id, after) : undefined))
    .orderBy(asc(events.id))
    .limit(limit + 1)
    .all();
}

/**
 * One event of a client's, to be handed to the queue again: pending and due now, its count of tries starting over (a
 * failed event gets its full set of tries again). Null: not this client's, or unknown.
 */
export async function requeueEvent(db: Db, clientId: string, id: string, now: number): Promise<{ id: string; tries: number } | null> {
  const [row] = await requeueStatement(db, and(eq(events.id, id), eq(events.clientId, clientId))!, now);
  return row ?? null;
}

/** An event handed out again (a client's redeliver, an operator's): pending, due now, its tries starting over. */
export const requeueStatement = (db: Db, which: SQL, now: number) =>
  db
    .update(events)
    .set({ status: "pending", tries: 0, nextTryAt: now, claimedUntil: null })
    .where(which)
    .returning({ id: events.id, tries: events.tries });

/** How long a delivery holds its event: longer than the receiver's timeout. */
const CLAIM_MS = 30_000;

/**
 * Takes an event for its try number `tries` + 1: only while it is pending, due, has had exactly `tries` tries and
 * nobody else holds it — so two messages for the same try (a queue's redelivery beside a cron's hand-over) never
 * both post. The event taken, or, when not, the event as it stands (null: gone).
 */
export async function claimEvent(db: Db, id: string, tries: number, now: number): Promise<{ taken: boolean; event: Event | null }> {
  const [taken] = await db
    .update(events)
    .set({ claimedUntil: now + CLAIM_MS })
    .where(
      and(
        eq(events.id, id),
        eq(events.status, "pending"),
        eq(events.tries, tries),
        lte(events.nextTryAt, now),
        or(isNull(events.claimedUntil), lte(events.claimedUntil, now)),
      ),
    )
    .returning();
  if (taken) return { taken: true, event: taken };
  return { taken: false, event: (await db.select().from(events).where(eq(events.id, id)).get()) ?? null };
}

/** What one try came to: delivered, to be tried again at `nextTryAt`, or failed for good. */
export async function recordTry(
  db: Db,
  id: string,
  t: { status: "pending" | "delivered" | "failed"; httpStatus: number; at: number; nextTryAt: number },
): Promise<void> {
  await db
    .update(events)
    .set({ status: t.status, tries: sql`${events.tries} + 1`, lastStatus: t.httpStatus, lastTryAt: t.at, nextTryAt: t.nextTryAt, claimedUntil: null })
    .where(eq(events.id, id));
}

/** How long past its due time a pending event waits before the cron hands it over again (the queue may still hold it). */
export const OVERDUE_MS = 5 * 60_000;

/**
 * Pending events whose next try is well overdue — their message was lost (a local queue forgets on a restart) or
 * never sent (the Worker stopped between the batch and the hand-over): due again after another OVERDUE_MS, returned
 * to be handed to the queue.
 */
export async function takeOverdueEvents(db: Db, now: number, limit = 100): Promise<{ id: string; tries: number }[]> {
  const overdue = db
    .select({ id: events.id })
    .from(events)
    .where(and(eq(events.status, "pending"), lt(events.nextTryAt, now - OVERDUE_MS)))
    .limit(limit);
  const rows = await db
    .update(events)
    .set({ nextTryAt: now })
    .where(sql`${events.id} IN ${overdue}`)
    .returning({ id: events.id, tries: events.tries });
  return rows;
}

/** The last deliveries the app attempted (the sandbox's `GET /sandbox/webhooks`). */
export function recentDeliveries(db: Db, limit = 50) {
  return db
    .select({
      id: events.id,
      type: events.type,
      client_id: events.clientId,
      status: events.status,
      tries: events.tries,
      last_status: events.lastStatus,
    })
    .from(events)
    .where(gt(events.lastTryAt, 0))
    .orderBy(desc(events.lastTryAt))
    .limit(limit)
    .all();
}

/** Events (and their delivery records) older than the retention. */
export async function deleteOldEvents(db: Db, before: number): Promise<number> {
  const result = await db.delete(events).where(lt(events.createdAt, before)).run();
  return result.meta.changes ?? 0;
}

const agreedBatch = preparedBatch(
  (db: Db, webhook: boolean) => [...codeStatements(db), ...(webhook ? verifiedEventStatements(db, true) : [])],
  (webhook) => String(webhook),
);

/**
 * The consent page's agreement, in one batch: the code with the consent it carries to the grant, and for a client
 * with a webhook its grant (with the consent) and `identity.verified`. The ids of the events written.
 */
export async function issueConsented(
  db: Db,
  attempt: { attemptId: string; resultId: string },
  grant: CodeGrant,
  webhook: boolean,
): Promise<string[]> {
  const results = await agreedBatch(db, webhook, { ...codeValues(attempt, grant), now: grant.now, eventPrefix: eventIdPrefix(grant.now) });
  return webhook ? (results.at(-1) as unknown as { id: string }[]).map((e) => e.id) : [];
}
