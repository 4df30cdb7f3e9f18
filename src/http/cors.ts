import type { Context } from "hono";
import { cors } from "hono/cors";
import type { Config } from "../config";
import type { AppEnv } from "../env";

/** Discovery and the JWKS: public documents, readable by any origin (a browser app reads them itself). */
export const publicCors = cors({ origin: "*", allowMethods: ["GET"] });

const clientOrigins = new WeakMap<Config, Set<string>>();

/** The origins of every registered redirect URI: where a browser app (a public client) runs. */
function originsOf(config: Config): Set<string> {
  let origins = clientOrigins.get(config);
  if (!origins) {
    origins = new Set(config.oidc.clients.flatMap((client) => client.redirectUris.map((uri) => new URL(uri).origin)));
    clientOrigins.set(config, origins);
  }
  return origins;
}

const LOOPBACK_ORIGIN = /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/;

/**
 * `/token` and `/userinfo` for browser apps: preflights answered, and every answer (errors included) readable by the
 * origin of a registered redirect URI — the sandbox's client's any loopback origin — and by no one else; never with
 * credentials (a browser app sends its token or PKCE verifier, not cookies).
 */
export const clientCors = (methods: string[]) =>
  cors({
    origin: (origin, c: Context<AppEnv>) => {
      const config = c.get("config");
      const allowed = originsOf(config).has(origin) || (LOOPBACK_ORIGIN.test(origin) && config.oidc.clients.some((client) => client.loopback));
      return allowed ? origin : null;
    },
    allowMethods: methods,
    allowHeaders: ["Authorization", "Content-Type"],
    maxAge: 600,
  });
