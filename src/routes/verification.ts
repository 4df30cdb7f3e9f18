import type { Context } from "hono";
import type { AppEnv } from "../env";
import { bindBrowser, browserToken } from "../http/browser";
import { issueAttempt, verify, type VerificationResult } from "../verification/verify";

/**
 * What the page passes to the provider's SDK to start an attempt (the body of `prepare`, and in the page):
 * `IMP.certification` (V1) or `PortOne.requestIdentityVerification` (V2).
 */
export type AttemptStart =
  | { provider: "v1"; merchant_uid: string; expires_at: string; imp_code: string; params: Record<string, string> }
  | { provider: "v2"; identity_verification_id: string; expires_at: string; store_id: string; channel_key: string; params: Record<string, string> };

/** A new attempt for this browser (given a binding cookie if it has none); nothing is stored. */
export async function startAttempt(c: Context<AppEnv>): Promise<AttemptStart> {
  const config = c.get("config");
  const { attemptId, expiresAt } = await issueAttempt(config, bindBrowser(c));
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

/** Runs the use-case with this request's per-request objects and browser, noting the outcome for the log line. */
export async function runVerification(
  c: Context<AppEnv>,
  input: { resultId: string; attemptId?: string },
): Promise<VerificationResult> {
  const db = c.get("db");
  const config = c.get("config");
  const provider = c.get("provider");
  const result = await verify({ db, config, provider }, { ...input, browserToken: browserToken(c) });
  c.get("log").outcome = result.outcome;
  return result;
}
