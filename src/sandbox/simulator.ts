import { and, desc, eq, gt, lte, sql } from "drizzle-orm";
import type { Db } from "../db/queries";
import { type SandboxOption, sandboxCertifications, sandboxTokens } from "../db/schema";
import { randomToken, sameText, toHex } from "../lib/crypto";

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
}

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
    createdAt: nowS(),
  });
  return impUid;
}

export type ConfirmOutcome = "confirmed" | "not_found" | "already_confirmed" | "wrong_otp" | "expired_otp";

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

const V2_OPERATORS: Record<Carrier, string> = {
  SKT: "SKT",
  KT: "KT",
  LGT: "LGU",
  SKT_MVNO: "SKT_MVNO",
  KT_MVNO: "KT_MVNO",
  LGT_MVNO: "LGU_MVNO",
};

/**
 * The record as PortOne V2's `GET /identity-verifications/{id}` returns it: VERIFIED once the code was confirmed,
 * FAILED once the code expired unconfirmed, READY before.
 */
export function identityVerificationResponse(row: typeof sandboxCertifications.$inferSelect, channelKey: string) {
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
  const status = row.certified ? "VERIFIED" : row.otpExpiresAt < nowS() ? "FAILED" : "READY";
  const changedAt = row.certifiedAt ?? (status === "FAILED" ? row.otpExpiresAt : row.createdAt);
  const common = {
    status,
    id: row.merchantUid,
    channel: { type: "LIVE", id: "channel-id-sandbox", key: channelKey, name: "sandbox", pgProvider: "DANAL", pgMerchantId: "sandbox" },
    requestedAt: iso(row.createdAt),
    updatedAt: iso(changedAt),
    statusChangedAt: iso(changedAt),
    version: "V2",
  };
  if (status === "VERIFIED") {
    // PortOne leaves out what the PG did not give: the developer options take fields away.
    const has = (option: SandboxOption) => (row.options ?? []).includes(option);
    return {
      ...common,
      verifiedCustomer: {
        name: row.name,
        operator: V2_OPERATORS[row.carrier as Carrier],
        phoneNumber: row.phone,
        birthDate: row.birthday,
        ...(has("null_gender") ? {} : { gender: row.gender === "male" ? "MALE" : "FEMALE" }),
        isForeigner: row.foreigner,
        ...(has("empty_ci") ? {} : { ci: row.uniqueKey }),
        ...(has("no_di") ? {} : { di: row.uniqueInSite }),
      },
      verifiedAt: iso(row.certifiedAt!),
      pgTxId: `sandbox_${row.impUid.slice(4)}`,
      pgRawResponse: "{}",
    };
  }
  const requestedCustomer = { name: row.name, phoneNumber: row.phone };
  return status === "FAILED"
    ? { ...common, requestedCustomer, failure: { reason: "인증번호 입력 시간이 초과되었습니다." } }
    : { ...common, requestedCustomer };
}

export function findCertification(db: Db, impUid: string) {
  return db.select().from(sandboxCertifications).where(eq(sandboxCertifications.impUid, impUid)).get();
}

export async function deleteCertification(db: Db, impUid: string) {
  return db.delete(sandboxCertifications).where(eq(sandboxCertifications.impUid, impUid)).returning().get();
}

/** The certification object exactly as `GET /certifications/{imp_uid}` returns it. */
export function certificationResponse(row: typeof sandboxCertifications.$inferSelect) {
  const [y, m, d] = row.birthday.split("-").map(Number) as [number, number, number];
  const has = (option: SandboxOption) => (row.options ?? []).includes(option);
  return {
    imp_uid: row.impUid,
    merchant_uid: row.merchantUid,
    pg_tid: `sandbox_${row.impUid.slice(4)}`,
    pg_provider: "danal",
    name: row.name,
    gender: has("null_gender") ? null : row.gender,
    birthday: row.birthday,
    birth: Date.UTC(y, m - 1, d) / 1000 - 9 * 3600, // 00:00 KST
    foreigner: row.foreigner,
    foreigner_v2: row.foreigner ? true : null,
    // Only with i'mport's extra approval: the developer option stands for a contract that has it.
    phone: has("phone_carrier") ? row.phone : null,
    carrier: has("phone_carrier") ? row.carrier : null,
    certified: row.certified,
    certified_at: row.certifiedAt ?? 0,
    unique_key: has("empty_ci") ? "" : row.uniqueKey,
    unique_in_site: has("no_di") ? null : row.uniqueInSite,
    origin: row.origin,
  };
}

function randomDigits(n: number): string {
  const values = crypto.getRandomValues(new Uint32Array(n));
  return Array.from(values, (v, i) => (i === 0 && n > 6 ? 1 + (v % 9) : v % 10)).join("");
}

async function digest(algorithm: "SHA-256" | "SHA-512", value: string) {
  return new Uint8Array(await crypto.subtle.digest(algorithm, new TextEncoder().encode(value)));
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
