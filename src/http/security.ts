import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { AppError } from "../errors";
import { requestUrl } from "./url";

/** Headers every response carries; pages add their own Content-Security-Policy. */
export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const h = c.res.headers;
  h.set("X-Content-Type-Options", "nosniff");
  h.set("Referrer-Policy", "no-referrer");
  h.set("X-Frame-Options", "DENY");
  if (requestUrl(c).protocol === "https:") {
    h.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  }
  if (!h.has("Cache-Control")) h.set("Cache-Control", "no-store");
});

/** The routes that serve verifications need a configuration without problems; live mode never falls back. */
export const requireConfig = createMiddleware<AppEnv>(async (c, next) => {
  const problems = c.get("configProblems");
  if (problems.length > 0) throw new AppError("not_configured", problems.map((p) => p.name).join(", "));
  await next();
});

/**
 * Origins allowed to POST: the app's own and `ALLOWED_ORIGINS`. A request without `Origin` is not a browser's. The
 * app's own origin is PUBLIC_URL's where it is set, never what the request's Host says.
 */
export const sameOriginPosts = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header("Origin");
  if (c.req.method === "POST" && origin !== undefined) {
    const own = c.get("config").oidc.publicUrl ?? requestUrl(c).origin;
    if (origin !== own && !c.get("config").allowedOrigins.includes(origin)) throw new AppError("forbidden_origin");
  }
  await next();
});
