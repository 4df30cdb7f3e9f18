import { Hono } from "hono/tiny";
import type { AppEnv } from "../env";
import { publicCors } from "../http/cors";
import { describeRoute } from "../http/openapi";
import { jwkEntry } from "../oidc/tokens";

/** Whether this deployment can serve verifications; a configuration problem names its vars, never their values. */
export const health = new Hono<AppEnv>().get("/healthz", describeRoute("health"), (c) => {
  const config = c.get("config");
  const configProblems = c.get("configProblems");
  const status = { mode: config.mode, provider: config.provider.name };
  if (configProblems.length === 0) return c.json({ ok: true, ...status }, 200);
  return c.json({ ok: false, ...status, problems: [...new Set(configProblems.map((p) => p.name))] }, 503);
});

/** The public keys that verify ID tokens: the current one, then those of a rotation (cacheable: keys change rarely). */
export const jwks = new Hono<AppEnv>().get("/.well-known/jwks.json", describeRoute("jwks"), publicCors, (c) => {
  const { signingKey, rsaKey, previousKeys } = c.get("config").oidc;
  c.header("Cache-Control", "public, max-age=300");
  const keys = [...(signingKey ? [signingKey.publicJwk] : []), ...(rsaKey ? [rsaKey.publicJwk] : []), ...previousKeys.map((p) => p.jwk)];
  return c.json({ keys: keys.map(jwkEntry) }, 200);
});
