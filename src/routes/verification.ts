import type { Context } from "hono";
import type { AppEnv } from "../env";
import { browserToken } from "../http/browser";
import { verify, type VerificationResult } from "../verification/verify";

/** Runs the use-case with this request's per-request objects and browser, noting the outcome for the log line. */
export async function runVerification(
  c: Context<AppEnv>,
  input: { impUid: string; merchantUid?: string },
): Promise<VerificationResult> {
  const { db, config, provider } = c.var;
  const result = await verify({ db, config, provider }, { ...input, browserToken: browserToken(c) });
  c.var.log.outcome = result.outcome;
  return result;
}
