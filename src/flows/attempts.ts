import type { Context } from "hono";
import type { Config } from "../config";
import { type CodeGrant, codeIssued, issueCode } from "../db/oidc";
import type { AppEnv } from "../env";
import { bindBrowser, browserToken, keepBrowser } from "../http/browser";
import type { VerificationVariables } from "../http/context";
import { logUnexpected } from "../http/log";
import { randomToken } from "../lib/crypto";
import { type Authorization, CODE_TTL_MS, clientOf, codeOf, successRedirect } from "../oidc/authorization";
import type { ResultRef } from "../providers/provider";
import { sealConsent } from "../verification/consent";
import { issueAttempt, type VerificationResult, verify } from "../verification/verify";
import { bindAuthorization, boundAuthorization, boundAuthorizationCookie, issuerOf } from "./authorization";
import { bindConsent, boundConsent } from "./consent";
import { handOver } from "./events";

/**
 * The HTTP side of an attempt, between the routes and the use-case: the binding cookie, the OIDC authorization an
 * attempt runs, and the provider's names for what the core calls an attempt and its result.
 */

/**
 * A new attempt for this browser (minting it a binding cookie if it has none of ours), running the sealed OIDC
 * authorization when there is one; nothing is stored. The answer is what the page passes to the provider's SDK.
 */
export async function startAttempt<E extends AppEnv>(c: Context<E>, runs: { authorization?: string; consent?: string } = {}) {
  const config = c.get("config");
  const { attemptId, expiresAt } = await issueAttempt(config, await bindBrowser(c));
  if (runs.authorization) await bindAuthorization(c, attemptId, runs.authorization);
  if (runs.consent) bindConsent(c, attemptId, runs.consent);
  return config.provider.attemptStart({ attemptId, expiresAt: new Date(expiresAt).toISOString() });
}

/** The guardian's link, absolute under PUBLIC_URL (in sandbox mode without it, this origin). */
export async function consentUrlOf<E extends AppEnv>(c: Context<E>, link: { consentId: string; expiresAt: number }) {
  return `${issuerOf(c)}/guardian/${await sealConsent(c.get("config"), link)}`;
}

/**
 * A verification's answer, in the configured provider's names, with its status: 202 while a child waits for a
 * guardian's consent (with the guardian's link), else 200. A guardian's own answer says only that they consented.
 */
export async function answerOf<E extends AppEnv>(c: Context<E>, result: VerificationResult) {
  const verification = c.get("config").provider.verificationOf(result.verification);
  const consent = result.consentedAt === undefined ? {} : { guardian_consent: { consented_at: new Date(result.consentedAt).toISOString() } };
  if (result.outcome === "guardian_consented") return { status: 200 as const, body: { outcome: result.outcome, verification, ...consent } };
  if (result.outcome === "guardian_required" && result.guardian) {
    const guardian = { consent_url: await consentUrlOf(c, result.guardian), expires_at: new Date(result.guardian.expiresAt).toISOString() };
    return {
      status: 202 as const,
      body: { outcome: result.outcome, user: { ...result.user, status: "pending_guardian" as const }, verification, guardian },
    };
  }
  return { status: 200 as const, body: { outcome: result.outcome, user: result.user, verification, ...consent } };
}

export interface Verified {
  result: VerificationResult;
  /** Inside an OIDC authorization: where the visitor goes now, `redirect_uri?code=…&state=…&iss=…`. */
  redirectTo?: string;
}

type VerifyContext = Context<AppEnv & { Variables: VerificationVariables }>;

/**
 * What issuing an authorization's code writes: the code (derived from the authorization), bound to its client,
 * redirect URI and challenge; a pairwise subject should the grant be new; the step-up's subject; and, for a
 * third-party client, whether its consent page must come first — or, once the person agreed (`agreedAt`), the consent
 * to record.
 */
export async function codeGrantOf(config: Config, authorization: Authorization, agreedAt?: number): Promise<{ code: string; grant: CodeGrant }> {
  const now = agreedAt ?? Date.now();
  const client = clientOf(config, authorization.clientId);
  const issued = await codeOf(config, authorization.id);
  const consent = !client?.consent || agreedAt !== undefined ? 0 : authorization.askConsent ? 2 : 1;
  return {
    code: issued.code,
    grant: {
      codeHash: issued.hash,
      authorizationId: authorization.id,
      clientId: authorization.clientId,
      redirectUri: authorization.redirectUri,
      challenge: authorization.challenge,
      scope: authorization.scope,
      nonce: authorization.nonce ?? null,
      expiresAt: now + CODE_TTL_MS,
      pairwiseSub: client?.subjectType === "pairwise" ? `p_${randomToken(24)}` : null,
      expectedSub: authorization.sub ?? null,
      consent,
      consentScope: agreedAt === undefined ? null : authorization.scope,
      consentedAt: agreedAt ?? null,
      now,
    },
  };
}

