import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../env";
import { AppError } from "../errors";
import { hmacKey, sameText, toHex } from "../lib/crypto";
import { fromBase64Url, toBase64Url } from "../lib/encoding";
import { attemptCookie } from "./browser";

/** Longer than any real page address; anything longer is refused rather than truncated. */
const MAX_RETURN_TO_LENGTH = 2048;

/**
 * `return_to`, when it is allowed: an absolute URL without credentials whose origin is exactly one of
 * RETURN_ORIGINS. Everything else — `javascript:`, `data:`, relative URLs, `https://allowed.example@evil.example`,
 * another scheme or port, a look-alike host, an over-long URL — is `400 invalid_request`. No open redirect, ever.
 */
export function allowedReturnTo(raw: string, returnOrigins: readonly string[]): URL {
  const url = raw.length <= MAX_RETURN_TO_LENGTH && URL.canParse(raw) ? new URL(raw) : null;
  if (!url || url.username || url.password || !returnOrigins.includes(url.origin)) {
    throw new AppError("invalid_request", "return_to is not allowed");
  }
  return url;
}

/** A `return_to` from the request, checked, with what it needs: receipts to sign (503 without a key). */
export function requestedReturnTo<E extends AppEnv>(c: Context<E>, raw: string | undefined): URL | undefined {
  if (raw === undefined) return undefined;
  const config = c.get("config");
  const url = allowedReturnTo(raw, config.returnOrigins);
  if (!config.receiptKey) throw new AppError("not_configured", "return_to without RECEIPT_PRIVATE_KEY");
  return url;
}

/** The cookie that carries `return_to` through the redirect flow, bound to one attempt by an HMAC. */
const RETURN_COOKIE = "imp_return";
const LABEL = "imp-identity-edge/return-to/v1";
const encoder = new TextEncoder();

async function tag(secret: string, attemptId: string, returnTo: string) {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret, LABEL), encoder.encode(`${attemptId}\n${returnTo}`));
  return toHex(mac).slice(0, 32);
}

/** Binds `return_to` to this attempt, for the redirect flow (the popup flow's page knows it already). */
export async function bindReturnTo<E extends AppEnv>(c: Context<E>, attemptId: string, returnTo: URL | undefined) {
  if (!returnTo) return;
  const config = c.get("config");
  const value = `${attemptId}.${toBase64Url(encoder.encode(returnTo.href))}.${await tag(config.identityHmacKey, attemptId, returnTo.href)}`;
  setCookie(c, RETURN_COOKIE, value, attemptCookie(c));
}

/**
 * The `return_to` bound to this attempt, if any. A cookie for another attempt is not this one's; a cookie for this
 * attempt that was altered, or whose origin is no longer allowed, is refused (`400 invalid_request`).
 */
export async function boundReturnTo<E extends AppEnv>(c: Context<E>, attemptId: string): Promise<URL | undefined> {
  const [id, encoded, mac] = (getCookie(c, RETURN_COOKIE) ?? "").split(".");
  if (id !== attemptId || encoded === undefined || mac === undefined) return undefined;
  let returnTo: string;
  try {
    returnTo = new TextDecoder().decode(fromBase64Url(encoded));
  } catch {
    throw new AppError("invalid_request", "return_to cookie unreadable");
  }
  if (!sameText(mac, await tag(c.get("config").identityHmacKey, attemptId, returnTo)))
    throw new AppError("invalid_request", "return_to cookie altered");
  return requestedReturnTo(c, returnTo);
}

/** `return_to` with one parameter added to its query. */
export function withParam(returnTo: URL, name: string, value: string): string {
  const url = new URL(returnTo);
  url.searchParams.set(name, value);
  return url.href;
}
