// Sites that use the app as their OpenID Connect provider, each through a published relying-party library, as a
// site's backend would: a login route that redirects to /authorize, and a callback that exchanges the code,
// validates the ID token (signature, iss, aud, nonce, RFC 9207 iss) and reads userinfo. They keep their state in
// memory for one login at a time, and listen on 127.0.0.1.
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as oauth from "oauth4webapi";
import * as client from "openid-client";

export interface SignedIn {
  idToken: Record<string, unknown>;
  userinfo: Record<string, unknown>;
  /** The ID token itself, as a site keeps it (for an id_token_hint). */
  idTokenJwt?: string;
}

export interface RelyingParty {
  library: string;
  loginUrl: string;
  /** What the last callback validated (or the error it failed with). */
  last: () => Promise<SignedIn | { error: string } | undefined>;
  close: () => Promise<void>;
}

type Flow = {
  login: (redirectUri: string) => Promise<string>;
  callback: (url: URL, redirectUri: string) => Promise<SignedIn>;
};

async function serve(library: string, flow: Flow, port = 0): Promise<RelyingParty> {
  let last: SignedIn | { error: string } | undefined;
  let redirectUri = "";
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", redirectUri);
    if (url.pathname === "/login") {
      res.writeHead(302, { Location: await flow.login(redirectUri) });
      return res.end();
    }
    if (url.pathname === "/callback") {
      try {
        last = await flow.callback(url, redirectUri);
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
        return res.end(`<!doctype html><title>Signed in</title><h1 id="signed-in">Signed in with ${library}</h1>`);
      } catch (err) {
        last = { error: (err as Error).message };
        res.writeHead(400, { "Content-Type": "text/html; charset=utf-8" });
        return res.end(`<!doctype html><title>Failed</title><h1 id="failed">Sign-in failed</h1>`);
      }
    }
    res.writeHead(404).end();
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  redirectUri = `${origin}/callback`;
  return {
    library,
    loginUrl: `${origin}/login`,
    last: async () => last,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const SANDBOX_CLIENT = { id: "sandbox", secret: "sandbox-client-secret" };

/** panva/openid-client (v6): discovery, PKCE, client_secret_basic, ID token and userinfo validation. */
export async function openidClientParty(
  issuer: string,
  scope = "openid profile",
  /** Parameters the next sign-in adds (an id_token_hint for a step-up). */
  extra: () => Record<string, string> = () => ({}),
  /** A client of OIDC_CLIENTS instead of the sandbox's, and the port its registered redirect URI names. */
  registered?: { id: string; secret: string; port: number },
): Promise<RelyingParty> {
  const { id, secret } = registered ?? SANDBOX_CLIENT;
  const config = await client.discovery(new URL(issuer), id, undefined, client.ClientSecretBasic(secret), {
    execute: [client.allowInsecureRequests],
  });
  let pending = { verifier: "", state: "", nonce: "" };
  return serve(
    "openid-client",
    {
      async login(redirectUri) {
        pending = { verifier: client.randomPKCECodeVerifier(), state: client.randomState(), nonce: client.randomNonce() };
        return client.buildAuthorizationUrl(config, {
          redirect_uri: redirectUri,
          scope,
          code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
          code_challenge_method: "S256",
          state: pending.state,
          nonce: pending.nonce,
          ui_locales: "ko",
          ...extra(),
        }).href;
      },
      async callback(url) {
        const tokens = await client.authorizationCodeGrant(config, url, {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        const idToken = tokens.claims() as Record<string, unknown>;
        const userinfo = await client.fetchUserInfo(config, tokens.access_token, String(idToken.sub));
        return { idToken, userinfo: userinfo as Record<string, unknown>, idTokenJwt: tokens.id_token };
      },
    },
    registered?.port,
  );
}

/** panva/oauth4webapi, used directly: client_secret_post, the authorization response's iss checked by hand. */
export async function oauth4webapiParty(issuer: string, scope = "openid profile"): Promise<RelyingParty> {
  const issuerUrl = new URL(issuer);
  const options = { [oauth.allowInsecureRequests]: true };
  const as = await oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, { ...options, algorithm: "oidc" }));
  const rp: oauth.Client = { client_id: SANDBOX_CLIENT.id };
  const auth = oauth.ClientSecretPost(SANDBOX_CLIENT.secret);
  let pending = { verifier: "", state: "", nonce: "" };
  return serve("oauth4webapi", {
    async login(redirectUri) {
      pending = { verifier: oauth.generateRandomCodeVerifier(), state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce() };
      const url = new URL(as.authorization_endpoint!);
      url.search = new URLSearchParams({
        response_type: "code",
        client_id: rp.client_id,
        redirect_uri: redirectUri,
        scope,
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: "S256",
      }).toString();
      return url.href;
    },
    async callback(url, redirectUri) {
      const params = oauth.validateAuthResponse(as, rp, url, pending.state);
      const response = await oauth.authorizationCodeGrantRequest(as, rp, auth, params, redirectUri, pending.verifier, options);
      const result = await oauth.processAuthorizationCodeResponse(as, rp, response, { expectedNonce: pending.nonce, requireIdToken: true });
      const idToken = oauth.getValidatedIdTokenClaims(result)! as Record<string, unknown>;
      const info = await oauth.userInfoRequest(as, rp, result.access_token, options);
      const userinfo = await oauth.processUserInfoResponse(as, rp, String(idToken.sub), info);
      return { idToken, userinfo: userinfo as Record<string, unknown> };
    },
  });
}

/** Authlib (Python): its OAuth2Session with PKCE and client_secret_basic, the ID token validated with joserfc. */
export async function authlibParty(issuer: string): Promise<RelyingParty> {
  const child = spawn("python3", ["test/browser/authlib_rp.py", issuer], {
    env: { ...process.env, PYTHONPATH: ".cache/python-rp" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Authlib relying party did not start:\n${stderr}`)), 20_000);
    child.stdout.once("data", (chunk) => {
      clearTimeout(timer);
      resolve(String(chunk).trim());
    });
    child.once("exit", (code) => reject(new Error(`the Authlib relying party exited (${code}):\n${stderr}`)));
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    library: "Authlib",
    loginUrl: `${origin}/login`,
    last: async () => (await fetch(`${origin}/last`)).json(),
    close: async () => {
      child.kill();
    },
  };
}
