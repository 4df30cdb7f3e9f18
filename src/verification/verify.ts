import type { Config } from "../config";
import type { Tally } from "../db/console";
import type { HookedClient } from "../db/events";
import { childOfConsent, recordConsent } from "../db/guardian";
import type { CodeGrant } from "../db/oidc";
import { type AttemptWithUser, completeAttempt, type Db, findAttempt, type IdentityKeys } from "../db/queries";
import { AppError } from "../errors";
import { randomHex, sha256Hex } from "../lib/crypto";
import { seoulDay } from "../lib/dates";
import type { ProviderResult, ResultSource, VerificationRef } from "../providers/provider";
import { mintAttemptId, readAttemptId } from "./attempt";
import { type ConsentLink, newConsentId } from "./consent";
import { identityKeysOf } from "./identity";
import { type AttemptWindow, type CheckedIdentity, checkResult, GUARDIAN_MIN_AGE, needsGuardian, windowFailure } from "./rules";
import type { VerifiedUser } from "./shapes";

/** A person verified: their account, new or found — or, for a child, pending until a guardian consents. */
export interface PersonResult {
  outcome: "new_user" | "existing_user" | "guardian_required";
  user: VerifiedUser;
  /** The attempt and the provider's result that completed it; the provider names them in answers. */
  verification: VerificationRef;
  /** `guardian_required`: the guardian's link (its id and deadline). */
  guardian?: ConsentLink;
  /** When a guardian consented to this account (epoch ms). */
  consentedAt?: number;
  /** The OIDC authorization the attempt completed, fixed when it first completed; null: none (the page's own flow). */
  authorizationId: string | null;
  /** The events this verification wrote (for a client with a webhook), to hand to the queue. */
  events?: string[];
}

/** A guardian verified and consented to a child's account: nothing about the child, nothing about them. */
export interface ConsentResult {
  outcome: "guardian_consented";
  verification: VerificationRef;
  consentedAt: number;
  /** The events the consent wrote (the child's client's, when it has a webhook), to hand to the queue. */
  events?: string[];
}

export type VerificationResult = PersonResult | ConsentResult;

export interface Deps {
  db: Db;
  config: Config;
  /** The provider's API: one result fetched by its id. */
  results: ResultSource;
  now?: () => number;
}

/** Where a verification runs, for the console's daily counts: the day in Seoul, the provider, the configured PG. */
export const tallyOf = (config: Config, now: number): Tally => ({
  day: seoulDay(now),
  provider: config.provider.name,
  pg: config.provider.pgProfile ?? "",
});

