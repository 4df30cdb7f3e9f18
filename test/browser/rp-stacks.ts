// The relying-party stacks sites sign people in with, each set up as its own documentation shows, none written here:
// Auth.js (v5, @auth/core through @auth/express), next-auth v4 (its API route handler, the one
// `pages/api/auth/[...nextauth].js` exports, served with the request shape Next.js gives it), passport-openidconnect,
// openid-client's Passport strategy, and oidc-client-ts in the browser (a public client, by CORS). Each listens on
// 127.0.0.1 and reports what it validated: the ID token's claims, or the error it stopped at.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { ExpressAuth, getSession } from "@auth/express";
import express from "express";
import session from "express-session";
import NextAuthModule from "next-auth";
import * as client from "openid-client";
import { Strategy as OpenIdClientStrategy } from "openid-client/passport";
import { Passport } from "passport";
import { Strategy as OidcStrategy, type VerifyCallback } from "passport-openidconnect";
import type { Page } from "playwright-core";

export type Validated = { claims: Record<string, unknown> } | { error: string };

export interface Stack {
  library: string;
  /** Where a visitor starts: the site's own page, on which `begin` clicks what a visitor clicks. */
  origin: string;
  /** From a fresh page: the site's sign-in, up to the app's /authorize. */
  begin(page: Page): Promise<void>;
  /** What the site validated after the visitor came back (the last sign-in). */
  result(page: Page): Promise<Validated | undefined>;
  close(): Promise<void>;
}

/** A confidential client's secret, and the sandbox client's (public in the repository, sandbox mode only). */
export const SANDBOX = { id: "sandbox", secret: "sandbox-client-secret" };
const SESSION_SECRET = "rp-stacks-session-secret-of-32-characters-or-more";

const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;

async function listen(app: express.Express, port: number): Promise<{ server: Server; origin: string }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
const closing = (server: Server) => () => new Promise<void>((resolve) => server.close(() => resolve()));

/** A server-side site: its last validated sign-in, a landing page, and a failure page. */
function siteApp() {
  const app = express();
  const state: { last?: Validated } = {};
  const landing = (ok: boolean) => (ok ? '<h1 id="signed-in">Signed in</h1>' : '<h1 id="failed">Sign-in failed</h1>');
  return { app, state, landing };
}

/** Auth.js v5: the generic OIDC provider (`type: "oidc"`), PKCE, state and nonce, as docs/relying-parties/authjs.md shows. */
export async function authjs(issuer: string, port: number): Promise<Stack> {
  const { app, state, landing } = siteApp();
  const config = {
    trustHost: true,
    secret: SESSION_SECRET,
    providers: [
      {
        id: "imp",
        name: "IMP",
        type: "oidc" as const,
        issuer,
        clientId: SANDBOX.id,
        clientSecret: SANDBOX.secret,
        checks: ["pkce" as const, "state" as const, "nonce" as const],
        authorization: { params: { scope: "openid profile" } },
      },
    ],
    callbacks: {
      jwt({ token, account }: { token: Record<string, unknown>; account?: { id_token?: string } | null }) {
        if (account?.id_token) state.last = { claims: decode(account.id_token) };
        return token;
      },
    },
    logger: { error: (error: Error) => (state.last = { error: error.message }) },
  };
  app.use("/auth", ExpressAuth(config));
  app.get("/", async (req, res) => {
    res.send(landing((await getSession(req, config)) !== null));
  });
  const { server, origin } = await listen(app, port);
  return {
    library: "Auth.js (@auth/core)",
    origin,
    async begin(page) {
      await page.goto(`${origin}/auth/signin`);
      await page.getByRole("button", { name: /IMP/ }).click();
    },
    result: async () => state.last,
    close: closing(server),
  };
}

/** The cookies of a request, as Next.js parses them for an API route. */
const cookiesOf = (header = "") =>
  Object.fromEntries(
    header
      .split(";")
      .map((pair) => pair.trim().split("="))
      .filter(([name]) => name)
      .map(([name, ...value]) => [name, decodeURIComponent(value.join("="))]),
  );

