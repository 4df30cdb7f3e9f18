import { Hono } from "hono";
import type { AppEnv } from "../env";
import { describeRoute } from "../http/openapi";
import { jwkEntry } from "../oidc/tokens";
import { HealthResponse, JwksResponse, json } from "./schemas";

/** Whether this deployment can serve verifications; a configuration problem names its vars, never their values. */
export const health = new Hono<AppEnv>().get(
  "/healthz",
  describeRoute({
    summary: "Whether the configuration is complete and valid",
    responses: {
      200: json("configured", HealthResponse),
      503: json("a configuration problem: the names of the wrong or missing vars", HealthResponse),
    },
  }),
  (c) => {
    const config = c.get("config");
    const configProblems = c.get("configProblems");
    const status = { mode: config.mode, provider: config.provider.name };
    if (configProblems.length === 0) return c.json({ ok: true, ...status }, 200);
    return c.json({ ok: false, ...status, problems: [...new Set(configProblems.map((p) => p.name))] }, 503);
  },
);

/** The public keys that verify ID tokens: the current one, then those of a rotation (cacheable: keys change rarely). */
export const jwks = new Hono<AppEnv>().get(
  "/.well-known/jwks.json",
  describeRoute({
    summary: "The public keys of ID tokens and access tokens (JWKS): the current one, then SIGNING_PREVIOUS_KEYS; empty without a key",
    responses: { 200: json("the key set", JwksResponse) },
  }),
  (c) => {
    const { signingKey, previousKeys } = c.get("config").oidc;
    c.header("Cache-Control", "public, max-age=300");
    const keys = [...(signingKey ? [signingKey.publicJwk] : []), ...previousKeys.map((p) => p.jwk)];
    return c.json({ keys: keys.map(jwkEntry) }, 200);
  },
);
