import type { Context } from "hono";
import type { OidcClient } from "../config";
import { issueConsented } from "../db/events";
import { codeIssued } from "../db/oidc";
import { findAttempt } from "../db/queries";
import type { Attempt } from "../db/schema";
import type { AppEnv } from "../env";
import { AppError } from "../errors";
import { browserToken } from "../http/browser";
import type { StorageVariables } from "../http/context";
import { logUnexpected } from "../http/log";
import { sha256Hex } from "../lib/crypto";
import { type Authorization, clientOf, deniedRedirect, successRedirect } from "../oidc/authorization";
import { codeGrantOf } from "./attempts";
import { boundAuthorization, issuerOf } from "./authorization";
import { handOver } from "./events";

/**
 * The consent to provision (PIPA §17) between a third-party client's verification and its code: which attempt waits
 * for it, and what agreeing or declining does. The attempt must be this browser's, completed for this very
 * authorization by an active person; nothing is written until the person agrees, and nothing at all if they decline.
 */

type ProvisionContext = Context<AppEnv & { Variables: StorageVariables }>;

export type Pending =
  | { done: string }
  | { authorization: Authorization; client: OidcClient & { consent: NonNullable<OidcClient["consent"]> }; attempt: Attempt };

/** The attempt waiting for this browser's consent; `done` when its code was issued already (on to the client). */
export async function pendingConsent(c: ProvisionContext, attemptId: string | undefined): Promise<Pending> {
  if (!attemptId || !/^[A-Za-z0-9_-]{1,64}$/.test(attemptId)) throw new AppError("invalid_request", "attempt");
  const config = c.get("config");
  const authorization = await boundAuthorization(c, attemptId);
  if (!authorization) throw new AppError("session_mismatch", "no authorization bound to this attempt here");
  const client = clientOf(config, authorization.clientId);
  if (!client?.consent) throw new AppError("invalid_request", "the client asks for no consent");
  const token = await browserToken(c);
  const stored = await findAttempt(c.get("db"), { attemptId });
  const ours = stored && token && stored.attempt.browserHash === (await sha256Hex(token));
  if (!stored || !ours || stored.attempt.authorizationId !== authorization.id) throw new AppError("session_mismatch", "not this browser's attempt");
  const { attempt, user } = stored;
  if (user?.status !== "active" || (attempt.outcome !== "new_user" && attempt.outcome !== "existing_user")) {
    throw new AppError("invalid_request", "the attempt has nothing to consent to");
  }
  if (await codeIssued(c.get("db"), authorization.id)) return { done: await successRedirect(config, issuerOf(c), authorization) };
  return { authorization, client: client as OidcClient & { consent: NonNullable<OidcClient["consent"]> }, attempt };
}

/** The person's answer: agreeing issues the code with the consent (and the client's event), declining writes nothing. */
export async function answerConsent(c: ProvisionContext, pending: Exclude<Pending, { done: string }>, agree: boolean): Promise<string> {
  const { authorization, client, attempt } = pending;
  const config = c.get("config");
  const issuer = issuerOf(c);
  if (!agree) return deniedRedirect(issuer, authorization, "consent_declined");
  const { code, grant } = await codeGrantOf(config, authorization, Date.now());
  const events = await issueConsented(c.get("db"), attempt, grant, client.webhook !== undefined);
  if (events.length > 0) {
    c.executionCtx.waitUntil(
      handOver(
        c.env.EVENTS,
        events.map((id) => ({ id, tries: 0 })),
      ).catch((err) => logUnexpected(c, err)),
    );
  }
  // Written, or (withdrawn meanwhile, another tab first) not: only a code that exists is handed to the client.
  if (!(await codeIssued(c.get("db"), authorization.id))) throw new AppError("invalid_request", "the code could not be issued");
  return successRedirect(config, issuer, authorization, code);
}