/** Issues an attempt for this browser: an id that carries its expiry and proves itself, and nothing stored. */
export async function issueAttempt(config: Config, browserToken: string, now = Date.now()) {
  const expiresAt = Math.ceil((now + config.sessionTtlSeconds * 1000) / 1000) * 1000;
  return { attemptId: await mintAttemptId(config.keyring.current, browserToken, expiresAt), expiresAt };
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
    /** The OIDC code to write with the success, for the attempt the result completes. */
    grantFor?: (attemptId: string) => Promise<CodeGrant | undefined>;
    /** Whether a client has a webhook: its grant and `identity.verified` are written with the success too. */
    hasWebhook?: (clientId: string) => boolean;
    /** The guardian's link this attempt was started from: the result is a guardian's consent, not an account. */
    consentFor?: (attemptId: string) => Promise<ConsentLink | undefined>;
  },
): Promise<VerificationResult> {
  const { db, config, results } = deps;
  const secrets = config.keyring.all;
  const now = deps.now?.() ?? Date.now();

  // On a failure path, what D1 holds for the attempt comes first: completed by this very result, it is a repeat
  // (a double click, a refreshed redirect) and gets the same answer; by another, `imp_uid_reused`.
  const unlessStored = async (attemptId: string, err: unknown): Promise<VerificationResult> => {
    const stored = await findAttempt(db, { attemptId });
    if (!stored) throw err;
    return settled(stored, input.resultId, now);
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
    if (found && found.attempt.browserHash === browserHash && found.user) return resultOf(found, now);
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
  const windowError = windowFailure(attempt, { certifiedAt: result.certifiedAt, now, pgCode: result.pgCode });
  if (windowError) return unlessStored(attemptId, windowError);
  const consent = await input.consentFor?.(attemptId);
  let identity: CheckedIdentity;
  try {
    // A guardian is held to the law's age below, not to MIN_AGE.
    identity = checkResult(result, now, consent ? { minAge: 0, ageRule: "international" } : config);
  } catch (err) {
    return unlessStored(attemptId, err);
  }
  const keys = await identityKeysOf(config, identity);
  const completion = { attemptId, resultId: input.resultId, browserHash, ...attempt, certifiedAt: identity.certifiedAt, now };
  if (consent) {
    // A third-party client's events wait for the person's own consent (the consent page), not the guardian's.
    const hooked = config.oidc.clients.filter((c) => c.webhook && !c.consent).map((c) => ({ id: c.id, pairwise: c.subjectType === "pairwise" }));
    return giveConsent(
      db,
      consent,
      identity,
      keys,
      { ...completion, tally: tallyOf(config, now) },
      () => unlessStored(attemptId, new AppError("imp_uid_reused")),
      hooked,
    );
  }

  const grant = await input.grantFor?.(attemptId);
  const {
    rows,
    cooldownUntil,
    conflict,
    events: written,
  } = await completeAttempt(db, {
    ...completion,
    age: identity.age,
    keys,
    tally: tallyOf(config, now),
    newUser: { id: `usr_${randomHex(16)}`, name: identity.name, gender: identity.gender, birthday: identity.birthday },
    grant,
    webhook: grant !== undefined && input.hasWebhook?.(grant.clientId) === true,
    // A child: a new account waits for a guardian's consent (PIPA §22-2), and goes if none comes in time.
    pending: needsGuardian(config, identity.internationalAge)
      ? { consentId: newConsentId(), until: now + config.guardianConsentTtlSeconds * 1000 }
      : undefined,
  });
  const stored = rows.find((row) => row.attempt.attemptId === attemptId);
  if (stored) {
    const result = settled(stored, input.resultId, now);
    return written.length > 0 ? { ...result, events: written } : result;
  }
  if (cooldownUntil !== null) throw new AppError("rejoin_cooldown");
  if (conflict) throw new AppError("identity_conflict");
  // This result completed another attempt (the provider ties each result to one attempt, so only a confused
  // provider can get here): it stays single-use.
  throw new AppError("imp_uid_reused", "result consumed by another attempt");
}

/**
 * A guardian's verification, for the child of their link, in the contract's order: not the child (same CI or DI),
 * an adult, within the deadline, the link unused. Nothing is written unless all hold, and then in one batch.
 */
async function giveConsent(
  db: Db,
  link: ConsentLink,
  identity: CheckedIdentity,
  keys: IdentityKeys,
  completion: AttemptWindow & { attemptId: string; resultId: string; browserHash: string; certifiedAt: number; now: number; tally: Tally },
  reused: () => Promise<VerificationResult>,
  hooked: HookedClient[],
): Promise<VerificationResult> {
  // The browser the child verified in cannot consent, whoever verifies in it: checked where the consent is given,
  // not only where the guardian's page is shown (the child's browser can prepare an attempt with the link itself).
  const child = await childOfConsent(db, link.consentId, completion.browserHash);
  const { now } = completion;
  const isChild =
    child &&
    (child.childsBrowser ||
      (child.identityKey !== null && [keys.ci, ...keys.previousCi].includes(child.identityKey)) ||
      (child.siteIdentityKey !== null && [keys.di, ...keys.previousDi].includes(child.siteIdentityKey)));
  if (isChild) throw new AppError("guardian_is_child");
  if (identity.internationalAge < GUARDIAN_MIN_AGE) throw new AppError("guardian_not_adult");
  if (!child || now >= link.expiresAt) return reused().catch(() => Promise.reject(new AppError("consent_expired")));
  if (child.status === "active") return reused().catch(() => Promise.reject(new AppError("consent_used")));
  const recorded = await recordConsent(db, {
    ...completion,
    // Of the guardian only the HMAC of their identity and the time are kept: their attempt's row keeps the ids that
    // make it single-use, not their age nor their browser.
    browserHash: "",
    age: 0,
    childId: child.id,
    guardianKey: (keys.ci ?? keys.di)!,
    hooked,
  });
  if (recorded.consentedAt !== null) {
    const { attemptId, resultId, certifiedAt } = completion;
    return {
      outcome: "guardian_consented",
      verification: { attemptId, resultId, certifiedAt: new Date(certifiedAt).toISOString() },
      consentedAt: recorded.consentedAt,
      ...(recorded.events.length > 0 ? { events: recorded.events } : {}),
    };
  }
  // Nothing written: this attempt or result was used already (a repeat answers as before), or another guardian,
  // or the deadline, came first.
  if (recorded.attemptTaken) return reused();
  const after = await childOfConsent(db, link.consentId);
  throw new AppError(after?.status === "active" ? "consent_used" : "consent_expired");
}

/** A stored attempt answers for this result: its outcome if this result completed it, else `imp_uid_reused`. */
function settled(stored: AttemptWithUser, resultId: string, now: number): VerificationResult {
  if (stored.attempt.resultId !== resultId) throw new AppError("imp_uid_reused", "attempt completed by another result");
  // The account this attempt found or created has been withdrawn since: the attempt stays used.
  if (!stored.user) throw new AppError("imp_uid_reused", "the attempt's account was withdrawn");
  return resultOf(stored, now);
}

function resultOf({ attempt, user }: AttemptWithUser, now: number): VerificationResult {
  if (!user) throw new Error("completed attempt without its user");
  const verification = { attemptId: attempt.attemptId, resultId: attempt.resultId, certifiedAt: new Date(attempt.certifiedAt).toISOString() };
  if (attempt.outcome === "guardian_consented") {
    // A guardian's repeat: the consent it gave, and nothing of the child.
    if (user.consentedAt === null) throw new AppError("imp_uid_reused", "the consent's child is gone");
    return { outcome: "guardian_consented", verification, consentedAt: user.consentedAt };
  }
  // A step-up that asked for another person: nothing was issued for the client, and a repeat says so again.
  if (attempt.outcome === "identity_mismatch") throw new AppError("identity_mismatch");
  const pending = user.status === "pending_guardian";
  // The guardian's time ran out: nothing of the child is used any more (the next clean-up deletes it).
  if (pending && (user.pendingUntil ?? 0) <= now) throw new AppError("consent_expired");
  return {
    outcome: pending ? "guardian_required" : attempt.outcome,
    ...(pending ? { guardian: { consentId: user.consentId!, expiresAt: user.pendingUntil! } } : {}),
    ...(user.consentedAt !== null ? { consentedAt: user.consentedAt } : {}),
    user: {
      id: user.id,
      name: user.name,
      gender: user.gender,
      birthday: user.birthday,
      age: attempt.age,
      created_at: new Date(user.createdAt).toISOString(),
    },
    verification,
    authorizationId: attempt.authorizationId,
  };
}
