// The OIDC authorization as a browser carries it: which issuer this request answers as, and the sealed
// authorization an attempt runs, bound to the attempt by a cookie of its own.
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../env";
import { AppError } from "../errors";
import { attemptCookie, cookieName } from "../http/browser";
import { requestUrl } from "../http/url";
import { type Authorization, openAuthorization } from "../oidc/authorization";

/** The issuer: PUBLIC_URL; without it (sandbox mode only), the origin the page was loaded from. */
export function issuerOf<E extends AppEnv>(c: Context<E>): string {
  const config = c.get("config");
  if (config.oidc.publicUrl) return config.oidc.publicUrl;
  if (config.mode === "sandbox") return requestUrl(c).origin;
  throw new AppError("not_configured", "PUBLIC_URL is not set");
}

/** The cookie that carries the authorization an attempt runs, named after the attempt. */
const cookieOf = <E extends AppEnv>(c: Context<E>, attemptId: string) => cookieName(c, `imp_authz_${attemptId}`);

/** Binds the authorization to the attempt; `until` (epoch ms) keeps it for a child waiting for a guardian. */
export async function bindAuthorization<E extends AppEnv>(c: Context<E>, attemptId: string, sealed: string, until?: number) {
  setCookie(c, cookieOf(c, attemptId), sealed, attemptCookie(c, until));
}

/** The sealed authorization an attempt's cookie holds, unopened. */
export const boundAuthorizationCookie = <E extends AppEnv>(c: Context<E>, attemptId: string) => getCookie(c, cookieOf(c, attemptId));

/** The authorization this attempt runs, if any: sealed here, unexpired, its client and redirect URI still allowed. */
export async function boundAuthorization<E extends AppEnv>(c: Context<E>, attemptId: string): Promise<Authorization | undefined> {
  const sealed = boundAuthorizationCookie(c, attemptId);
  if (!sealed) return undefined;
  return openAuthorization(c.get("config"), sealed);
}
