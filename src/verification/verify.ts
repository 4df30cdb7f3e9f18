import type { Config } from "../config";
import { type AttemptWithUser, completeAttempt, type Db, findAttempt } from "../db/queries";
import { AppError } from "../errors";
import { hmacHex, randomHex, sha256Hex } from "../lib/crypto";
import type { IdentityProvider, ProviderName, ProviderResult } from "../providers/provider";
import { mintAttemptId, readAttemptId } from "./attempt";
import { type CheckedIdentity, checkResult, windowFailure } from "./rules";

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
  /** V1 names the certification and the attempt; in V2 both are the one identity verification id. */
  verification:
    | { provider: "v1"; imp_uid: string; merchant_uid: string; certified_at: string }
    | { provider: "v2"; identity_verification_id: string; certified_at: string };
}

export interface Deps {
  db: Db;
  config: Config;
  provider: IdentityProvider;
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
  input: { resultId: string; attemptId?: string; browserToken?: string },
): Promise<VerificationResult> {
  const { db, config, provider } = deps;
  const secret = config.identityHmacKey;
  const now = deps.now?.() ?? Date.now();

  // On a failure path, what D1 holds for the attempt comes first: completed by this very result, it is a repeat
  // (a double click, a refreshed redirect) and gets the same answer; by another, `imp_uid_reused`.
  const unlessStored = async (merchantUid: string, err: unknown): Promise<VerificationResult> => {
    const stored = await findAttempt(db, { merchantUid });
    if (!stored) throw err;
    return settled(stored, input.resultId, provider.name);
  };

  // An attempt id in the request is checked before any call to the provider.
  const named = input.attemptId === undefined ? undefined : await readAttemptId(secret, input.attemptId, input.browserToken);
  if (input.attemptId !== undefined && named && now > named.expiresAt) {
    return unlessStored(input.attemptId, new AppError("session_expired"));
  }
  // A browser without a binding cookie of ours started no attempt here: nothing to ask the provider about.
  if (!input.browserToken) throw new AppError("session_mismatch", "no binding cookie");
  const browserHash = await sha256Hex(input.browserToken);

  // A repeated request for a finished attempt still gets its answer when the provider has since deleted the
  // result or is failing: this browser's own completed attempt is in D1.
  const repeated = async (err: unknown): Promise<VerificationResult> => {
    const found = await findAttempt(db, { impUid: input.resultId });
    if (found && found.attempt.browserHash === browserHash && found.user) return resultOf(found, provider.name);
    throw err;
  };
  let result: ProviderResult | null;
  try {
    result = await provider.fetchResult(input.resultId);
  } catch (err) {
    return repeated(err);
  }
  if (!result) return repeated(new AppError("certification_not_found"));
  if (!result.attemptId || (input.attemptId !== undefined && result.attemptId !== input.attemptId)) {
    throw new AppError("unknown_merchant_uid");
  }
  const merchantUid = result.attemptId;
  const { expiresAt } = named ?? (await readAttemptId(secret, merchantUid, input.browserToken));
  const attempt = { createdAt: expiresAt - config.sessionTtlSeconds * 1000, expiresAt };
  const windowError = windowFailure(attempt, { certifiedAt: result.certifiedAt, now });
  if (windowError) return unlessStored(merchantUid, windowError);
  let identity: CheckedIdentity;
  try {
    identity = checkResult(result, now, config);
  } catch (err) {
    return unlessStored(merchantUid, err);
  }

  const [identityKey, siteIdentityKey] = await Promise.all([
    hmacHex(secret, identity.ci),
    identity.di ? hmacHex(secret, `site:${identity.di}`) : null,
  ]);
  const { rows, cooldownUntil } = await completeAttempt(db, {
    merchantUid,
    impUid: input.resultId,
    browserHash,
    createdAt: attempt.createdAt,
    expiresAt: attempt.expiresAt,
    certifiedAt: identity.certifiedAt,
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
  const stored = rows.find((row) => row.attempt.merchantUid === merchantUid);
  if (stored) return settled(stored, input.resultId, provider.name);
  if (cooldownUntil !== null) throw new AppError("rejoin_cooldown");
  // This imp_uid completed another attempt (the provider ties each result to one attempt, so only a confused
  // provider can get here): it stays single-use.
  throw new AppError("imp_uid_reused", "imp_uid consumed by another attempt");
}

/** A stored attempt answers for this result: its outcome if this result completed it, else `imp_uid_reused`. */
function settled(stored: AttemptWithUser, impUid: string, provider: ProviderName): VerificationResult {
  if (stored.attempt.impUid !== impUid) throw new AppError("imp_uid_reused", "attempt completed by another result");
  // The account this attempt found or created has been withdrawn since: the attempt stays used.
  if (!stored.user) throw new AppError("imp_uid_reused", "the attempt's account was withdrawn");
  return resultOf(stored, provider);
}

function resultOf({ attempt, user }: AttemptWithUser, provider: ProviderName): VerificationResult {
  if (!user) throw new Error("completed attempt without its user");
  const certified_at = new Date(attempt.certifiedAt * 1000).toISOString();
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
    verification:
      provider === "v1"
        ? { provider, imp_uid: attempt.impUid, merchant_uid: attempt.merchantUid, certified_at }
        : { provider, identity_verification_id: attempt.merchantUid, certified_at },
  };
}
