import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import type { AppEnv } from "../env";
import { randomToken } from "../lib/crypto";
import { opens, seal } from "../lib/keyring";
import { requestUrl } from "./url";

/**
 * The binding cookie ties attempts to one browser. Its value is minted here and authenticated here: 32 random bytes
 * and an HMAC of them under a key derived from IDENTITY_HMAC_KEY. A value we did not mint is replaced, never
 * adopted, so nobody can choose the value a victim's attempts get bound to. Over https its name carries the
 * `__Host-` prefix: only this origin, over https, at path `/`, can set it (no sibling subdomain can plant one).
 * D1 keeps only its SHA-256.
 */
const COOKIE = "imp_browser";
const LABEL = "imp-identity-edge/binding-cookie/v1";
const RANDOM_CHARS = 43; // 32 bytes, base64url

function isLocalHttp<E extends AppEnv>(c: Context<E>): boolean {
  const url = requestUrl(c);
  return url.protocol === "http:" && (url.hostname === "localhost" || url.hostname === "127.0.0.1");
}

/** A cookie's name: `__Host-<base>` over https; plain on http://localhost and 127.0.0.1, where `__Host-` cannot be set. */
export const cookieName = <E extends AppEnv>(c: Context<E>, base: string) => (isLocalHttp(c) ? base : `__Host-${base}`);

/** `__Host-imp_browser` over https; plain `imp_browser` on http://localhost and 127.0.0.1. */
export const browserCookieName = <E extends AppEnv>(c: Context<E>) => cookieName(c, COOKIE);

/** Every value the Cookie header gives this name (a browser sends duplicates when cookies of several paths match). */
function cookieValues(header: string | undefined, name: string): string[] {
  const values: string[] = [];
  for (const pair of (header ?? "").split(";")) {
    const at = pair.indexOf("=");
    if (at > 0 && pair.slice(0, at).trim() === name) values.push(pair.slice(at + 1).trim());
  }
  return values;
}

/**
 * This browser's binding token: exactly one cookie of the name, minted here. Two of them (one planted beside ours)
 * count as none, so a planted value never wins.
 */
export async function browserToken<E extends AppEnv>(c: Context<E>): Promise<string | undefined> {
  const values = cookieValues(c.req.header("Cookie"), browserCookieName(c));
  if (values.length !== 1) return undefined;
  const value = values[0]!;
  const dot = value.indexOf(".");
  const random = value.slice(0, dot);
  if (dot !== RANDOM_CHARS || !/^[A-Za-z0-9_-]+$/.test(random)) return undefined;
  // A cookie minted under a previous IDENTITY_HMAC_KEY stays this browser's during a rotation.
  return (await opens(c.get("config").keyring, LABEL, random, value.slice(dot + 1))) ? value : undefined;
}

/**
 * The attributes of the app's cookies: HttpOnly, SameSite=Lax, path `/` (as `__Host-` requires), Secure except on
 * http://localhost and 127.0.0.1, living a little longer than an attempt.
 */
export function attemptCookie<E extends AppEnv>(c: Context<E>, until?: number) {
  const ttl = c.get("config").sessionTtlSeconds;
  return {
    path: "/",
    httpOnly: true,
    sameSite: "Lax" as const,
    secure: !isLocalHttp(c),
    maxAge: Math.max(ttl, until === undefined ? 0 : Math.ceil((until - Date.now()) / 1000)) + 300,
  };
}

/** Keeps this browser's binding token until `until` (epoch ms): a child's page waiting for a guardian's consent. */
export function keepBrowser<E extends AppEnv>(c: Context<E>, token: string, until: number) {
  setCookie(c, browserCookieName(c), token, attemptCookie(c, until));
}

/** Keeps this browser's token (or mints it one) for another attempt's lifetime. */
export async function bindBrowser<E extends AppEnv>(c: Context<E>): Promise<string> {
  let token = await browserToken(c);
  if (!token) {
    const random = randomToken(32);
    token = await seal(c.get("config").keyring, LABEL, random);
  }
  setCookie(c, browserCookieName(c), token, attemptCookie(c));
  return token;
}

/** The app's own cookies as this origin spells them: the binding cookie and those named after an attempt. */
const OWN_COOKIE = /^(?:__Host-)?imp_(?:browser|authz_[\w.-]+|consent_[\w.-]+)$/;

/**
 * RP-Initiated Logout: every cookie of ours this request carries expires now. The app keeps no login session, so
 * nothing else ties this browser to a verification here.
 */
export function forgetBrowser<E extends AppEnv>(c: Context<E>) {
  const names = new Set((c.req.header("Cookie") ?? "").split(";").map((pair) => pair.slice(0, pair.indexOf("=")).trim()));
  const hostPrefixed = cookieName(c, "") !== "";
  for (const name of names) {
    if (OWN_COOKIE.test(name) && name.startsWith("__Host-") === hostPrefixed) setCookie(c, name, "", { ...attemptCookie(c), maxAge: 0 });
  }
}
