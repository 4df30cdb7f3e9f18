import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { redeemCode, tokenPerson } from "../db/oidc";
import type { AppEnv } from "../env";
import { AppError } from "../errors";
import { issuerOf } from "../flows/authorization";
import { forgetBrowser } from "../http/browser";
import { withStorage } from "../http/context";
import { clientCors, publicCors } from "../http/cors";
import { errorPage } from "../http/error-page";
import { logUnexpected } from "../http/log";
import { describeRoute } from "../http/openapi";
import { requireConfig } from "../http/security";
import { limitBody } from "../http/validation";
import { randomToken, sha256Hex } from "../lib/crypto";
import { toBase64Url } from "../lib/encoding";
import {
  type Authorization,
  AuthorizeError,
  allowsLogoutRedirect,
  clientOf,
  newAuthorizationId,
  readAuthorizeRequest,
  redirectWith,
  requireOidc,
  SCOPES,
  sealAuthorization,
} from "../oidc/authorization";
import { authenticateClient } from "../oidc/clients";
import { ACCESS_TOKEN_TTL_S, accessToken, CLAIMS_SUPPORTED, claimsOf, idToken, readAccessToken, readIdTokenHint } from "../oidc/tokens";
import { signedOutPage } from "../views/result-page";
import { showPage } from "./page";

/** OpenID Connect Discovery 1.0: what a client library needs to know, under the issuer. */
export const discovery = new Hono<AppEnv>().get("/.well-known/openid-configuration", describeRoute("discovery"), publicCors, requireConfig, (c) => {
  requireOidc(c.get("config"));
  const issuer = issuerOf(c);
  c.header("Cache-Control", "public, max-age=300");
  return c.json(
    {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      end_session_endpoint: `${issuer}/logout`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      grant_types_supported: ["authorization_code"],
      subject_types_supported: ["public", "pairwise"],
      // OpenID Connect Core §15.1: RS256 is a provider's MUST (and the default for a client that names none).
      id_token_signing_alg_values_supported: ["RS256", "ES256"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: true,
      scopes_supported: [...SCOPES],
      claims_supported: CLAIMS_SUPPORTED,
      claims_parameter_supported: true,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      ui_locales_supported: ["ko", "en"],
      prompt_values_supported: ["login", "consent"],
    },
    200,
  );
});

/**
 * The authorization endpoint, by GET (the query) or POST (a form body, OpenID Connect Core §3.1.2.1): the request
 * checked, then the verification page for it. An unknown client or an unregistered redirect URI is a 400 page (never
 * a redirect); any other error goes back to the client, saying why.
 */
async function authorizationPage(c: Context<AppEnv>, params: URLSearchParams) {
  const config = c.get("config");
  requireOidc(config);
  const issuer = issuerOf(c);
  let authorization: Authorization;
  try {
    const { idTokenHint, fail, ...request } = readAuthorizeRequest(config, params);
    // A step-up names its person with an ID token we issued to this very client (its signature checked, not its expiry).
    if (idTokenHint !== undefined) {
      const hinted = await readIdTokenHint(config, issuer, idTokenHint);
      if (!hinted) fail("invalid_request", "id_token_hint is not an ID token of this issuer");
      if (hinted!.clientId !== request.clientId) fail("invalid_request", "id_token_hint was issued to another client");
      if (request.sub !== undefined && request.sub !== hinted!.sub) fail("invalid_request", "id_token_hint and claims name two different subjects");
      request.sub = hinted!.sub;
    }
    authorization = { id: newAuthorizationId(), ...request };
  } catch (err) {
    if (!(err instanceof AuthorizeError) || !err.redirect) throw err;
    return c.redirect(
      redirectWith(err.redirect.uri, { error: err.error, error_description: err.description, state: err.redirect.state, iss: issuer }),
      303,
    );
  }
  const sealed = await sealAuthorization(config, authorization);
  const clientName = clientOf(config, authorization.clientId)!.name;
  return showPage(c, { authorization: { sealed, authorization, clientName, issuer } });
}

const isForm = (c: Context) => /^application\/x-www-form-urlencoded\s*(;|$)/i.test(c.req.header("Content-Type") ?? "");

/**
 * An endpoint a browser navigates to, by GET (its query) or POST (a form body): a navigation from the site's own page,
 * so no same-origin rule (that is for the app's own JSON routes); its errors are pages.
 */
const navigation = (path: string, handle: (c: Context<AppEnv>, params: URLSearchParams) => Promise<Response>) =>
  new Hono<AppEnv>()
    .get("/", requireConfig, (c) => handle(c, new URL(c.req.url).searchParams))
    .post("/", requireConfig, limitBody, async (c) => {
      if (!isForm(c)) throw new AppError("invalid_request", `POST ${path} takes a form body`);
      return handle(c, new URLSearchParams(await c.req.text()));
    })
    .onError((err, c) => errorPage(c, err));

/** The authorization endpoint, by GET or POST (OpenID Connect Core §3.1.2.1). */
export const authorize = navigation("/authorize", authorizationPage);

/**
 * OpenID Connect RP-Initiated Logout 1.0, by GET (the query) or POST (a form): an `id_token_hint` must be an ID token
 * we issued (its signature checked, its expiry not); a `post_logout_redirect_uri` must be exactly one of the client's
 * `post_logout_redirect_uris` (the client named by the hint, or by `client_id`, which must agree) → 303 there, with
 * `state`. Without one, a page says the visitor is signed out. Anything else is a 400 page, never a redirect. The app
 * keeps no login session: signing out clears its cookies in this browser.
 */
async function signOut(c: Context<AppEnv>, params: URLSearchParams) {
  const config = c.get("config");
  requireOidc(config);
  for (const name of ["id_token_hint", "post_logout_redirect_uri", "client_id", "state"]) {
    if (params.getAll(name).length > 1) throw new AppError("invalid_request", `${name} given twice`);
  }
  const hint = params.get("id_token_hint");
  const uri = params.get("post_logout_redirect_uri");
  const clientId = params.get("client_id");
  const hinted = hint ? await readIdTokenHint(config, issuerOf(c), hint) : null;
  if (hint && !hinted) throw new AppError("invalid_request", "id_token_hint is not an ID token of this issuer");
  if (hinted && clientId && hinted.clientId !== clientId) throw new AppError("invalid_request", "id_token_hint was issued to another client");
  let back: string | undefined;
  if (uri !== null) {
    const client = clientOf(config, hinted?.clientId ?? clientId ?? undefined);
    if (!client) throw new AppError("invalid_request", "post_logout_redirect_uri needs id_token_hint or client_id");
    if (!allowsLogoutRedirect(client, uri)) throw new AppError("invalid_request", "post_logout_redirect_uri is not registered");
    back = redirectWith(uri, { state: params.get("state") ?? undefined });
  }
  forgetBrowser(c);
  return back ? c.redirect(back, 303) : signedOutPage(c);
}

/** The end-session endpoint, by GET or POST (RP-Initiated Logout §2). */
export const logout = navigation("/logout", signOut);

/** An RFC 6749 §5.2 error. */
class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly status: 400 | 401 | 503 = 400,
    readonly description?: string,
    readonly basic = false,
  ) {
    super(error);
  }
}

