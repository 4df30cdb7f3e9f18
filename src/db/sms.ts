import { and, eq, lt, lte, sql } from "drizzle-orm";
import type { Db } from "./client";
import { smsPhones, smsSends } from "./schema";

/** How the SMS flow is paced and bounded: per attempt, per phone number (an hour), per code. */
export const SMS_LIMITS = {
  /** A code is good for 3 minutes, as the carriers' are. */
  codeMs: 180_000,
  /** A new code only after this pause. */
  resendMs: 30_000,
  /** Codes per attempt (the first and its resends). */
  sendsPerAttempt: 5,
  /** Codes tried per attempt: the fifth wrong one spends it. */
  triesPerAttempt: 5,
  /** Codes per phone number per hour, whatever the attempt or client. */
  sendsPerPhoneHour: 5,
} as const;

export type SmsRow = typeof smsSends.$inferSelect;

/** This browser's SMS flow of an attempt (by the attempt id, or by the result id a send returned). */
export function smsRowOf(db: Db, browserHash: string, by: { attemptId?: string; resultId?: string }) {
  const which = by.attemptId ? eq(smsSends.attemptId, by.attemptId) : eq(smsSends.resultId, by.resultId ?? "");
  return db
    .select()
    .from(smsSends)
    .where(and(which, eq(smsSends.browserHash, browserHash)))
    .get();
}

/**
 * Counts a code for this phone number (its keyed hash) in the current hour, atomically; returns the count with it.
 * A number past the limit gets no code, whichever attempt or client asks.
 */
export async function countPhoneSend(db: Db, phoneKey: string, now: number): Promise<number> {
  const hourAgo = now - 3_600_000;
  const row = await db
    .insert(smsPhones)
    .values({ phoneKey, windowStart: now, count: 1 })
    .onConflictDoUpdate({
      target: smsPhones.phoneKey,
      set: {
        count: sql`CASE WHEN ${smsPhones.windowStart} <= ${hourAgo} THEN 1 ELSE ${smsPhones.count} + 1 END`,
        windowStart: sql`CASE WHEN ${smsPhones.windowStart} <= ${hourAgo} THEN ${now} ELSE ${smsPhones.windowStart} END`,
      },
    })
    .returning({ count: smsPhones.count })
    .get();
  return row?.count ?? Number.POSITIVE_INFINITY;
}

/** The first code of an attempt: a row, unless one exists (an attempt sends once; then it resends). */
export async function claimFirstSend(db: Db, r: { attemptId: string; browserHash: string; now: number; expiresAt: number }) {
  const rows = await db
    .insert(smsSends)
    .values({
      attemptId: r.attemptId,
      browserHash: r.browserHash,
      sends: 1,
      codeExpiresAt: r.now + SMS_LIMITS.codeMs,
      resendAfter: r.now + SMS_LIMITS.resendMs,
      expiresAt: r.expiresAt,
    })
    .onConflictDoNothing()
    .returning();
  return rows[0];
}

/** Another code, atomically: only after the pause, within the sends and tries an attempt has. */
export async function claimResend(db: Db, r: { attemptId: string; browserHash: string; now: number }) {
  const rows = await db
    .update(smsSends)
    .set({ sends: sql`${smsSends.sends} + 1`, codeExpiresAt: r.now + SMS_LIMITS.codeMs, resendAfter: r.now + SMS_LIMITS.resendMs })
    .where(
      and(
        eq(smsSends.attemptId, r.attemptId),
        eq(smsSends.browserHash, r.browserHash),
        lte(smsSends.resendAfter, r.now),
        lt(smsSends.sends, SMS_LIMITS.sendsPerAttempt),
        lt(smsSends.tries, SMS_LIMITS.triesPerAttempt),
      ),
    )
    .returning();
  return rows[0];
}

export function noteResult(db: Db, attemptId: string, resultId: string) {
  return db.update(smsSends).set({ resultId }).where(eq(smsSends.attemptId, attemptId)).run();
}

/** One try of a code, reserved before the provider is asked, so that concurrent tries cannot exceed the limit. */
export async function claimTry(db: Db, attemptId: string): Promise<number | undefined> {
  const row = await db
    .update(smsSends)
    .set({ tries: sql`${smsSends.tries} + 1` })
    .where(and(eq(smsSends.attemptId, attemptId), lt(smsSends.tries, SMS_LIMITS.triesPerAttempt)))
    .returning({ tries: smsSends.tries })
    .get();
  return row?.tries;
}

/** The clean-up: flows of attempts that expired, and phone counts of hours gone by. */
export async function deleteSpentSms(db: Db, now: number) {
  const [flows, phones] = await db.batch([
    db.delete(smsSends).where(lt(smsSends.expiresAt, now)),
    db.delete(smsPhones).where(lte(smsPhones.windowStart, now - 3_600_000)),
  ]);
  return (flows.meta.changes ?? 0) + (phones.meta.changes ?? 0);
}