/** next-auth v4: the generic provider (`type: "oauth"`, `wellKnown`, `idToken: true`), no algorithm named, as its docs show. */
export async function nextAuthV4(issuer: string, port: number): Promise<Stack> {
  const { app, state, landing } = siteApp();
  const NextAuth = ((NextAuthModule as unknown as { default?: unknown }).default ?? NextAuthModule) as (
    req: unknown,
    res: unknown,
    options: unknown,
  ) => Promise<void>;
  const options = {
    secret: SESSION_SECRET,
    providers: [
      {
        id: "imp",
        name: "IMP",
        type: "oauth",
        wellKnown: `${issuer}/.well-known/openid-configuration`,
        authorization: { params: { scope: "openid profile" } },
        idToken: true,
        checks: ["pkce", "state"],
        clientId: SANDBOX.id,
        clientSecret: SANDBOX.secret,
        profile: (profile: Record<string, unknown>) => ({ id: profile.sub, name: profile.name }),
      },
    ],
    callbacks: {
      jwt({ token, account }: { token: Record<string, unknown>; account?: { id_token?: string } | null }) {
        if (account?.id_token) state.last = { claims: decode(account.id_token) };
        return token;
      },
    },
    logger: { error: (code: string, meta: unknown) => (state.last = { error: `${code} ${String((meta as Error)?.message ?? "")}` }) },
  };
  // What Next.js gives `pages/api/auth/[...nextauth].js`: the query with the path's segments as `nextauth`, the parsed
  // form body and cookies, and behind an http:// dev server its own origin (AUTH_TRUST_HOST and the protocol).
  process.env.AUTH_TRUST_HOST = "true";
  app.all("/api/auth/*segments", express.urlencoded({ extended: true }), (req, res) => {
    const query = { ...(req.query as Record<string, unknown>), nextauth: (req.params as { segments: string[] }).segments };
    const nextReq = {
      query,
      body: req.body ?? {},
      cookies: cookiesOf(req.headers.cookie),
      headers: { ...req.headers, "x-forwarded-proto": "http" },
      method: req.method,
    };
    void NextAuth(nextReq, res, options);
  });
  app.get("/", (req, res) => {
    res.send(landing(Boolean(cookiesOf(req.headers.cookie)["next-auth.session-token"])));
  });
  const { server, origin } = await listen(app, port);
  return {
    library: "next-auth v4",
    origin,
    async begin(page) {
      await page.goto(`${origin}/api/auth/signin`);
      await page.getByRole("button", { name: /IMP/ }).click();
    },
    result: async () => state.last,
    close: closing(server),
  };
}

/** A Passport site: express-session, a login route, a callback that validates and lands on / or /failed. */
function passportSite(strategy: (state: { last?: Validated }) => import("passport").Strategy, name: string) {
  const { app, state, landing } = siteApp();
  const passport = new Passport();
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  passport.use(name, strategy(state));
  app.use(session({ secret: SESSION_SECRET, resave: false, saveUninitialized: false }));
  app.use(passport.session());
  app.get("/login", passport.authenticate(name));
  app.get(
    "/auth/callback",
    (req, _res, next) => {
      if (typeof req.query.error === "string") state.last = { error: req.query.error };
      next();
    },
    passport.authenticate(name, { failureRedirect: "/failed", successRedirect: "/" }),
  );
  app.get("/", (req, res) => res.send(landing(req.isAuthenticated())));
  app.get("/failed", (_req, res) => res.status(401).send(landing(false)));
  return { app, state };
}

/**
 * passport-openidconnect (no PKCE in this library): a confidential client registered with `require_pkce: false`,
 * which therefore sends a nonce (`nonce: true`).
 */
