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

const HOUR_MS = 3_600_000;

/** The phone number's hour is spent: as many codes counted for it within the hour as it may get. */
const phoneSpent = (phoneKey: string, now: number) =>
  sql`EXISTS (SELECT 1 FROM ${smsPhones} WHERE ${smsPhones.phoneKey} = ${phoneKey} AND ${smsPhones.windowStart} > ${now - HOUR_MS} AND ${smsPhones.count} >= ${SMS_LIMITS.sendsPerPhoneHour})`;

/** The number's count as its batch begins: to say why a claim was refused. */
const phoneRow = (db: Db, phoneKey: string) => db.select().from(smsPhones).where(eq(smsPhones.phoneKey, phoneKey));
const isSpent = (row: { windowStart: number; count: number } | undefined, now: number) =>
  row !== undefined && row.windowStart > now - HOUR_MS && row.count >= SMS_LIMITS.sendsPerPhoneHour;

/**
 * Counts a code for this phone number (its keyed hash) in the current hour — only when the send whose claim token
 * is `claim` was claimed earlier in the same batch: a send refused for the attempt (already sent, paced, spent) or
 * for the number costs the number nothing, so a stranger cannot spend someone else's hour. The number's row is
 * made first with no code counted, so the count itself is one conditional UPDATE.
 */
function countPhoneIfClaimed(db: Db, phoneKey: string, now: number, attemptId: string, claim: string) {
  const hourAgo = now - HOUR_MS;
  return [
    db.insert(smsPhones).values({ phoneKey, windowStart: now, count: 0 }).onConflictDoNothing(),
    db
      .update(smsPhones)
      .set({
        count: sql`CASE WHEN ${smsPhones.windowStart} <= ${hourAgo} THEN 1 ELSE ${smsPhones.count} + 1 END`,
        windowStart: sql`CASE WHEN ${smsPhones.windowStart} <= ${hourAgo} THEN ${now} ELSE ${smsPhones.windowStart} END`,
      })
      .where(
        and(
          eq(smsPhones.phoneKey, phoneKey),
          sql`EXISTS (SELECT 1 FROM ${smsSends} WHERE ${smsSends.attemptId} = ${attemptId} AND ${smsSends.claim} = ${claim})`,
        ),
      ),
  ] as const;
}

export type Claim = { row: SmsRow; phoneSpent?: undefined } | { row?: undefined; phoneSpent: boolean };

/**
 * The first code of an attempt: a row, unless one exists (an attempt sends once; then it resends) or the number's
 * hour is spent — then the row just written is taken back in the same batch. The number is counted in the same
 * batch too, only when the row stayed.
 */
export async function claimFirstSend(
  db: Db,
  r: { attemptId: string; browserHash: string; now: number; expiresAt: number; phoneKey: string },
): Promise<Claim> {
  const claim = crypto.randomUUID();
  const row: SmsRow = {
    attemptId: r.attemptId,
    resultId: null,
    browserHash: r.browserHash,
    sends: 1,
    tries: 0,
    codeExpiresAt: r.now + SMS_LIMITS.codeMs,
    resendAfter: r.now + SMS_LIMITS.resendMs,
    expiresAt: r.expiresAt,
    claim,
  };
  const [phone, inserted, withdrawn] = await db.batch([
    phoneRow(db, r.phoneKey),
    db.insert(smsSends).values(row).onConflictDoNothing().returning({ attemptId: smsSends.attemptId }),
    db
      .delete(smsSends)
      .where(and(eq(smsSends.attemptId, r.attemptId), eq(smsSends.claim, claim), phoneSpent(r.phoneKey, r.now)))
      .returning({ attemptId: smsSends.attemptId }),
    ...countPhoneIfClaimed(db, r.phoneKey, r.now, r.attemptId, claim),
  ]);
  return inserted.length === 1 && withdrawn.length === 0 ? { row } : { phoneSpent: isSpent(phone[0], r.now) };
}

/**
 * Another code, atomically: only after the pause, within the sends and tries an attempt has, and while the number's
 * hour is not spent (when the number is known: a provider whose resend needs no form gives none); the number is
 * counted in the same batch, only when the resend was claimed.
 */
export async function claimResend(db: Db, r: { attemptId: string; browserHash: string; now: number; phoneKey?: string }): Promise<Claim> {
  const claim = crypto.randomUUID();
  const update = db
    .update(smsSends)
    .set({ sends: sql`${smsSends.sends} + 1`, codeExpiresAt: r.now + SMS_LIMITS.codeMs, resendAfter: r.now + SMS_LIMITS.resendMs, claim })
    .where(
      and(
        eq(smsSends.attemptId, r.attemptId),
        eq(smsSends.browserHash, r.browserHash),
        lte(smsSends.resendAfter, r.now),
        lt(smsSends.sends, SMS_LIMITS.sendsPerAttempt),
        lt(smsSends.tries, SMS_LIMITS.triesPerAttempt),
        r.phoneKey ? sql`NOT ${phoneSpent(r.phoneKey, r.now)}` : undefined,
      ),
    )
    .returning();
  if (!r.phoneKey) {
    const [row] = await update;
    return row ? { row } : { phoneSpent: false };
  }
  const [phone, rows] = await db.batch([phoneRow(db, r.phoneKey), update, ...countPhoneIfClaimed(db, r.phoneKey, r.now, r.attemptId, claim)]);
  return rows[0] ? { row: rows[0] } : { phoneSpent: isSpent(phone[0], r.now) };
}

/** The claim of a send the provider refused: its code can only be wrong (see SendRefused); a later resend clears it. */
export const SEND_REFUSED = "refused";

export function noteResult(db: Db, attemptId: string, resultId: string, refused = false) {
  return db
    .update(smsSends)
    .set({ resultId, ...(refused ? { claim: SEND_REFUSED } : {}) })
    .where(eq(smsSends.attemptId, attemptId))
    .run();
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
    db.delete(smsPhones).where(lte(smsPhones.windowStart, now - HOUR_MS)),
  ]);
  return (flows.meta.changes ?? 0) + (phones.meta.changes ?? 0);
}
