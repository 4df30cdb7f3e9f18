import { and, desc, eq, gt, lte, sql } from "drizzle-orm";
import type { Db } from "../db/queries";
import { randomToken, sameText, toHex } from "../lib/crypto";
import { type SandboxOption, sandboxCertifications, sandboxTokens } from "./schema";

/**
 * The state machine of the offline i'mport simulator, shared by its REST API (what the app's client talks to)
 * and by its carrier window (what a person sees). It follows i'mport's published REST and SDK behaviour.
 */

const TOKEN_LIFETIME_S = 30 * 60;
const TOKEN_EXTENSION_S = 5 * 60;
const OTP_LIFETIME_S = 3 * 60;
export const CARRIERS = ["SKT", "KT", "LGT", "SKT_MVNO", "KT_MVNO", "LGT_MVNO"] as const;
export type Carrier = (typeof CARRIERS)[number];

const nowS = () => Math.floor(Date.now() / 1000);

/** The same token while it is valid, extended by 5 minutes in its last minute, a new one after expiry. */
export async function issueToken(db: Db, impKey: string) {
  const now = nowS();
  const [, , rows] = await db.batch([
    db
      .insert(sandboxTokens)
      .values({ impKey, accessToken: randomToken(24), expiredAt: now + TOKEN_LIFETIME_S })
      .onConflictDoUpdate({
        target: sandboxTokens.impKey,
        set: { accessToken: sql`excluded.access_token`, expiredAt: sql`excluded.expired_at` },
        setWhere: lte(sandboxTokens.expiredAt, now),
      }),
    db
      .update(sandboxTokens)
      .set({ expiredAt: sql`${sandboxTokens.expiredAt} + ${TOKEN_EXTENSION_S}` })
      .where(and(eq(sandboxTokens.impKey, impKey), gt(sandboxTokens.expiredAt, now), lte(sandboxTokens.expiredAt, now + 60))),
    db.select().from(sandboxTokens).where(eq(sandboxTokens.impKey, impKey)),
  ]);
  const row = rows[0]!;
  return { access_token: row.accessToken, now, expired_at: row.expiredAt };
}

export async function tokenIsValid(db: Db, token: string): Promise<boolean> {
  const row = await db
    .select({ impKey: sandboxTokens.impKey })
    .from(sandboxTokens)
    .where(and(eq(sandboxTokens.accessToken, token), gt(sandboxTokens.expiredAt, nowS())))
    .get();
  return row !== undefined;
}

export interface Person {
  name: string;
  birthday: string; // YYYY-MM-DD
  gender: "male" | "female";
  phone: string; // digits
  carrier: Carrier;
  /** Foreigners' resident numbers (gender digit 5–8), or the window's developer option. */
  foreigner?: boolean;
  /** The window's developer options. */
  options?: SandboxOption[];
  /** The PG profile it ran under. */
  pg?: string | null;
}

/** One more than any code's so far, in the statement that sends the code (D1 runs statements one at a time). */
const nextOtpSequence = sql`(SELECT COALESCE(MAX(${sandboxCertifications.otpSequence}), 0) + 1 FROM ${sandboxCertifications})`;

/** Starts a verification: the record exists (certified: false) and an OTP goes to the simulated phone. */
export async function requestOtp(db: Db, person: Person, merchantUid: string | null, origin: string | null) {
  const identity = `${person.name}|${person.birthday}|${person.gender}`;
  const impUid = `imp_${randomDigits(12)}`;
  await db.insert(sandboxCertifications).values({
    impUid,
    merchantUid,
    ...person,
    foreigner: person.foreigner || (person.options ?? []).includes("foreigner"),
    // Deterministic per person, so verifying twice finds the existing account: CI is 88 base64 characters,
    // DI 64 characters, as i'mport's are.
    uniqueKey: toBase64(await digest("SHA-512", `sandbox-ci|${identity}`)),
    uniqueInSite: toHex(await digest("SHA-256", `sandbox-di|${identity}`)),
    origin,
    otp: randomDigits(6),
    otpExpiresAt: nowS() + OTP_LIFETIME_S,
    otpSequence: nextOtpSequence,
    createdAt: nowS(),
  });
  return impUid;
}

