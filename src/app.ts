import { type Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { openAPIRouteHandler } from "hono-openapi";
import { type Config, readConfig } from "./config";
import { openDb } from "./db/queries";
import type { AppEnv } from "./env";
import { errorBody, toAppError } from "./errors";
import { logUnexpected, newLog } from "./http/log";
import { securityHeaders } from "./http/security";
import { ImpClient } from "./providers/iamport/client";
import { TokenCache } from "./providers/iamport/token-cache";
import { PortOneClient } from "./providers/portone/client";
import type { IdentityProvider, UpstreamCall } from "./providers/provider";
import { certifications } from "./routes/certifications";
import { health, jwks } from "./routes/health";
import { page } from "./routes/page";
import { redirect } from "./routes/redirect";
import { siteApi } from "./routes/site-api";
import { portoneApi, sandbox } from "./sandbox/routes";

/** Where the provider's client sends its requests: the real API by default, the simulator or a test stub otherwise. */
export type UpstreamFor = (env: Env, config: Config) => typeof fetch;

export interface AppOptions {
  upstream?: UpstreamFor;
}

export function createApp(options: AppOptions = {}) {
  // In sandbox mode the unchanged client talks to the simulator by HTTP semantics, in-process.
  const upstreamFor: UpstreamFor =
    options.upstream ??
    ((env, config) =>
      config.mode === "sandbox"
        ? (input, init) => Promise.resolve(app.fetch(new Request(input, init), env))
        : // workerd's fetch must be called unbound ("Illegal invocation" as a method of another object).
          (input, init) => fetch(input, init));

  /** The identity provider for this request, its calls (and V1's token look-ups) counted into the log line. */
  const providerFor = (c: Context<AppEnv>): IdentityProvider => {
    const config = c.get("config");
    const log = c.get("log");
    const transport = { timeoutMs: config.timeoutMs, fetch: upstreamFor(c.env, config), onCall: (call: UpstreamCall) => log.upstream.push(call) };
    if (config.provider === "v2") {
      const { apiBase, apiSecret, storeId, channelKey } = config.portone;
      return new PortOneClient({ ...transport, apiBase, apiSecret, storeId, channelKey });
    }
    const tokens = new TokenCache(
      c.env.CACHE,
      (p) => c.executionCtx.waitUntil(p),
      (op) => console.warn(JSON.stringify({ level: "warn", msg: "kv_error", op, request_id: c.get("requestId") })),
    );
    log.token = tokens.sources;
    return new ImpClient({ ...transport, apiBase: config.apiBase, impKey: config.impKey, impSecret: config.impSecret, tokens });
  };

  const verificationContext = createMiddleware<AppEnv>(async (c, next) => {
    const log = newLog(c.req.path);
    c.set("log", log);
    c.set("db", openDb(c.env.DB, log.d1));
    c.set("provider", providerFor(c));
    await next();
  });

  const app = new Hono<AppEnv>()
    .use(async (c, next) => {
      const { config, problems } = await readConfig(c.env);
      c.set("config", config);
      c.set("configProblems", problems);
      c.set("requestId", c.req.header("cf-ray") ?? crypto.randomUUID());
      await next();
    })
    .use(securityHeaders)
    // Per-request objects of the two routes that verify (as in the Hono + D1 templates: on the context, never global).
    // No other route touches D1, KV or the provider: a page view and a prepare cost no storage at all.
    .use("/certifications", verificationContext)
    .use("/certifications/redirect", verificationContext)
    .route("/", page)
    .route("/", health)
    .route("/", jwks)
    .route("/api", siteApi)
    .route("/certifications/redirect", redirect)
    .route("/certifications", certifications)
    .route("/sandbox", sandbox)
    .route("/", portoneApi);

  app.get(
    "/openapi.json",
    openAPIRouteHandler(app, {
      documentation: {
        info: {
          title: "imp-identity-edge",
          version: "1",
          description: "Mobile identity verification (본인인증) through i'mport (PortOne V1) or PortOne V2 on Cloudflare Workers.",
        },
        components: { securitySchemes: { siteApiKey: { type: "http", scheme: "bearer", description: "SITE_API_KEY" } } },
      },
      exclude: ["/", "/certifications/redirect", "/openapi.json", /^\/sandbox\//, /^\/identity-verifications\//],
      // Its default leaves out every path with a dot, /.well-known/jwks.json among them.
      excludeStaticFile: false,
      defaultValidationErrorResponse: false,
    }),
  );

  app.notFound((c) => c.json(errorBody("not_found"), 404));

  app.onError((err, c) => {
    const error = toAppError(err);
    if (error.code === "internal_error") logUnexpected(c, err);
    return c.json(errorBody(error.code), error.status);
  });

  return app;
}