export async function passportOpenIdConnect(issuer: string, client: { id: string; secret: string; port: number }): Promise<Stack> {
  const origin = `http://127.0.0.1:${client.port}`;
  const { app, state } = passportSite(
    (s) =>
      new OidcStrategy(
        {
          issuer,
          authorizationURL: `${issuer}/authorize`,
          tokenURL: `${issuer}/token`,
          userInfoURL: `${issuer}/userinfo`,
          clientID: client.id,
          clientSecret: client.secret,
          callbackURL: `${origin}/auth/callback`,
          scope: ["profile"],
          nonce: "true",
        } as ConstructorParameters<typeof OidcStrategy>[0],
        (_issuer: string, profile: { id: string }, _context: object, idToken: string | object, done: VerifyCallback) => {
          s.last = { claims: decode(String(idToken)) };
          done(null, { sub: profile.id } as Express.User);
        },
      ),
    "openidconnect",
  );
  const { server } = await listen(app, client.port);
  return {
    library: "passport-openidconnect",
    origin,
    begin: async (page) => void (await page.goto(`${origin}/login`)),
    result: async () => state.last,
    close: closing(server),
  };
}

/** openid-client's own Passport strategy (`openid-client/passport`): discovery, PKCE, the ID token verified. */
export async function openIdClientPassport(issuer: string, port: number): Promise<Stack> {
  const origin = `http://127.0.0.1:${port}`;
  const config = await client.discovery(new URL(issuer), SANDBOX.id, undefined, client.ClientSecretBasic(SANDBOX.secret), {
    execute: [client.allowInsecureRequests],
  });
  const { app, state } = passportSite(
    (s) =>
      new OpenIdClientStrategy({ config, scope: "openid profile", callbackURL: `${origin}/auth/callback` }, (tokens, verified) => {
        const claims = tokens.claims() as Record<string, unknown>;
        s.last = { claims };
        verified(null, { sub: claims.sub } as Express.User);
      }),
    "imp",
  );
  const { server } = await listen(app, port);
  return {
    library: "openid-client (Passport strategy)",
    origin,
    begin: async (page) => void (await page.goto(`${origin}/login`)),
    result: async () => state.last,
    close: closing(server),
  };
}

// Its browser build (a global `oidc`), found beside the package's own entry: the package exports no path to it.
const OIDC_CLIENT_TS = readFileSync(
  join(dirname(createRequire(import.meta.url).resolve("oidc-client-ts")), "..", "browser", "oidc-client-ts.min.js"),
  "utf8",
);

/**
 * oidc-client-ts in the browser: a single-page app on its own origin, a public client (no secret, PKCE), reading
 * discovery and calling /token and /userinfo across origins; it signs out through the end_session_endpoint.
 */
export async function oidcClientTs(issuer: string, client: { id: string; port: number }): Promise<Stack> {
  const origin = `http://127.0.0.1:${client.port}`;
  const settings = JSON.stringify({
    authority: issuer,
    client_id: client.id,
    redirect_uri: `${origin}/callback.html`,
    post_logout_redirect_uri: `${origin}/`,
    response_type: "code",
    scope: "openid profile",
    loadUserInfo: true,
  });
  const page = (body: string) => `<!doctype html><meta charset="utf-8"><title>SPA</title><script src="/oidc-client-ts.js"></script>
<script>const mgr = new oidc.UserManager(${settings});</script>${body}`;
  const app = express();
  app.get("/oidc-client-ts.js", (_req, res) => res.type("js").send(OIDC_CLIENT_TS));
  app.get("/", (_req, res) =>
    res.send(
      page(`<button id="login" onclick="mgr.signinRedirect()">Sign in</button>
<button id="logout" onclick="mgr.getUser().then((u) => mgr.signoutRedirect({ id_token_hint: u.id_token, state: 'bye' }))">Sign out</button>`),
    ),
  );
  app.get("/callback.html", (_req, res) =>
    res.send(
      page(`<script>
mgr.signinRedirectCallback().then(
  (user) => { window.validated = { claims: { ...user.profile }, userinfo: true }; document.body.insertAdjacentHTML("beforeend", '<h1 id="signed-in">Signed in</h1>'); },
  (err) => { window.validated = { error: String(err && err.message || err) }; document.body.insertAdjacentHTML("beforeend", '<h1 id="failed">Sign-in failed</h1>'); });
</script>`),
    ),
  );
  const { server } = await listen(app, client.port);
  return {
    library: "oidc-client-ts (browser, public client)",
    origin,
    async begin(p) {
      await p.goto(`${origin}/`);
      await p.locator("#login").click();
    },
    result: (p) => p.evaluate(() => (window as unknown as { validated?: Validated }).validated),
    close: closing(server),
  };
}
