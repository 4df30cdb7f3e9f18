import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../env";
import { randomToken } from "../lib/crypto";

/** The browser-binding cookie: random, HttpOnly, only sent to /certifications; D1 keeps only its SHA-256. */
export const BROWSER_COOKIE = "imp_browser";

/** This browser's binding token, if it sent a well-formed one. */
export const browserToken = (c: Context<AppEnv>) => {
  const value = getCookie(c, BROWSER_COOKIE);
  return value && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
};

/**
 * The attributes of the app's cookies: HttpOnly, SameSite=Lax, only sent to /certifications, Secure except on
 * http://localhost and 127.0.0.1, living a little longer than an attempt.
 */
export function attemptCookie(c: Context<AppEnv>) {
  const url = new URL(c.req.url);
  return {
    path: "/certifications",
    httpOnly: true,
    sameSite: "Lax" as const,
    secure: !(url.protocol === "http:" && (url.hostname === "localhost" || url.hostname === "127.0.0.1")),
    maxAge: c.get("config").sessionTtlSeconds + 300,
  };
}

/** Keeps this browser's token (or gives it one) for another attempt's lifetime. */
export function bindBrowser(c: Context<AppEnv>): string {
  const token = browserToken(c) ?? randomToken(32);
  setCookie(c, BROWSER_COOKIE, token, attemptCookie(c));
  return token;
}
