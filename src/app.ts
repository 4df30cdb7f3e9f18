import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { readConfig, type Config } from "./config";
import type { D1Stats } from "./db/queries";
import { ImpClient, type UpstreamCall } from "./iamport/client";
import { TokenCache, type TokenSource } from "./iamport/token-cache";
import { health } from "./routes/health";
import { certifications } from "./routes/certifications";
import { page } from "./routes/page";
import { sandbox } from "./sandbox/routes";
import { AppError, errorBody } from "./verification/errors";
import { securityHeaders } from "./http/security";

/** One structured line per verification; only codes, counts and timings, never personal data or secrets. */
export interface VerificationLog {
  route: string;
  outcome?: string;
  error_code?: string;
  upstream: UpstreamCall[];
  token: TokenSource[];
  /** D1 round-trips (a batch is one) and the time spent on them. */
  d1: D1Stats;
}

export type AppEnv = {
  Bindings: Env;
  Variables: {
    config: Config;
    requestId: string;
    log?: VerificationLog;
    /** The i'mport REST client for this request (built lazily: most routes never need it). */
    impClient: () => ImpClient;
  };
};

/** Where the i'mport client sends its requests: the real API by default, the simulator or a test stub otherwise. */
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

  const app = new Hono<AppEnv>()
    .use(async (c, next) => {
      const config = readConfig(c.env);
      c.set("config", config);
      c.set("requestId", c.req.header("cf-ray") ?? crypto.randomUUID());
      let client: ImpClient | undefined;
      c.set("impClient", () => {
        if (client) return client;
        const log = c.var.log;
        const tokens = new TokenCache(
          c.env.CACHE,
          (p) => c.executionCtx.waitUntil(p),
          (op) => console.warn(JSON.stringify({ level: "warn", msg: "kv_error", op, request_id: c.var.requestId })),
          config.tokenCache,
        );
        if (log) log.token = tokens.sources;
        client = new ImpClient({
          apiBase: config.apiBase,
          impKey: config.impKey,
          impSecret: config.impSecret,
          timeoutMs: config.timeoutMs,
          fetch: upstreamFor(c.env, config),
          tokens,
          onCall: (call) => log?.upstream.push(call),
        });
        return client;
      });
      await next();
    })
    .use(securityHeaders)
    .route("/", page)
    .route("/", health)
    .route("/certifications", certifications)
    .route("/sandbox", sandbox);

  app.notFound((c) => c.json(errorBody("not_found"), 404));

  app.onError((err, c) => {
    const appError = toAppError(err);
    if (appError.code === "internal_error") {
      console.error(
        JSON.stringify({
          level: "error",
          msg: "unhandled_error",
          request_id: c.var.requestId,
          path: new URL(c.req.url).pathname,
          error: err instanceof Error ? err.name : typeof err,
          // Messages of our own and of D1 name constraints and columns, never bound values.
          detail: err instanceof Error ? err.message.slice(0, 200) : undefined,
        }),
      );
    }
    if (c.var.log) c.var.log.error_code = appError.code;
    return c.json(errorBody(appError.code), appError.status);
  });

  return app;
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException && err.status === 413) return new AppError("payload_too_large");
  return new AppError("internal_error");
}