/**
 * Runs the use-case with this request's per-request objects and browser, noting the outcome for the log line.
 * When the attempt runs an OIDC authorization, its code (and for a client with a webhook, its grant and event) is
 * written in the batch that stores the success, and the answer says where the visitor goes with it: on to the client,
 * or first to the consent page of a third-party client.
 */
export async function runVerification(c: VerifyContext, ref: ResultRef): Promise<Verified> {
  const config = c.get("config");
  let authorization: Authorization | undefined;
  let code: string | undefined;
  const grantFor = async (attemptId: string): Promise<CodeGrant | undefined> => {
    authorization = await boundAuthorization(c, attemptId);
    if (!authorization) return undefined;
    const grant = await codeGrantOf(config, authorization);
    code = grant.code;
    return grant.grant;
  };
  const token = await browserToken(c);
  const consentFor = (attemptId: string) => boundConsent(c, attemptId);
  const db = c.get("db");
  const hasWebhook = (clientId: string) => clientOf(config, clientId)?.webhook !== undefined;
  const result = await verify({ db, config, results: c.get("results") }, { ...ref, browserToken: token, grantFor, consentFor, hasWebhook });
  c.get("log").outcome = result.outcome;
  // The events the success wrote go to the queue after the answer; if that fails, the cron hands them over.
  if (result.events) {
    const due = result.events.map((id) => ({ id, tries: 0 }));
    c.executionCtx.waitUntil(handOver(c.env.EVENTS, due).catch((err) => logUnexpected(c, err)));
  }
  // The success is stored: nothing after this may turn it into an error answer. A redirect that cannot be made
  // is left out, and the fault logged.
  try {
    const { attemptId, resultId } = result.verification;
    if (result.outcome === "guardian_consented") return { result };
    // A repeat answered from D1 did not read the authorization: its code was issued by the first answer.
    authorization ??= await boundAuthorization(c, attemptId);
    // One verification, one authorization: the one the attempt completed when it first did. A cookie naming another
    // (swapped in, or set after a verification of the page's own) is not followed, and no code was written for it.
    if (authorization && authorization.id !== result.authorizationId) {
      c.get("log").notes.authorization = ["not_the_attempts"];
      authorization = undefined;
    }
    if (result.outcome === "guardian_required") {
      // The child's page waits for the guardian: this browser and its authorization stay bound until the deadline.
      const until = result.guardian?.expiresAt ?? Date.now();
      if (token) keepBrowser(c, token, until);
      if (authorization)
        await bindAuthorization(c, attemptId, (await boundAuthorizationCookie(c, attemptId))!, Math.min(until, authorization.expiresAt));
      return { result };
    }
    if (!authorization) return { result };
    // A child's account became active when the guardian consented, after the attempt was stored: its code is
    // issued now, once (the statements are the batch's own, and a repeat finds the code there).
    if (result.consentedAt !== undefined) {
      const grant = await grantFor(attemptId);
      if (grant) await issueCode(db, { attemptId, resultId }, grant);
    }
    // A third-party client whose code waits for the person's consent (none recorded for this scope, or prompt=consent).
    if (clientOf(config, authorization.clientId)?.consent && !(await codeIssued(db, authorization.id))) {
      return { result, redirectTo: `${issuerOf(c)}/consent?attempt=${encodeURIComponent(attemptId)}` };
    }
    return { result, redirectTo: await successRedirect(config, issuerOf(c), authorization, code) };
  } catch (err) {
    logUnexpected(c, err);
    return { result };
  }
}

/** A verification as the JSON routes answer it (`POST /certifications`, the SMS confirm): status, body, `redirect_to`. */
export async function verifiedAnswer(c: VerifyContext, ref: ResultRef) {
  const { result, redirectTo } = await runVerification(c, ref);
  const { status, body } = await answerOf(c, result);
  return { status, body: { ...body, ...(redirectTo ? { redirect_to: redirectTo } : {}) } };
}
