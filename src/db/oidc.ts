import { and, eq, gt, isNotNull, isNull, lt, ne, notExists, sql } from "drizzle-orm";
import type { Db } from "./client";
import { preparedBatch, type Values, value } from "./prepared";
import { attempts, codes, grants, guardianConsents, users, withdrawals } from "./schema";

/** What an attempt's completion writes for the OIDC authorization it ran: its code (the grant follows its redemption). */
export interface CodeGrant {
  codeHash: string;
  authorizationId: string;
  clientId: string;
  redirectUri: string;
  challenge: string;
  scope: string;
  nonce: string | null;
  expiresAt: number; // epoch ms
  /** A pairwise client's new subject, used if the person has no grant for it when the code is redeemed; null: public (the user id). */
  pairwiseSub: string | null;
  /** A step-up: the subject the person must already be at this client, or nothing is issued (`identity_mismatch`). */
  expectedSub: string | null;
  /**
   * A third-party client's consent (PIPA §17): 0 — none needed (or given just now, `consentScope`); 1 — issued only
   * while the grant's recorded consent covers the scope, else the consent page asks first; 2 — asked again whatever
   * was recorded (`prompt=consent`).
   */
  consent: 0 | 1 | 2;
  /** The consent given on the consent page for this code (its scope, when): recorded with the grant. */
  consentScope: string | null;
  consentedAt: number | null;
  now: number;
}

/**
 * The statement that issues an authorization's code in the batch that completes its attempt, so the code exists
 * exactly when the success is stored: INSERT … SELECT from the attempt row this result completed, so a repeat finds
 * the code already there (one code per authorization), and nothing is written for an attempt that did not complete.
 * The client's grant is written when the code is redeemed (`redeemCode`). Prepared (db/prepared.ts): its values are
 * `codeValues`.
 */
export function codeStatements(db: Db) {
  const g = (name: keyof CodeGrant) => value(`code_${name}`);
  // A child whose guardian has not consented yet gets no code until the account is active.
  const completed = sql`FROM ${attempts} WHERE ${attempts.attemptId} = ${value("attemptId")} AND ${attempts.resultId} = ${value("resultId")}
    AND ${attempts.userId} IS NOT NULL AND ${attempts.authorizationId} = ${g("authorizationId")} AND ${attempts.outcome} <> 'identity_mismatch'
    AND EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${attempts.userId} AND ${users.status} = 'active') AND ${consentHolds}`;
  return [
    db
      .insert(codes)
      .select(
        sql`SELECT ${g("codeHash")}, ${g("authorizationId")}, ${g("clientId")}, ${g("redirectUri")}, ${g("challenge")}, ${g("scope")}, ${g("nonce")},
                   ${value("attemptId")}, ${attempts.userId}, ${g("pairwiseSub")}, ${g("consentScope")}, ${g("consentedAt")}, ${g("expiresAt")},
                   NULL, NULL, 0 ${completed}`,
      )
      .onConflictDoNothing(),
  ] as const;
}

/**
 * A third-party client's code is issued only with the person's consent: none needed, given just now, or recorded with
 * the grant for at least this scope (`openid profile` covers `openid`) — unless `prompt=consent` asks again.
 */
export const consentHolds = sql`(${value("code_consent")} = 0 OR (${value("code_consent")} = 1 AND EXISTS (SELECT 1 FROM ${grants}
  WHERE ${grants.clientId} = ${value("code_clientId")} AND ${grants.userId} = ${attempts.userId} AND ${grants.consentScope} IS NOT NULL
    AND (${value("code_scope")} = 'openid' OR ${grants.consentScope} = 'openid profile'))))`;

/** The values of `codeStatements` for this attempt and grant. */
export const codeValues = (attempt: { attemptId: string; resultId: string }, grant: CodeGrant): Values => ({
  attemptId: attempt.attemptId,
  resultId: attempt.resultId,
  ...Object.fromEntries(Object.entries(grant).map(([name, v]) => [`code_${name}`, v])),
});

const codeBatch = preparedBatch(codeStatements, () => "");

