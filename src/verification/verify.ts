import type { Config } from "../config";
import type { CodeGrant } from "../db/oidc";
import { type AttemptWithUser, completeAttempt, type Db, findAttempt } from "../db/queries";
import { AppError } from "../errors";
import { randomHex, sha256Hex } from "../lib/crypto";
import type { ProviderResult, ResultSource, VerificationRef } from "../providers/provider";
import { mintAttemptId, readAttemptId } from "./attempt";
import { identityKeysOf } from "./identity";
import { type CheckedIdentity, checkResult, windowFailure } from "./rules";
import type { VerifiedUser } from "./shapes";

export interface VerificationResult {
  outcome: "new_user" | "existing_user";
  user: VerifiedUser;
  /** The attempt and the provider's result that completed it; the provider names them in answers. */
  verification: VerificationRef;
}

export interface Deps {
  db: Db;
  config: Config;
  /** The provider's API: one result fetched by its id. */
  results: ResultSource;
  now?: () => number;
}

/** Issues an attempt for this browser: an id that carries its expiry and proves itself, and nothing stored. */
export async function issueAttempt(config: Config, browserToken: string, now = Date.now()) {
  const expiresAt = Math.ceil((now + config.sessionTtlSeconds * 1000) / 1000) * 1000;
  return { attemptId: await mintAttemptId(config.identityHmacKey, browserToken, expiresAt), expiresAt };
}

/**
 * The verification: decides only from the result that the provider holds, never from what the browser says about
 * it, with the checks of rules.ts in their order. The attempt id proves by itself that it was minted here, for
 * this browser, and until when; D1 is written once, when the attempt completes (the attempt row, and the user if
 * the person is new, in one round-trip), and read only to tell a repeat or a reuse apart on a failure path.
 */
export async function verify(
  deps: Deps,
  /** The provider's id of the result (V1 imp_uid, V2 id) and the attempt id when the request names it. */
  input: {
    resultId: string;
    attemptId?: string;
    browserToken?: string;
    /** The OIDC code and grant to write with the success, for the attempt the result completes. */
    grantFor?: (attemptId: string) => Promise<CodeGrant | undefined>;
  },
): Promise<VerificationResult> {
  const { db, config, results } = deps;
  const secrets = [config.identityHmacKey, ...config.previousIdentityHmacKeys];
  const now = deps.now?.() ?? Date.now();

  // On a failure path, what D1 holds for the attempt comes first: completed by this very result, it is a repeat
  // (a double click, a refreshed redirect) and gets the same answer; by another, `imp_uid_reused`.
  const unlessStored = async (attemptId: string, err: unknown): Promise<VerificationResult> => {
    const stored = await findAttempt(db, { attemptId });
    if (!stored) throw err;
    return settled(stored, input.resultId);
  };

  // An attempt id in the request is checked before any call to the provider.
  const named = input.attemptId === undefined ? undefined : await readAttemptId(secrets, input.attemptId, input.browserToken);
  if (input.attemptId !== undefined && named && now > named.expiresAt) {
    return unlessStored(input.attemptId, new AppError("session_expired"));
  }
  // A browser without a binding cookie of ours started no attempt here: nothing to ask the provider about.
  if (!input.browserToken) throw new AppError("session_mismatch", "no binding cookie");
  const browserHash = await sha256Hex(input.browserToken);

  // A repeated request for a finished attempt still gets its answer when the provider has since deleted the
  // result or is failing: this browser's own completed attempt is in D1.
  const repeated = async (err: unknown): Promise<VerificationResult> => {
    const found = await findAttempt(db, { resultId: input.resultId });
    if (found && found.attempt.browserHash === browserHash && found.user) return resultOf(found);
    throw err;
  };
  let result: ProviderResult | null;
  try {
    result = await results.fetchResult(input.resultId);
  } catch (err) {
    return repeated(err);
  }
  if (!result) return repeated(new AppError("certification_not_found"));
  if (!result.attemptId || (input.attemptId !== undefined && result.attemptId !== input.attemptId)) {
    throw new AppError("unknown_merchant_uid");
  }
  const attemptId = result.attemptId;
  const { expiresAt } = named ?? (await readAttemptId(secrets, attemptId, input.browserToken));
  const attempt = { createdAt: expiresAt - config.sessionTtlSeconds * 1000, expiresAt };
  const windowError = windowFailure(attempt, { certifiedAt: result.certifiedAt, now });
  if (windowError) return unlessStored(attemptId, windowError);
  let identity: CheckedIdentity;
  try {
    identity = checkResult(result, now, config);
  } catch (err) {
    return unlessStored(attemptId, err);
  }

  const grant = await input.grantFor?.(attemptId);
  const { rows, cooldownUntil, conflict } = await completeAttempt(db, {
    attemptId,
    resultId: input.resultId,
    browserHash,
    createdAt: attempt.createdAt,
    expiresAt: attempt.expiresAt,
    certifiedAt: identity.certifiedAt,
    age: identity.age,
    now,
    keys: await identityKeysOf(config, identity),
    newUser: { id: `usr_${randomHex(16)}`, name: identity.name, gender: identity.gender, birthday: identity.birthday },
    grant,
  });
  const stored = rows.find((row) => row.attempt.attemptId === attemptId);
  if (stored) return settled(stored, input.resultId);
  if (cooldownUntil !== null) throw new AppError("rejoin_cooldown");
  if (conflict) throw new AppError("identity_conflict");
  // This result completed another attempt (the provider ties each result to one attempt, so only a confused
  // provider can get here): it stays single-use.
  throw new AppError("imp_uid_reused", "result consumed by another attempt");
}

/** A stored attempt answers for this result: its outcome if this result completed it, else `imp_uid_reused`. */
function settled(stored: AttemptWithUser, resultId: string): VerificationResult {
  if (stored.attempt.resultId !== resultId) throw new AppError("imp_uid_reused", "attempt completed by another result");
  // The account this attempt found or created has been withdrawn since: the attempt stays used.
  if (!stored.user) throw new AppError("imp_uid_reused", "the attempt's account was withdrawn");
  return resultOf(stored);
}

function resultOf({ attempt, user }: AttemptWithUser): VerificationResult {
  if (!user) throw new Error("completed attempt without its user");

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
    verification: { attemptId: attempt.attemptId, resultId: attempt.resultId, certifiedAt: new Date(attempt.certifiedAt).toISOString() },
  };
}