/** A new code for a verification that is not confirmed yet (V2's resend): the old one stops working. */
export async function resendOtp(db: Db, impUid: string) {
  return db
    .update(sandboxCertifications)
    .set({ otp: randomDigits(6), otpExpiresAt: nowS() + OTP_LIFETIME_S, otpSequence: nextOtpSequence })
    .where(and(eq(sandboxCertifications.impUid, impUid), eq(sandboxCertifications.certified, false)))
    .returning({ impUid: sandboxCertifications.impUid })
    .get();
}

/**
 * The simulated phone's inbox: the last code sent to this number — by the order codes went out, not by a clock (two
 * codes within one second would tie on seconds, and the inbox could show the older one).
 */
export function lastCodeTo(db: Db, phone: string) {
  return db
    .select({ otp: sandboxCertifications.otp })
    .from(sandboxCertifications)
    .where(eq(sandboxCertifications.phone, phone))
    .orderBy(desc(sandboxCertifications.otpSequence))
    .get();
}

/** How many verifications were requested for one attempt id (PortOne caps the transactions of an id). */
export async function requestsFor(db: Db, attemptId: string): Promise<number> {
  const row = await db.select({ n: sql<number>`COUNT(*)` }).from(sandboxCertifications).where(eq(sandboxCertifications.merchantUid, attemptId)).get();
  return row?.n ?? 0;
}

export type ConfirmOutcome = "confirmed" | "not_found" | "already_confirmed" | "wrong_otp" | "expired_otp";

/** How the carriers word a code that is not confirmed (the window and i'mport's OTP API say the same). */
export const CONFIRM_MESSAGES: Record<Exclude<ConfirmOutcome, "confirmed" | "not_found">, string> = {
  already_confirmed: "이미 인증이 완료된 건입니다.",
  wrong_otp: "인증번호가 일치하지 않습니다.",
  expired_otp: "인증번호 입력 시간이 초과되었습니다.",
};

export async function confirmOtp(db: Db, impUid: string, otp: string): Promise<ConfirmOutcome> {
  const row = await findCertification(db, impUid);
  if (!row) return "not_found";
  if (row.certified) return "already_confirmed";
  if (row.otpExpiresAt < nowS()) return "expired_otp";
  if (!sameText(row.otp, otp)) return "wrong_otp";
  const updated = await db
    .update(sandboxCertifications)
    .set({ certified: true, certifiedAt: nowS() })
    .where(and(eq(sandboxCertifications.impUid, impUid), eq(sandboxCertifications.certified, false)))
    .returning({ impUid: sandboxCertifications.impUid });
  return updated.length === 1 ? "confirmed" : "already_confirmed";
}

/** PortOne V2 keys a verification by the id the merchant chose: the latest window opened for that attempt. */
export function findByAttempt(db: Db, attemptId: string) {
  return db
    .select()
    .from(sandboxCertifications)
    .where(eq(sandboxCertifications.merchantUid, attemptId))
    .orderBy(desc(sandboxCertifications.createdAt), desc(sandboxCertifications.impUid))
    .get();
}

export function findCertification(db: Db, impUid: string) {
  return db.select().from(sandboxCertifications).where(eq(sandboxCertifications.impUid, impUid)).get();
}

export async function deleteCertification(db: Db, impUid: string) {
  return db.delete(sandboxCertifications).where(eq(sandboxCertifications.impUid, impUid)).returning().get();
}

function randomDigits(n: number): string {
  const values = crypto.getRandomValues(new Uint32Array(n));
  return Array.from(values, (v, i) => (i === 0 && n > 6 ? 1 + (v % 9) : v % 10)).join("");
}

async function digest(algorithm: "SHA-256" | "SHA-512", value: string) {
  return new Uint8Array(await crypto.subtle.digest(algorithm, new TextEncoder().encode(value)));
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