/** Issues the code of an attempt completed earlier (a child's, once the guardian consented): one round-trip. */
export const issueCode = (db: Db, attempt: { attemptId: string; resultId: string }, grant: CodeGrant) =>
  codeBatch(db, undefined, codeValues(attempt, grant));

/** On a grant written again: a consent given now replaces the one recorded; none given keeps it. */
export const keptConsent = {
  consentScope: sql`COALESCE(excluded.consent_scope, ${grants.consentScope})`,
  consentedAt: sql`CASE WHEN excluded.consent_scope IS NULL THEN ${grants.consentedAt} ELSE excluded.consented_at END`,
};

/** The code of an authorization, if one was issued (a third-party client's waits for the consent page). */
export async function codeIssued(db: Db, authorizationId: string): Promise<boolean> {
  return (await db.select({ one: sql`1` }).from(codes).where(eq(codes.authorizationId, authorizationId)).get()) !== undefined;
}

/** A code's person, as the tokens describe them. */
const grantedPerson = {
  clientId: codes.clientId,
  scope: codes.scope,
  nonce: codes.nonce,
  usedAt: codes.usedAt,
  sub: grants.sub,
  name: users.name,
  gender: users.gender,
  birthday: users.birthday,
  outcome: attempts.outcome,
  age: attempts.age,
  certifiedAt: attempts.certifiedAt,
  consentedAt: guardianConsents.consentedAt,
};

export type GrantedPerson = {
  clientId: string;
  scope: string;
  nonce: string | null;
  usedAt: number | null;
  sub: string;
  name: string;
  gender: "male" | "female" | null;
  birthday: string;
  outcome: "new_user" | "existing_user";
  age: number;
  certifiedAt: number;
  /** When a legal guardian consented to this (child's) account; null: none was needed. */
  consentedAt: number | null;
};

const selectGranted = (db: Db) =>
  db
    .select(grantedPerson)
    .from(codes)
    .innerJoin(users, eq(users.id, codes.userId))
    .innerJoin(grants, and(eq(grants.clientId, codes.clientId), eq(grants.userId, codes.userId)))
    .innerJoin(attempts, eq(attempts.attemptId, codes.attemptId))
    .leftJoin(guardianConsents, eq(guardianConsents.userId, users.id));

/**
 * The exchange of a code, in one batch: it is used only if it is unused, unrevoked, unexpired and bound to this
 * client, redirect URI and challenge; a code that was already used is revoked (with the access token it gave). The
 * exchange that uses it writes the client's grant (its first, with the code's subject) or brings the grant's last
 * verification forward. Returns the person when this exchange used it.
 */
export async function redeemCode(
  db: Db,
  r: { codeHash: string; clientId: string; redirectUri: string; challenge: string; now: number; exchange: string },
): Promise<GrantedPerson | null> {
  const mine = and(eq(codes.codeHash, r.codeHash), eq(codes.clientId, r.clientId));
  const [, , , rows] = await db.batch([
    db
      .update(codes)
      .set({ usedAt: r.now, usedBy: r.exchange })
      .where(
        and(
          mine,
          isNull(codes.usedAt),
          eq(codes.revoked, false),
          eq(codes.redirectUri, r.redirectUri),
          eq(codes.codeChallenge, r.challenge),
          gt(codes.expiresAt, r.now),
        ),
      ),
    // A replay: used before, by another exchange. RFC 6749 §4.1.2: deny it, and revoke what the code gave.
    db
      .update(codes)
      .set({ revoked: true })
      .where(and(mine, isNotNull(codes.usedAt), ne(codes.usedBy, r.exchange))),
    // A grant counts once its code is redeemed: the site API and `outcome` know the person from here on.
    db
      .insert(grants)
      .select(
        sql`SELECT ${codes.clientId}, ${codes.userId}, COALESCE(${codes.sub}, ${codes.userId}), ${attempts.completedAt}, ${attempts.completedAt},
                   ${codes.consentScope}, ${codes.consentedAt}
            FROM ${codes} JOIN ${attempts} ON ${attempts.attemptId} = ${codes.attemptId}
            WHERE ${codes.codeHash} = ${r.codeHash} AND ${codes.clientId} = ${r.clientId} AND ${codes.usedBy} = ${r.exchange}`,
      )
      .onConflictDoUpdate({
        target: [grants.clientId, grants.userId],
        set: { lastVerifiedAt: sql`MAX(COALESCE(${grants.lastVerifiedAt}, 0), excluded.last_verified_at)`, ...keptConsent },
      }),
    selectGranted(db).where(and(mine, eq(codes.usedBy, r.exchange))),
  ]);
  return (rows[0] as GrantedPerson | undefined) ?? null;
}

