import { Hono } from "hono/tiny";
import { type Config, readConfig } from "./config";
import type { AppEnv } from "./env";
import { errorBody, toAppError } from "./errors";
import { logUnexpected } from "./http/log";
import { securityHeaders } from "./http/security";
import { PROVIDERS } from "./providers/registry";
import { admin } from "./routes/admin";
import { certifications } from "./routes/certifications";
import { guardian } from "./routes/guardian";
import { health, jwks } from "./routes/health";
import { authorize, discovery, logout, token, userinfo } from "./routes/oidc";
import { page } from "./routes/page";
import { provision } from "./routes/provision";
import { redirect } from "./routes/redirect";
import { siteApi } from "./routes/site-api";
import { sms } from "./routes/sms";
import { sandbox } from "./sandbox/routes";
import { SIMULATORS } from "./sandbox/simulators";

/** Where the provider's client sends its requests: the real API by default, the simulator or a test stub otherwise. */
export type UpstreamFor = (env: Env, config: Config) => typeof fetch;

export interface AppOptions {
  upstream?: UpstreamFor;
  /** Where the console fetches the Cloudflare Access team's keys: the Internet by default, a test's stub otherwise. */
  accessFetch?: typeof fetch;
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

  // Every `new Hono` of the app is Hono's tiny preset (its PatternRouter): with no module importing the default
  // preset, its three routers stay out of the bundle (2.4 KiB of gzip); routing a request costs microseconds. Its
  // patterns take an optional trailing "/", so paths are held exact here, as the default router holds them: a path
  // ending in "/" is no route (test/node/routing.test.ts compares every route with the default router's matching).
  const app = new Hono<AppEnv>()
    .use(async (c, next) => {
      const { config, problems } = await readConfig(c.env, PROVIDERS);
      c.set("config", config);
      c.set("configProblems", problems);
      c.set("requestId", c.req.header("cf-ray") ?? crypto.randomUUID());
      c.set("upstream", upstreamFor(c.env, config));
      await next();
    })
    .use(securityHeaders)
    .use(async (c, next) => (c.req.path.length > 1 && c.req.path.endsWith("/") ? c.notFound() : next()))
    .route("/", page)
    .route("/", health)
    .route("/", jwks)
    .route("/", discovery)
    .route("/authorize", authorize)
    .route("/token", token)
    .route("/userinfo", userinfo)
    .route("/logout", logout)
    .route("/consent", provision)
    .route("/api", siteApi)
    .route("/admin", admin(options.accessFetch ?? ((input, init) => fetch(input, init))))
    .route("/guardian", guardian)
    .route("/certifications/redirect", redirect)
    .route("/certifications/sms", sms)
    .route("/certifications", certifications);
  // Each provider's REST simulator, where that provider's API has its paths (sandbox mode only), then the
  // sandbox's shared carrier window and SDK stand-ins.
  for (const simulator of SIMULATORS) app.route(simulator.path, simulator.app);
  app.route("/sandbox", sandbox);

  app.notFound((c) => c.json(errorBody("not_found"), 404));

  app.onError((err, c) => {
    const error = toAppError(err);
    if (error.code === "internal_error") logUnexpected(c, err);
    return c.json(errorBody(error.code), error.status);
  });

  return app;
}
