import type { Context } from "hono";
import type { AppEnv } from "../env";
import { bindBrowser, browserToken } from "../http/browser";
import { logUnexpected } from "../http/log";
import { bindReturnTo, boundReturnTo } from "../http/return-to";
import { signReceipt } from "../verification/receipt";
import { issueAttempt, type VerificationResult, verify } from "../verification/verify";

/**
 * What the page passes to the provider's SDK to start an attempt (the body of `prepare`, and in the page):
 * `IMP.certification` (V1) or `PortOne.requestIdentityVerification` (V2).
 */
export type AttemptStart =
  | { provider: "v1"; merchant_uid: string; expires_at: string; imp_code: string; params: Record<string, string> }
  | { provider: "v2"; identity_verification_id: string; expires_at: string; store_id: string; channel_key: string; params: Record<string, string> };

/**
 * A new attempt for this browser (given a binding cookie if it has none), with the `return_to` it will go back
 * to bound to it; nothing is stored.
 */
export async function startAttempt(c: Context<AppEnv>, returnTo?: URL): Promise<AttemptStart> {
  const config = c.get("config");
  const { attemptId, expiresAt } = await issueAttempt(config, await bindBrowser(c));
  await bindReturnTo(c, attemptId, returnTo);
  const expires_at = new Date(expiresAt).toISOString();
  if (config.provider === "v2") {
    const { storeId, channelKey } = config.portone;
    return { provider: "v2", identity_verification_id: attemptId, expires_at, store_id: storeId, channel_key: channelKey, params: {} };
  }
  const params: Record<string, string> = {};
  if (config.channelKey) params.channelKey = config.channelKey;
  if (config.pg) params.pg = config.pg;
  if (config.company) params.company = config.company;
  return { provider: "v1", merchant_uid: attemptId, expires_at, imp_code: config.impCode, params };
}

export interface Verified {
  result: VerificationResult;
  /** The signed receipt, when the app has a key. */
  receipt?: string;
  /** Where the visitor goes back to, when the attempt was started with a `return_to`. */
  returnTo?: URL;
}

const attemptIdOf = (result: VerificationResult) =>
  result.verification.provider === "v1" ? result.verification.merchant_uid : result.verification.identity_verification_id;

/**
 * Runs the use-case with this request's per-request objects and browser, noting the outcome for the log line,
 * and signs the receipt for the site the attempt returns to. A `return_to` cookie that was tampered with is
 * refused before the provider is asked when the request names its attempt.
 */
export async function runVerification(c: Context<AppEnv>, input: { resultId: string; attemptId?: string }): Promise<Verified> {
  const config = c.get("config");
  const named = input.attemptId ? await boundReturnTo(c, input.attemptId) : undefined;
  const result = await verify({ db: c.get("db"), config, provider: c.get("provider") }, { ...input, browserToken: await browserToken(c) });
  c.get("log").outcome = result.outcome;
  // The success is stored: nothing after this may turn it into an error answer. A receipt that cannot be made
  // (an altered return_to cookie, a signing fault) is left out, and the fault logged.
  try {
    // Only when the request did not name its attempt is the cookie read again, now that the result names it.
    const returnTo = input.attemptId ? named : await boundReturnTo(c, attemptIdOf(result));
    if (!config.receiptKey) return { result };
    const origin = new URL(c.req.url).origin;
    const receipt = await signReceipt(result, {
      key: config.receiptKey,
      ttlSeconds: config.receiptTtlSeconds,
      issuer: origin,
      audience: returnTo?.origin ?? origin,
      ageRule: config.ageRule,
      minAge: config.minAge,
    });
    return { result, receipt, returnTo };
  } catch (err) {
    logUnexpected(c, err);
    return { result };
  }
}
