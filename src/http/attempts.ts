import type { Context } from "hono";
import type { CodeGrant } from "../db/oidc";
import type { AppEnv } from "../env";
import { randomToken } from "../lib/crypto";
import {
  type Authorization,
  bindAuthorization,
  boundAuthorization,
  CODE_TTL_MS,
  clientOf,
  codeOf,
  issuerOf,
  successRedirect,
} from "../oidc/authorization";
import type { ResultRef } from "../providers/provider";
import { issueAttempt, type VerificationResult, verify } from "../verification/verify";
import { bindBrowser, browserToken } from "./browser";
import type { VerificationVariables } from "./context";
import { logUnexpected } from "./log";

/**
 * The HTTP side of an attempt, between the routes and the use-case: the binding cookie, the OIDC authorization an
 * attempt runs, and the provider's names for what the core calls an attempt and its result.
 */

/**
 * A new attempt for this browser (minting it a binding cookie if it has none of ours), running the sealed OIDC
 * authorization when there is one; nothing is stored. The answer is what the page passes to the provider's SDK.
 */
export async function startAttempt<E extends AppEnv>(c: Context<E>, sealedAuthorization?: string) {
  const config = c.get("config");
  const { attemptId, expiresAt } = await issueAttempt(config, await bindBrowser(c));
  if (sealedAuthorization) await bindAuthorization(c, attemptId, sealedAuthorization);
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
  /** Inside an OIDC authorization: where the visitor goes now, `redirect_uri?code=…&state=…&iss=…`. */
  redirectTo?: string;
}

type VerifyContext = Context<AppEnv & { Variables: VerificationVariables }>;

/**
 * Runs the use-case with this request's per-request objects and browser, noting the outcome for the log line.
 * When the attempt runs an OIDC authorization, its code and the client's grant are written in the batch that
 * stores the success, and the answer says where the visitor goes with it.
 */
export async function runVerification(c: VerifyContext, ref: ResultRef): Promise<Verified> {
  const config = c.get("config");
  let authorization: Authorization | undefined;
  let code: string | undefined;
  const grantFor = async (attemptId: string): Promise<CodeGrant | undefined> => {
    authorization = await boundAuthorization(c, attemptId);
    if (!authorization) return undefined;
    const now = Date.now();
    const pairwise = clientOf(config, authorization.clientId)?.subjectType === "pairwise";
    const issued = await codeOf(config, authorization.id);
    code = issued.code;
    return {
      codeHash: issued.hash,
      authorizationId: authorization.id,
      clientId: authorization.clientId,
      redirectUri: authorization.redirectUri,
      challenge: authorization.challenge,
      scope: authorization.scope,
      nonce: authorization.nonce ?? null,
      expiresAt: now + CODE_TTL_MS,
      pairwiseSub: pairwise ? `p_${randomToken(24)}` : null,
      now,
    };
  };
  const result = await verify({ db: c.get("db"), config, results: c.get("results") }, { ...ref, browserToken: await browserToken(c), grantFor });
  c.get("log").outcome = result.outcome;
  // The success is stored: nothing after this may turn it into an error answer. A redirect that cannot be made
  // is left out, and the fault logged.
  try {
    // A repeat answered from D1 did not read the authorization: its code was issued by the first answer.
    authorization ??= await boundAuthorization(c, result.verification.attemptId);
    if (!authorization) return { result };
    return { result, redirectTo: await successRedirect(config, issuerOf(c), authorization, code) };
  } catch (err) {
    logUnexpected(c, err);
    return { result };
  }
}
