import type { Context } from "hono";
import type { AppEnv } from "../env";
import { bindBrowser, browserToken } from "../http/browser";
import { issueAttempt, verify, type VerificationResult } from "../verification/verify";

/** What the page passes to `IMP.certification` to start an attempt (the body of `prepare`, and in the page). */
export interface AttemptStart {
  provider: "v1";
  merchant_uid: string;
  expires_at: string;
  imp_code: string;
  params: Record<string, string>;
}

/** A new attempt for this browser (given a binding cookie if it has none); nothing is stored. */
export async function startAttempt(c: Context<AppEnv>): Promise<AttemptStart> {
  const config = c.get("config");
  const { merchantUid, expiresAt } = await issueAttempt(config, bindBrowser(c));
  const params: Record<string, string> = {};
  if (config.channelKey) params.channelKey = config.channelKey;
  if (config.pg) params.pg = config.pg;
  if (config.company) params.company = config.company;
  return { provider: "v1", merchant_uid: merchantUid, expires_at: new Date(expiresAt).toISOString(), imp_code: config.impCode, params };
}

/** Runs the use-case with this request's per-request objects and browser, noting the outcome for the log line. */
export async function runVerification(
  c: Context<AppEnv>,
  input: { impUid: string; merchantUid?: string },
): Promise<VerificationResult> {
  const db = c.get("db");
  const config = c.get("config");
  const provider = c.get("provider");
  const result = await verify({ db, config, provider }, { ...input, browserToken: browserToken(c) });
  c.get("log").outcome = result.outcome;
  return result;
}
