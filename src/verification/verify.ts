import type { Config } from "../config";
import { completeAttempt, findAttempt, insertAttempt, isUniqueViolation, type AttemptWithUser, type Db } from "../db/queries";
import type { Certification, ImpClient } from "../iamport/client";
import { ageOn, birthdayFromBirth, formatDate, parseBirthday, seoulDate } from "./age";
import { hmacHex, randomToken, sha256Hex } from "./crypto";
import { AppError } from "./errors";

export interface VerificationResult {
  outcome: "new_user" | "existing_user";
  user: {
    id: string;
    name: string;
    gender: "male" | "female" | null;
    birthday: string;
    age: number;
    created_at: string;
  };
  verification: { imp_uid: string; merchant_uid: string; certified_at: string };
}

export interface Deps {
  db: Db;
  config: Config;
  client: ImpClient;
  now?: () => number;
}

/** Tolerated difference between i'mport's clock and ours when placing certified_at in the attempt's lifetime. */
const CLOCK_SKEW_MS = 30_000;

export const IMP_UID_PATTERN = /^imp_\d{1,32}$/;
export const MERCHANT_UID_PATTERN = /^mid_[A-Za-z0-9_-]{22}$/;

/** Issues an attempt: an unguessable merchant_uid (128 random bits) bound to the browser's cookie. */
export async function prepareAttempt(db: Db, config: Config, browserToken: string, now = Date.now()) {
  const merchantUid = `mid_${randomToken(16)}`;
  const expiresAt = now + config.sessionTtlSeconds * 1000;
  await insertAttempt(db, { merchantUid, browserHash: await sha256Hex(browserToken), createdAt: now, expiresAt });
  return { merchantUid, expiresAt };
}

/**
 * The verification: decides only from the certification that i'mport holds, never from what the browser says
 * about it. Checks, in order: the attempt was issued here to this browser and is pending and alive; the person
 * really finished (certified, within the attempt's lifetime); the identity is usable; the age is allowed.
 * Then it completes the attempt and finds or creates the one user for this person, atomically.
 */
export async function verify(
  deps: Deps,
  input: { impUid: string; merchantUid?: string; browserToken?: string },
): Promise<VerificationResult> {
  const { db, config, client } = deps;
  const browserHash = input.browserToken ? await sha256Hex(input.browserToken) : null;

  // With the merchant_uid in the body, the attempt is read while i'mport answers, and a repeated request for
  // a finished attempt is answered from D1 alone.
  const certificationCall = client.getCertification(input.impUid);
  certificationCall.catch(() => {}); // awaited below, unless D1 answers first (and then its failure is moot)
  const early = input.merchantUid ? await findAttempt(db, input.merchantUid) : null;
  if (early && isCompletedBy(early, input.impUid) && early.attempt.browserHash === browserHash) {
    return resultOf(early);
  }

  const cert = await certificationCall;
  if (!cert) throw new AppError("certification_not_found");
  if (!cert.merchantUid || (input.merchantUid !== undefined && cert.merchantUid !== input.merchantUid)) {
    throw new AppError("unknown_merchant_uid");
  }
  const found = input.merchantUid ? early : await findAttempt(db, cert.merchantUid);
  if (!found) throw new AppError("unknown_merchant_uid");
  const { attempt } = found;
  if (!browserHash || attempt.browserHash !== browserHash) throw new AppError("session_mismatch");
  if (attempt.state === "completed") {
    if (isCompletedBy(found, input.impUid)) return resultOf(found);
    throw new AppError("imp_uid_reused", "attempt already completed by another imp_uid");
  }

  const now = deps.now?.() ?? Date.now();
  if (now > attempt.expiresAt) throw new AppError("session_expired");
  const certifiedAt = checkCertified(cert, attempt.createdAt, attempt.expiresAt);
  const identity = identityOf(cert);
  const age = ageOn(identity.birthday, seoulDate(new Date(now)), config.ageRule);
  if (config.minAge > 0 && age < config.minAge) throw new AppError("age_restricted");

  const [identityKey, siteIdentityKey] = await Promise.all([
    hmacHex(config.identityHmacKey, identity.uniqueKey),
    identity.uniqueInSite ? hmacHex(config.identityHmacKey, `site:${identity.uniqueInSite}`) : null,
  ]);

  let after: AttemptWithUser | null;
  try {
    after = await completeAttempt(db, {
      merchantUid: attempt.merchantUid,
      impUid: input.impUid,
      certifiedAt,
      age,
      now,
      newUser: {
        id: `usr_${randomToken(16)}`,
        identityKey,
        siteIdentityKey,
        name: identity.name,
        gender: cert.gender,
        birthday: formatDate(identity.birthday),
      },
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("imp_uid_reused", "imp_uid consumed by another attempt");
    throw err;
  }
  if (!after || !isCompletedBy(after, input.impUid)) {
    throw new AppError("imp_uid_reused", "attempt completed concurrently by another imp_uid");
  }
  return resultOf(after);
}

const isCompletedBy = ({ attempt, user }: AttemptWithUser, impUid: string) =>
  attempt.state === "completed" && attempt.impUid === impUid && user !== null;

function checkCertified(cert: Certification, createdAt: number, expiresAt: number): number {
  if (!cert.certified || cert.certifiedAt === null) throw new AppError("not_certified", "certified is not true");
  const at = cert.certifiedAt * 1000;
  if (at < createdAt - CLOCK_SKEW_MS || at > expiresAt + CLOCK_SKEW_MS) {
    throw new AppError("not_certified", "certified_at outside the attempt's lifetime");
  }
  return cert.certifiedAt;
}

function identityOf(cert: Certification) {
  const uniqueKey = cert.uniqueKey?.trim();
  if (!uniqueKey) throw new AppError("identity_unavailable", "no unique_key");
  const birthday = parseBirthday(cert.birthday) ?? birthdayFromBirth(cert.birth);
  if (!birthday) throw new AppError("identity_unavailable", "no usable birthday");
  if (cert.name === null) throw new AppError("identity_unavailable", "no name");
  return { uniqueKey, uniqueInSite: cert.uniqueInSite?.trim() || null, birthday, name: cert.name };
}

function resultOf({ attempt, user }: AttemptWithUser): VerificationResult {
  if (!user || attempt.impUid === null || attempt.certifiedAt === null || attempt.age === null) {
    throw new Error("completed attempt without its user or certification");
  }
  return {
    outcome: user.createdByMerchantUid === attempt.merchantUid ? "new_user" : "existing_user",
    user: {
      id: user.id,
      name: user.name,
      gender: user.gender,
      birthday: user.birthday,
      age: attempt.age,
      created_at: new Date(user.createdAt).toISOString(),
    },
    verification: {
      imp_uid: attempt.impUid,
      merchant_uid: attempt.merchantUid,
      certified_at: new Date(attempt.certifiedAt * 1000).toISOString(),
    },
  };
}
