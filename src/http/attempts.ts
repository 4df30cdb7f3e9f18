import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { ResultRef } from "../providers/provider";
import { signReceipt } from "../verification/receipt";
import { issueAttempt, type VerificationResult, verify } from "../verification/verify";
import { bindBrowser, browserToken } from "./browser";
import type { VerificationVariables } from "./context";
import { logUnexpected } from "./log";
import { bindReturnTo, boundReturnTo } from "./return-to";

/**
 * The HTTP side of an attempt, between the routes and the use-case: the binding cookie, `return_to`, receipts, and
 * the provider's names for what the core calls an attempt and its result.
 */

/**
 * A new attempt for this browser (minting it a binding cookie if it has none of ours), with the `return_to` it
 * will go back to bound to it; nothing is stored. The answer is what the page passes to the provider's SDK.
 */
export async function startAttempt<E extends AppEnv>(c: Context<E>, returnTo?: URL) {
  const config = c.get("config");
  const { attemptId, expiresAt } = await issueAttempt(config, await bindBrowser(c));
  await bindReturnTo(c, attemptId, returnTo);
  return config.provider.attemptStart({ attemptId, expiresAt: new Date(expiresAt).toISOString() });
}

/** A verification's answer, in the configured provider's names. */
export const answerOf = <E extends AppEnv>(c: Context<E>, result: VerificationResult) => ({
  outcome: result.outcome,
  user: result.user,
  verification: c.get("config").provider.verificationOf(result.verification),
});

export interface Verified {
  result: VerificationResult;
  /** The signed receipt, when the app has a key. */
  receipt?: string;
  /** Where the visitor goes back to, when the attempt was started with a `return_to`. */
  returnTo?: URL;
}

type VerifyContext = Context<AppEnv & { Variables: VerificationVariables }>;

/**
 * Runs the use-case with this request's per-request objects and browser, noting the outcome for the log line,
 * and signs the receipt for the site the attempt returns to. A `return_to` cookie that was tampered with is
 * refused before the provider is asked when the request names its attempt.
 */
export async function runVerification(c: VerifyContext, ref: ResultRef): Promise<Verified> {
  const config = c.get("config");
  const named = ref.attemptId ? await boundReturnTo(c, ref.attemptId) : undefined;
  const result = await verify({ db: c.get("db"), config, results: c.get("results") }, { ...ref, browserToken: await browserToken(c) });
  c.get("log").outcome = result.outcome;
  // The success is stored: nothing after this may turn it into an error answer. A receipt that cannot be made
  // (an altered return_to cookie, a signing fault) is left out, and the fault logged.
  try {
    // Only when the request did not name its attempt is the cookie read again, now that the result names it.
    const returnTo = ref.attemptId ? named : await boundReturnTo(c, result.verification.attemptId);
    if (!config.receiptKey) return { result };
    const origin = new URL(c.req.url).origin;
    const receipt = await signReceipt(result, {
      key: config.receiptKey,
      ttlSeconds: config.receiptTtlSeconds,
      issuer: origin,
      audience: returnTo?.origin ?? origin,
      ageRule: config.ageRule,
      minAge: config.minAge,
      provider: config.provider.name,
    });
    return { result, receipt, returnTo };
  } catch (err) {
    logUnexpected(c, err);
    return { result };
  }
}
