import * as v from "valibot";
import { expect } from "vitest";
import { iamportSchemas } from "../../src/providers/iamport/schemas";
import { portoneSchemas } from "../../src/providers/portone/schemas";
import { TokenResponse } from "../../src/routes/responses";
import { answer, V1Verification, V2Verification } from "./answers";
import { type Browser, type harness, ORIGIN } from "./harness";
import type { StubCertification } from "./iamport-stub";
import { rsaSigningKey, signingKey } from "./keys";
import type { StubCustomer } from "./portone-stub";

type Harness = ReturnType<typeof harness>;

export const CLIENTS = [
  {
    client_id: "shop",
    name: "Shop",
    redirect_uris: ["https://shop.example/auth/callback"],
    post_logout_redirect_uris: ["https://shop.example/signed-out"],
  },
  { client_id: "app", name: "Shop App", redirect_uris: ["https://app.example/cb", "http://127.0.0.1:3000/cb"], subject_type: "pairwise" },
];
export const SECRETS = { shop: "shop-client-secret-of-at-least-32-chars", app: "app-client-secret-of-at-least-32-chars!" };

/** Vars of a live deployment with two clients: a web site (public subjects) and an app (pairwise). */
export async function oidcVars(): Promise<Record<string, string>> {
  return {
    PUBLIC_URL: ORIGIN,
    OIDC_CLIENTS: JSON.stringify(CLIENTS),
    OIDC_CLIENT_SECRETS: JSON.stringify(SECRETS),
    SIGNING_KEY: await signingKey(),
    SIGNING_RSA_KEY: await rsaSigningKey(),
  };
}

const encoder = new TextEncoder();
const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
export const randomText = (bytes = 32) => b64url(crypto.getRandomValues(new Uint8Array(bytes)));
export const challengeOf = async (verifier: string) => b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(verifier))));

export const basic = (id: string, secret: string) => `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`;

/** The page's embedded config (the attempt it arrives with, the authorization it runs). */
export function pageConfigOf(htmlText: string): { attempt: Record<string, unknown>; authorization: { sealed: string } | null } {
  const json = /<script type="application\/json" id="page-config">([\s\S]*?)<\/script>/.exec(htmlText)?.[1];
  if (!json) throw new Error("no page config in the page");
  return JSON.parse(json);
}

/** A relying party of the harness's app: builds authorization requests, and exchanges codes like a site's backend. */
export function relyingParty(
  h: Harness,
  clientId = "shop",
  redirectUri = CLIENTS.find((c) => c.client_id === clientId)?.redirect_uris[0] ?? "",
  secret: string = SECRETS[clientId as keyof typeof SECRETS] ?? "sandbox-client-secret",
) {
  async function authorize(b: Browser, params: Record<string, string | null> = {}) {
    const verifier = randomText();
    const state = randomText(12);
    const nonce = randomText(12);
    const query = new URLSearchParams();
    const all: Record<string, string | null> = {
      response_type: "code",
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: "openid profile",
      state,
      nonce,
      code_challenge: await challengeOf(verifier),
      code_challenge_method: "S256",
      ...params,
    };
    for (const [k, val] of Object.entries(all)) if (val !== null) query.set(k, val);
    const res = await b.send(`/authorize?${query}`);
    return { res, verifier, state, nonce };
  }

  /** The attempt of the page `/authorize` answered. */
  async function attemptOf(res: Response) {
    expect(res.status).toBe(200);
    return pageConfigOf(await res.text());
  }

  /** The whole flow in popup mode: authorize, the provider certifies this person, the page verifies. */
  async function signIn(b: Browser, person: Partial<StubCertification> = {}, params: Record<string, string | null> = {}) {
    const started = await authorize(b, params);
    const { attempt, authorization } = await attemptOf(started.res);
    const { merchant_uid } = v.parse(iamportSchemas.prepare, attempt);
    const cert = h.stub.certify({ merchant_uid, ...person });
    const verified = await b.verify({ imp_uid: cert.imp_uid, merchant_uid });
    const status = verified.status;
    const body = status === 200 ? await answer(verified, V1Verification) : undefined;
    const redirect = body?.redirect_to ? new URL(body.redirect_to) : undefined;
    return { ...started, status, body, redirect, code: redirect?.searchParams.get("code") ?? "", cert, merchant_uid, authorization };
  }

  /** The same, under PortOne V2. */
  async function signInV2(b: Browser, customer: StubCustomer = {}, params: Record<string, string | null> = {}) {
    const started = await authorize(b, params);
    const { attempt } = await attemptOf(started.res);
    const { identity_verification_id: id } = v.parse(portoneSchemas.prepare, attempt);
    h.portone.verify(id, customer);
    const verified = await b.verify({ identity_verification_id: id });
    const body = verified.status === 200 ? await answer(verified, V2Verification) : undefined;
    const redirect = body?.redirect_to ? new URL(body.redirect_to) : undefined;
    return { ...started, status: verified.status, body, redirect, code: redirect?.searchParams.get("code") ?? "", id };
  }

  function token(
    form: Record<string, string>,
    options: { auth?: "basic" | "post" | "none"; secret?: string; client?: string } = {},
  ): Promise<Response> {
    const auth = options.auth ?? "basic";
    const body = new URLSearchParams({ grant_type: "authorization_code", redirect_uri: redirectUri, ...form });
    const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
    const id = options.client ?? clientId;
    if (auth === "basic") headers.Authorization = basic(id, options.secret ?? secret);
    if (auth === "post") {
      body.set("client_id", id);
      body.set("client_secret", options.secret ?? secret);
    }
    return h.request("/token", { method: "POST", headers, body });
  }

  async function tokens(code: string, verifier: string) {
    const res = await token({ code, code_verifier: verifier });
    expect(res.status).toBe(200);
    return answer(res, TokenResponse);
  }

  const site = (method: string, sub: string, credentials = basic(clientId, secret)) =>
    h.request(`/api/users/${sub}`, { method, headers: { Authorization: credentials } });

  const events = (query = "") => h.request(`/api/events${query}`, { headers: { Authorization: basic(clientId, secret) } });
  const redeliver = (id: string) => h.request(`/api/events/${id}/redeliver`, { method: "POST", headers: { Authorization: basic(clientId, secret) } });

  return { clientId, redirectUri, secret, authorize, attemptOf, signIn, signInV2, token, tokens, site, events, redeliver };
}

/** The claims of a compact JWS, unverified (the tests verify with jose where it matters). */
export const claimsOfJwt = (jwt: string) =>
  JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(jwt.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0))));