/** The person an access token stands for, while the code it came from is used and not revoked. */
export async function tokenPerson(db: Db, codeHash: string, clientId: string): Promise<GrantedPerson | null> {
  const row = await selectGranted(db)
    .where(and(eq(codes.codeHash, codeHash), eq(codes.clientId, clientId), isNotNull(codes.usedAt), eq(codes.revoked, false)))
    .get();
  return (row as GrantedPerson | undefined) ?? null;
}

/** A user as one client may see them: only through its grant, by the subject it knows. */
export function grantedUser(db: Db, clientId: string, sub: string) {
  return db
    .select({ user: users, grant: grants, consentedAt: guardianConsents.consentedAt })
    .from(grants)
    .innerJoin(users, eq(users.id, grants.userId))
    .leftJoin(guardianConsents, eq(guardianConsents.userId, users.id))
    .where(and(eq(grants.clientId, clientId), eq(grants.sub, sub)))
    .get();
}

/**
 * The person leaves one client, in one batch: its grant goes (with its codes); when no other client holds a grant
 * the account goes too — with a cooldown only the HMACs of their keys are kept, their completed attempts no longer
 * point to them, their row is deleted. The guards are in SQL, so a grant made meanwhile by another client keeps
 * the account.
 */
export async function revokeGrant(
  db: Db,
  clientId: string,
  userId: string,
  cooldownUntil: number | null,
): Promise<{ deleted: boolean; accountDeleted: boolean }> {
  const orphan = notExists(db.select({ one: sql`1` }).from(grants).where(eq(grants.userId, userId)));
  const statements = [
    db
      .delete(grants)
      .where(and(eq(grants.clientId, clientId), eq(grants.userId, userId)))
      .returning({ userId: grants.userId }),
    db.delete(codes).where(and(eq(codes.userId, userId), eq(codes.clientId, clientId))),
    ...(cooldownUntil
      ? [
          db
            .insert(withdrawals)
            .select(
              sql`SELECT key, ${cooldownUntil} FROM (
                SELECT ${users.identityKey} AS key FROM ${users} WHERE ${users.id} = ${userId}
                UNION ALL SELECT ${users.siteIdentityKey} FROM ${users} WHERE ${users.id} = ${userId}
              ) WHERE key IS NOT NULL AND ${orphan}`,
            )
            .onConflictDoUpdate({ target: withdrawals.identityKey, set: { until: sql`excluded.until` } }),
        ]
      : []),
    db
      .update(attempts)
      .set({ userId: null })
      .where(and(eq(attempts.userId, userId), orphan)),
    db.delete(codes).where(and(eq(codes.userId, userId), orphan)),
    // The guardian's consent goes with the child's account.
    db.delete(guardianConsents).where(and(eq(guardianConsents.userId, userId), orphan)),
    db
      .delete(users)
      .where(and(eq(users.id, userId), orphan))
      .returning({ id: users.id }),
  ];
  const results = (await db.batch(statements as unknown as Parameters<Db["batch"]>[0])) as unknown as unknown[][];
  return { deleted: results[0]!.length === 1, accountDeleted: results.at(-1)!.length === 1 };
}

/** Codes whose access tokens can no longer be used. */
export async function deleteSpentCodes(db: Db, before: number): Promise<number> {
  const result = await db.delete(codes).where(lt(codes.expiresAt, before)).run();
  return result.meta.changes ?? 0;
}
