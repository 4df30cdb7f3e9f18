import type { Config } from "../config";
import { completeAttempt, findAttempt, insertAttempt, isUniqueViolation, type AttemptWithUser, type Db } from "../db/queries";
import { AppError } from "../errors";
import { hmacHex, randomHex, sha256Hex } from "../lib/crypto";
import type { IdentityProvider, ProviderName, ProviderResult } from "../providers/provider";
import { attemptFailure, checkResult, windowBounds, type AttemptFacts, type CheckedIdentity } from "./rules";

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
  verification: { provider: ProviderName; imp_uid: string; merchant_uid: string; certified_at: string };
}

export interface Deps {
  db: Db;
  config: Config;
  provider: IdentityProvider;
  now?: () => number;
}

/** Issues an attempt: an unguessable merchant_uid (128 random bits, letters and digits) bound to the browser's cookie. */
export async function prepareAttempt(db: Db, config: Config, browserToken: string, now = Date.now()) {
  const merchantUid = `mid${randomHex(16)}`;
  const expiresAt = now + config.sessionTtlSeconds * 1000;
  await insertAttempt(db, { merchantUid, browserHash: await sha256Hex(browserToken), createdAt: now, expiresAt });
  return { merchantUid, expiresAt };
}

/**
 * The verification: decides only from the result that the provider holds, never from what the browser says about
 * it, with the checks of rules.ts in their order. Then it completes the attempt and finds or creates the one user
 * for this person, atomically, in one D1 round-trip.
 */
export async function verify(
  deps: Deps,
  input: { impUid: string; merchantUid?: string; browserToken?: string },
): Promise<VerificationResult> {
  const { db, config, provider } = deps;
  const browserHash = input.browserToken ? await sha256Hex(input.browserToken) : null;

  // A repeated request for a finished attempt still gets its answer when the provider has since deleted the
  // result or is failing: this browser's own completed attempt is in D1.
  const repeated = async (err: unknown): Promise<VerificationResult> => {
    const found = await findAttempt(db, { impUid: input.impUid });
    if (found && browserHash && found.attempt.browserHash === browserHash && isCompletedBy(found, input.impUid)) {
      return resultOf(found, provider.name);
    }
    throw err;
  };
  let result: ProviderResult | null;
  try {
    result = await provider.fetchResult(input.impUid);
  } catch (err) {
    return repeated(err);
  }
  if (!result) return repeated(new AppError("certification_not_found"));
  if (!result.attemptId || (input.merchantUid !== undefined && result.attemptId !== input.merchantUid)) {
    throw new AppError("unknown_merchant_uid");
  }
  const merchantUid = result.attemptId;
  const now = deps.now?.() ?? Date.now();
  const facts = { resultId: input.impUid, browserHash, certifiedAt: result.certifiedAt, now };

  // What the result alone decides. Its failures are reported only after the attempt's own checks, so that
  // someone else's imp_uid never reveals anything about its owner: that costs a read, but only on this path.
  let identity: CheckedIdentity;
  try {
    identity = checkResult(result, now, config);
  } catch (err) {
    const found = await findAttempt(db, { merchantUid });
    if (!found) throw new AppError("unknown_merchant_uid");
    const attemptError = attemptFailure(factsOf(found), facts);
    if (!attemptError && isCompletedBy(found, input.impUid)) return resultOf(found, provider.name);
    throw attemptError ?? err;
  }

  const [identityKey, siteIdentityKey] = await Promise.all([
    hmacHex(config.identityHmacKey, identity.ci),
    identity.di ? hmacHex(config.identityHmacKey, `site:${identity.di}`) : null,
  ]);

  // One round-trip: the batch completes the attempt only if it is still pending, bound to this browser,
  // unexpired and certified within its lifetime; afterwards the attempt as it stands tells what happened.
  let after: AttemptWithUser | null;
  try {
    after = await completeAttempt(db, {
      merchantUid,
      impUid: input.impUid,
      browserHash: browserHash ?? "",
      certifiedAt: identity.certifiedAt,
      window: windowBounds(identity.certifiedAt),
      age: identity.age,
      now,
      newUser: {
        id: `usr_${randomHex(16)}`,
        identityKey,
        siteIdentityKey,
        name: identity.name,
        gender: identity.gender,
        birthday: identity.birthday,
      },
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("imp_uid_reused", "imp_uid consumed by another attempt");
    throw err;
  }
  if (!after) throw new AppError("unknown_merchant_uid");
  const failure = attemptFailure(factsOf(after), facts);
  if (failure) throw failure;
  if (!isCompletedBy(after, input.impUid)) throw new Error("attempt neither completed nor refused");
  return resultOf(after, provider.name);
}

const factsOf = ({ attempt }: AttemptWithUser): AttemptFacts => ({ ...attempt, resultId: attempt.impUid });

const isCompletedBy = ({ attempt, user }: AttemptWithUser, impUid: string) =>
  attempt.state === "completed" && attempt.impUid === impUid && user !== null;

function resultOf({ attempt, user }: AttemptWithUser, provider: ProviderName): VerificationResult {
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
      provider,
      imp_uid: attempt.impUid,
      merchant_uid: attempt.merchantUid,
      certified_at: new Date(attempt.certifiedAt * 1000).toISOString(),
    },
  };
}