const noStore = (c: Context) => {
  c.header("Cache-Control", "no-store");
  c.header("Pragma", "no-cache");
};

/** A form body, each parameter at most once (RFC 6749 §3.2). */
async function formOf<E extends AppEnv>(c: Context<E>): Promise<URLSearchParams> {
  if (!isForm(c)) {
    throw new OAuthError("invalid_request", 400, "the body must be application/x-www-form-urlencoded");
  }
  let form: URLSearchParams;
  try {
    form = new URLSearchParams(await c.req.text());
  } catch {
    throw new OAuthError("invalid_request", 400, "the body did not arrive whole");
  }
  for (const name of new Set(form.keys())) {
    if (form.getAll(name).length > 1) throw new OAuthError("invalid_request", 400, `${name} given twice`);
  }
  return form;
}

const S256 = async (verifier: string) => toBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));

/** The token endpoint: a code for an ID token and an access token, once. */
export const token = new Hono<AppEnv>()
  .use(clientCors(["POST"]))
  .post("/", describeRoute("token"), limitBody, withStorage("oidc"), async (c) => {
    noStore(c);
    const config = c.get("config");
    if (c.get("configProblems").length > 0 || !config.oidc.configured || !config.oidc.signingKey) {
      throw new OAuthError("temporarily_unavailable", 503, "identity verification is not configured on this server");
    }
    const form = await formOf(c);
    const auth = await authenticateClient(config, c.req.header("Authorization"), form);
    if (!auth.ok) {
      const why =
        auth.error === "invalid_client"
          ? "client authentication failed: an unknown client, a wrong secret, or no credentials"
          : "use one client authentication method: HTTP Basic or client_secret in the form, not both";
      throw new OAuthError(auth.error, auth.error === "invalid_client" ? 401 : 400, why, auth.basic);
    }
    const grantType = form.get("grant_type");
    if (!grantType) throw new OAuthError("invalid_request", 400, "grant_type is required");
    if (grantType !== "authorization_code") throw new OAuthError("unsupported_grant_type", 400, "grant_type must be authorization_code");
    const code = form.get("code");
    const redirectUri = form.get("redirect_uri");
    const verifier = form.get("code_verifier");
    if (!code || !redirectUri) throw new OAuthError("invalid_request", 400, "code and redirect_uri are required");
    // A code without PKCE (require_pkce: false) is redeemed without a verifier; one with PKCE only with its verifier.
    if (verifier !== null && !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) throw new OAuthError("invalid_grant", 400, "code_verifier does not match");
    if (code.length > 128) throw new OAuthError("invalid_grant", 400, "the code is invalid, expired, used, or bound to something else");
    const codeHash = await sha256Hex(code);
    const now = Date.now();
    const person = await redeemCode(c.get("db"), {
      codeHash,
      clientId: auth.client.id,
      redirectUri,
      challenge: verifier === null ? "" : await S256(verifier),
      now,
      exchange: randomToken(12),
    });
    // Unknown, expired, used (and now revoked), another client's, or bound to another redirect URI or verifier.
    if (!person) throw new OAuthError("invalid_grant", 400, "the code is invalid, expired, used, or bound to something else");
    const key = config.oidc.signingKey;
    // The client's ID tokens in the algorithm it registered (RS256 unless it asked for ES256); access tokens are ours alone: ES256.
    const idTokenKey = auth.client.idTokenAlg === "RS256" ? config.oidc.rsaKey : key;
    if (!idTokenKey) throw new OAuthError("temporarily_unavailable", 503, "identity verification is not configured on this server");
    const issuer = issuerOf(c);
    const provider = config.provider.name;
    return c.json(
      {
        access_token: await accessToken(key, issuer, person, codeHash, now),
        token_type: "Bearer" as const,
        expires_in: ACCESS_TOKEN_TTL_S,
        id_token: await idToken(idTokenKey, issuer, person, provider, now),
        scope: person.scope,
      },
      200,
    );
  })
  .onError((err, c) => {
    noStore(c);
    if (!(err instanceof OAuthError)) {
      const payloadTooLarge = err instanceof AppError && err.code === "payload_too_large";
      if (!payloadTooLarge && !(err instanceof AppError && err.code === "invalid_request")) logUnexpected(c, err);
      if (err instanceof AppError && (err.code === "invalid_request" || payloadTooLarge)) {
        return c.json(
          { error: "invalid_request", error_description: payloadTooLarge ? "the body is larger than 8 KiB" : "the request is malformed" },
          400,
        );
      }
      return c.json({ error: "server_error", error_description: "an unexpected fault on the server; try again" }, 500);
    }
    if (err.status === 401 && err.basic) c.header("WWW-Authenticate", 'Basic realm="token", charset="UTF-8"');
    return c.json({ error: err.error, ...(err.description ? { error_description: err.description } : {}) }, err.status);
  });

/** RFC 6750: a missing token, and a token that does not hold. */
const bearerChallenge = (c: Context, invalid: boolean) => {
  c.header("WWW-Authenticate", invalid ? 'Bearer error="invalid_token"' : "Bearer");
  noStore(c);
  return c.body(null, 401);
};

/** The UserInfo endpoint: the claims of the granted scopes, while the code that gave the token is not revoked. */
export const userinfo = new Hono<AppEnv>()
  .use(clientCors(["GET", "POST"]))
  .on(["GET", "POST"], "/", describeRoute("userinfo"), withStorage("oidc"), async (c) => {
    const config = c.get("config");
    if (c.get("configProblems").length > 0 || !config.oidc.configured) throw new AppError("not_configured");
    const header = c.req.header("Authorization");
    if (!header) return bearerChallenge(c, false);
    const given = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header)?.[1];
    const read = given ? await readAccessToken(config, issuerOf(c), given) : null;
    const person = read ? await tokenPerson(c.get("db"), read.codeHash, read.clientId) : null;
    if (!person) return bearerChallenge(c, true);
    noStore(c);
    return c.json(claimsOf(person, config.provider.name), 200);
  });
