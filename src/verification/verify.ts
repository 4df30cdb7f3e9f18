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

  // A repeated request for a finished attempt still gets its answer when i'mport has since deleted the
  // certification or is failing: this browser's own completed attempt is in D1.
  const repeated = async (err: unknown): Promise<VerificationResult> => {
    const found = await findAttempt(db, { impUid: input.impUid });
    if (found && browserHash && found.attempt.browserHash === browserHash && isCompletedBy(found, input.impUid)) {
      return resultOf(found);
    }
    throw err;
  };
  let cert: Certification | null;
  try {
    cert = await client.getCertification(input.impUid);
  } catch (err) {
    return repeated(err);
  }
  if (!cert) return repeated(new AppError("certification_not_found"));
  if (!cert.merchantUid || (input.merchantUid !== undefined && cert.merchantUid !== input.merchantUid)) {
    throw new AppError("unknown_merchant_uid");
  }
  const merchantUid = cert.merchantUid;
  const now = deps.now?.() ?? Date.now();

  // What the certification alone decides. Its failures are reported only after the attempt's own checks, so that
  // someone else's imp_uid never reveals anything about its owner (age, completeness): that costs a read, but
  // only on this failure path.
  let checked: ReturnType<typeof checkCertification>;
  try {
    checked = checkCertification(cert, now, config);
  } catch (err) {
    const found = await findAttempt(db, { merchantUid });
    const attemptError = found && attemptFailure(found, input.impUid, browserHash, now, cert);
    if (found && !attemptError && isCompletedBy(found, input.impUid)) return resultOf(found);
    throw attemptError ?? (found ? err : new AppError("unknown_merchant_uid"));
  }

  const [identityKey, siteIdentityKey] = await Promise.all([
    hmacHex(config.identityHmacKey, checked.uniqueKey),
    checked.uniqueInSite ? hmacHex(config.identityHmacKey, `site:${checked.uniqueInSite}`) : null,
  ]);

  // One round-trip: the batch completes the attempt only if it is still pending, bound to this browser,
  // unexpired and certified within its lifetime; afterwards the attempt as it stands tells what happened.
  let after: AttemptWithUser | null;
  try {
    after = await completeAttempt(db, {
      merchantUid,
      impUid: input.impUid,
      browserHash: browserHash ?? "",
      certifiedAt: checked.certifiedAt,
      clockSkewMs: CLOCK_SKEW_MS,
      age: checked.age,
      now,
      newUser: {
        id: `usr_${randomToken(16)}`,
        identityKey,
        siteIdentityKey,
        name: checked.name,
        gender: cert.gender,
        birthday: formatDate(checked.birthday),
      },
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("imp_uid_reused", "imp_uid consumed by another attempt");
    throw err;
  }
  if (!after) throw new AppError("unknown_merchant_uid");
  const failure = attemptFailure(after, input.impUid, browserHash, now, cert);
  if (failure) throw failure;
  if (!isCompletedBy(after, input.impUid)) throw new Error("attempt neither completed nor refused");
  return resultOf(after);
}

const isCompletedBy = ({ attempt, user }: AttemptWithUser, impUid: string) =>
  attempt.state === "completed" && attempt.impUid === impUid && user !== null;

/**
 * Why this attempt cannot be completed by this certification, in the contract's order of precedence; `null`
 * when it can, or when it already was by this very imp_uid (a repeated request).
 */
function attemptFailure(
  found: AttemptWithUser,
  impUid: string,
  browserHash: string | null,
  now: number,
  cert: Certification,
): AppError | null {
  const { attempt } = found;
  if (!browserHash || attempt.browserHash !== browserHash) return new AppError("session_mismatch");
  if (attempt.state === "completed") {
    return isCompletedBy(found, impUid) ? null : new AppError("imp_uid_reused", "attempt already completed by another imp_uid");
  }
  if (now > attempt.expiresAt) return new AppError("session_expired");
  const at = (cert.certifiedAt ?? 0) * 1000;
  if (at < attempt.createdAt - CLOCK_SKEW_MS || at > attempt.expiresAt + CLOCK_SKEW_MS) {
    return new AppError("not_certified", "certified_at outside the attempt's lifetime");
  }
  return null;
}

/** The checks that depend on the certification alone: finished, a usable identity, old enough. */
function checkCertification(cert: Certification, now: number, config: Config) {
  if (!cert.certified || cert.certifiedAt === null) throw new AppError("not_certified", "certified is not true");
  const uniqueKey = cert.uniqueKey?.trim();
  if (!uniqueKey) throw new AppError("identity_unavailable", "no unique_key");
  const birthday = parseBirthday(cert.birthday) ?? birthdayFromBirth(cert.birth);
  if (!birthday) throw new AppError("identity_unavailable", "no usable birthday");
  if (cert.name === null) throw new AppError("identity_unavailable", "no name");
  const age = ageOn(birthday, seoulDate(new Date(now)), config.ageRule);
  if (config.minAge > 0 && age < config.minAge) throw new AppError("age_restricted");
  return { uniqueKey, uniqueInSite: cert.uniqueInSite?.trim() || null, birthday, name: cert.name, age, certifiedAt: cert.certifiedAt };
}

function resultOf({ attempt, user }: AttemptWithUser): VerificationResult {
  if (!user || attempt.impUid === null || attempt.certifiedAt === null || attempt.age === null || !attempt.outcome) {
    throw new Error("completed attempt without its user or certification");
  }
  return {
    outcome: attempt.outcome,
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
