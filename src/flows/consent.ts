import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../env";
import { attemptCookie, cookieName } from "../http/browser";
import { type ConsentLink, openConsent } from "../verification/consent";

/**
 * The guardian's link an attempt was started from, carried like an OIDC authorization: in a cookie named after the
 * attempt, so the verification of that attempt (popup or redirect) is read as the guardian's consent.
 */
const cookieOf = <E extends AppEnv>(c: Context<E>, attemptId: string) => cookieName(c, `imp_consent_${attemptId}`);

export function bindConsent<E extends AppEnv>(c: Context<E>, attemptId: string, token: string) {
  setCookie(c, cookieOf(c, attemptId), token, attemptCookie(c));
}

/** The link this attempt runs for, if any; one that was not sealed here is refused (`invalid_request`). */
export async function boundConsent<E extends AppEnv>(c: Context<E>, attemptId: string): Promise<ConsentLink | undefined> {
  const token = getCookie(c, cookieOf(c, attemptId));
  return token ? openConsent(c.get("config"), token) : undefined;
}
