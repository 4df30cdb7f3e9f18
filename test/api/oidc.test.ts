import { env } from "cloudflare:workers";
import { createLocalJWKSet, importJWK, jwtVerify, SignJWT } from "jose";
import { describe, expect, it, vi } from "vitest";
import { SANDBOX_OIDC } from "../../src/config/oidc";
import { JwksResponse, UserinfoResponse } from "../../src/routes/responses";
import { answer } from "../support/answers";
import { type Browser, harness, ORIGIN } from "../support/harness";
import { errorOf, pageErrorOf } from "../support/http";
import { rsaSigningKey, signingKey } from "../support/keys";
import { basic, CLIENTS, challengeOf, claimsOfJwt, oidcVars, pageConfigOf, randomText, relyingParty, SECRETS } from "../support/oidc";

const vars = await oidcVars();
const count = async (table: string) => (await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<number>("n")) ?? 0;

describe("OIDC: discovery and keys", () => {
  it("publishes the metadata under PUBLIC_URL, whatever Host the request came with", async () => {
    const h = harness(vars);
    const res = await h.request("/.well-known/openid-configuration", { headers: { Host: "evil.example" } });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: ORIGIN,
      authorization_endpoint: `${ORIGIN}/authorize`,
      token_endpoint: `${ORIGIN}/token`,
      userinfo_endpoint: `${ORIGIN}/userinfo`,
      jwks_uri: `${ORIGIN}/.well-known/jwks.json`,
      response_types_supported: ["code"],
      grant_types_supported: ["authorization_code"],
      subject_types_supported: ["public", "pairwise"],
      id_token_signing_alg_values_supported: ["RS256", "ES256"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: true,
      ui_locales_supported: ["ko", "en"],
    });
  });

  it("the JWKS lists the current key, then SIGNING_PREVIOUS_KEYS; a previous key that is not a public key is a problem", async () => {
    const old = JSON.parse(await signingKey("old-1"));
    delete old.d;
    const h = harness({ ...vars, SIGNING_PREVIOUS_KEYS: JSON.stringify([old]) });
    const jwks = await answer(await h.request("/.well-known/jwks.json"), JwksResponse);
    expect(jwks.keys.map((k) => k.kid)).toEqual(["test-key-1", "test-rsa-1", "old-1"]);
    for (const bad of [
      JSON.stringify([{ ...old, d: "AAAA" }]),
      JSON.stringify([{ ...old, x: "AAAA" }]),
      "{",
      JSON.stringify([{ ...old, kid: "test-key-1" }]),
    ]) {
      const health = await harness({ ...vars, SIGNING_PREVIOUS_KEYS: bad }).request("/healthz");
      expect(await health.json()).toMatchObject({ ok: false, problems: ["SIGNING_PREVIOUS_KEYS"] });
    }
  });

  it("live mode refuses the sandbox's public key among SIGNING_PREVIOUS_KEYS, however its JWK names it, and publishes nothing", async () => {
    const { d: _private, ...sandboxPublic } = SANDBOX_OIDC.signingKey;
    const old = JSON.parse(await signingKey("old-2"));
    delete old.d;
    for (const spelled of [sandboxPublic, { ...sandboxPublic, kid: "renamed-1" }, { ...sandboxPublic, kid: "renamed-2", alg: "ES256", use: "sig" }]) {
      const h = harness({ ...vars, SIGNING_PREVIOUS_KEYS: JSON.stringify([old, spelled]) });
      expect(await (await h.request("/healthz")).json()).toMatchObject({ ok: false, problems: ["SIGNING_PREVIOUS_KEYS"] });
      // The JWKS never carries it: a token forged with the sandbox's private key (in this repository) verifies against nothing here.
      const jwks = await answer(await h.request("/.well-known/jwks.json"), JwksResponse);
      expect(jwks.keys.map((k) => ("x" in k ? k.x : k.n))).not.toContain(sandboxPublic.x);
      const forged = await new SignJWT({ sub: "usr_forged" })
        .setProtectedHeader({ alg: "ES256", kid: spelled.kid })
        .setIssuer(ORIGIN)
        .setAudience("shop")
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(await importJWK(SANDBOX_OIDC.signingKey, "ES256"));
      await expect(jwtVerify(forged, createLocalJWKSet(jwks as never), { issuer: ORIGIN, audience: "shop" })).rejects.toThrow();
    }
    const sandbox = harness({ IMP_MODE: "sandbox", SIGNING_PREVIOUS_KEYS: JSON.stringify([old]) });
    expect(await (await sandbox.request("/healthz")).json()).toMatchObject({ ok: true });
  });

  it("checks the clients: live mode with OIDC_CLIENTS needs PUBLIC_URL, SIGNING_KEY and every secret", async () => {
    const problems = async (v: Record<string, string>) => ((await (await harness(v).request("/healthz")).json()) as { problems?: string[] }).problems;
    expect(await problems({ OIDC_CLIENTS: vars.OIDC_CLIENTS! })).toEqual(["OIDC_CLIENT_SECRETS", "PUBLIC_URL", "SIGNING_KEY", "SIGNING_RSA_KEY"]);
    expect(await problems({ ...vars, OIDC_CLIENT_SECRETS: JSON.stringify({ shop: "short" }) })).toContain("OIDC_CLIENT_SECRETS");
    expect(
      await problems({ ...vars, OIDC_CLIENT_SECRETS: JSON.stringify({ ...JSON.parse(vars.OIDC_CLIENT_SECRETS!), other: "x".repeat(40) }) }),
    ).toContain("OIDC_CLIENT_SECRETS");
    for (const clients of [
      "[]",
      "{}",
      JSON.stringify([{ ...CLIENTS[0], redirect_uris: ["http://shop.example/cb"] }]),
      JSON.stringify([{ ...CLIENTS[0], redirect_uris: ["https://shop.example/cb#x"] }]),
      JSON.stringify([{ ...CLIENTS[0], client_id: "has space" }]),
      JSON.stringify([{ ...CLIENTS[0], client_id: "sandbox" }]),
      JSON.stringify([{ ...CLIENTS[0], subject_type: "Pairwise" }]),
      JSON.stringify([CLIENTS[0], CLIENTS[0]]),
    ]) {
      expect(await problems({ ...vars, OIDC_CLIENTS: clients })).toContain("OIDC_CLIENTS");
    }
    expect(await problems({ ...vars, PUBLIC_URL: "http://verify.example" })).toEqual(["PUBLIC_URL"]);
    expect(await problems({ ...vars, PUBLIC_URL: "https://verify.example/path" })).toEqual(["PUBLIC_URL"]);
    // The sandbox's key and client are public: refused in live mode.
    const { SANDBOX_CREDENTIALS } = await import("../../src/config");
    expect(await problems({ ...vars, SIGNING_KEY: JSON.stringify(SANDBOX_CREDENTIALS.signingKey) })).toEqual(["SIGNING_KEY"]);
    const sandboxClient = await harness(vars).request("/token", {
      method: "POST",
      headers: { Authorization: basic("sandbox", "sandbox-client-secret"), "Content-Type": "application/x-www-form-urlencoded" },
      body: `grant_type=authorization_code&code=x&redirect_uri=http://localhost:3000/cb&code_verifier=${"a".repeat(43)}`,
    });
    expect(sandboxClient.status).toBe(401);
  });

  it("live mode without OIDC_CLIENTS answers /authorize with a 503 page and the site API with 503 JSON", async () => {
    const h = harness();
    const page = await h.request("/authorize?client_id=shop");
    expect([page.status, page.headers.get("Content-Type")?.startsWith("text/html"), await pageErrorOf(page)]).toEqual([503, true, "not_configured"]);
    const api = await h.request("/api/users/usr_1", { headers: { Authorization: basic("shop", SECRETS_SHOP) } });
    expect([api.status, await errorOf(api)]).toEqual([503, "not_configured"]);
  });
});

const SECRETS_SHOP = "shop-client-secret-of-at-least-32-chars";

describe("OIDC: /authorize", () => {
  it("an unknown client_id or unregistered redirect_uri is a 400 page, never a redirect", async () => {
    const h = harness(vars);
    const rp = relyingParty(h);
    const cases: Record<string, string | null>[] = [
      { client_id: "nobody" },
      { client_id: null },
      { redirect_uri: "https://evil.example/cb" },
      { redirect_uri: "https://shop.example/auth/callback/../x" },
      { redirect_uri: null },
      { redirect_uri: "http://127.0.0.1:3000/cb" }, // another client's
    ];
    for (const params of cases) {
      const { res } = await rp.authorize(h.browser(), params);
      expect([res.status, res.headers.get("Location"), await pageErrorOf(res)]).toEqual([400, null, "invalid_request"]);
    }
  });

  it("other request errors go back to redirect_uri with error, error_description (why), state and iss, and nothing else", async () => {
    const h = harness(vars);
    const rp = relyingParty(h);
    const cases: [Record<string, string | null>, string, string][] = [
      [{ response_type: "token" }, "unsupported_response_type", "response_type must be code"],
      [{ response_type: null }, "invalid_request", "response_type is required"],
      [{ scope: "profile" }, "invalid_scope", "scope must include openid"],
      [{ scope: null }, "invalid_scope", "scope must include openid"],
      [{ code_challenge: null }, "invalid_request", "code_challenge is required (PKCE S256)"],
      [{ code_challenge_method: "plain" }, "invalid_request", "code_challenge_method must be S256"],
      [{ code_challenge_method: null }, "invalid_request", "code_challenge_method must be S256"],
      [{ code_challenge: "short" }, "invalid_request", "code_challenge must be the base64url SHA-256 of the verifier (43 characters)"],
      [{ prompt: "none" }, "login_required", "every sign-in here is a new identity verification: prompt=none cannot be met"],
      [{ request: "eyJ..." }, "request_not_supported", "request objects are not supported"],
      [{ response_mode: "fragment" }, "invalid_request", "response_mode must be query"],
      [{ max_age: "soon" }, "invalid_request", "max_age must be a whole number of seconds"],
    ];
    for (const [params, error, description] of cases) {
      const { res, state } = await rp.authorize(h.browser(), params);
      expect(res.status).toBe(303);
      const to = new URL(res.headers.get("Location")!);
      expect(`${to.origin}${to.pathname}`).toBe(rp.redirectUri);
      expect(Object.fromEntries(to.searchParams)).toEqual({ error, error_description: description, state, iss: ORIGIN });
    }
    const twice = await h.browser().send(`/authorize?client_id=shop&redirect_uri=${encodeURIComponent(rp.redirectUri)}&scope=openid&scope=openid`);
    const refused = new URL(twice.headers.get("Location")!).searchParams;
    expect([refused.get("error"), refused.get("error_description")]).toEqual(["invalid_request", "scope is given more than once"]);
  });

  it("accepts max_age: every authorization is a fresh verification", async () => {
    const h = harness(vars);
    const { res } = await relyingParty(h).authorize(h.browser(), { max_age: "0" });
    expect(res.status).toBe(200);
  });

  it("POST /authorize with a form body is the same request as GET (OpenID Connect Core §3.1.2.1), from the site's own origin", async () => {
    const h = harness(vars);
    const rp = relyingParty(h);
    const query = new URLSearchParams({
      response_type: "code",
      client_id: "shop",
      redirect_uri: rp.redirectUri,
      scope: "openid profile",
      state: "s1",
      code_challenge: await challengeOf(randomText()),
      code_challenge_method: "S256",
    });
    const b = h.browser();
    const page = await b.send("/authorize", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://shop.example" },
      body: query.toString(),
    });
    expect(page.status).toBe(200);
    expect(pageConfigOf(await page.text()).authorization).toMatchObject({ sealed: expect.any(String) });
    query.delete("code_challenge");
    const refused = await b.send("/authorize", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: query.toString(),
    });
    expect(new URL(refused.headers.get("Location")!).searchParams.get("error_description")).toBe("code_challenge is required (PKCE S256)");
    const json = await b.send("/authorize", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    expect([json.status, await pageErrorOf(json)]).toEqual([400, "invalid_request"]);
  });

  it("shows the verification page for the authorization, in ui_locales' language, writing nothing", async () => {
    const h = harness(vars);
    const before = await Promise.all(["attempts", "users", "oidc_codes", "grants"].map(count));
    const { res } = await relyingParty(h).authorize(h.browser(), { ui_locales: "en-US ko" });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('lang="en"');
    expect(text).toContain("Shop asks you to verify your identity");
    expect(pageConfigOf(text).authorization?.sealed).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(await Promise.all(["attempts", "users", "oidc_codes", "grants"].map(count))).toEqual(before);
  });
});

/**
 * Any /authorize answers a sealed authorization: the browser takes one of `rp`'s, puts it in the cookie of its
 * finished attempt and sends the same result again — which is answered without a redirect, and writes no code and
 * no grant.
 */
async function resendWithAuthorizationOf(
  h: ReturnType<typeof harness>,
  rp: ReturnType<typeof relyingParty>,
  b: Browser,
  finished: { imp_uid: string; merchant_uid: string },
) {
  const [codes, grants] = [await count("oidc_codes"), await count("grants")];
  const { authorization } = await rp.attemptOf((await rp.authorize(h.browser())).res);
  b.cookie = `${b.cookie}; imp_authz_${finished.merchant_uid}=${authorization!.sealed}`;
  const again = await b.verify(finished);
  expect(again.status).toBe(200);
  expect(((await again.json()) as { redirect_to?: string }).redirect_to).toBeUndefined();
  expect([await count("oidc_codes"), await count("grants")]).toEqual([codes, grants]);
}

describe("OIDC: the whole flow", () => {
  it("one verification, one code: re-sent with another client's authorization in its cookie, a finished verification mints nothing", async () => {
    const h = harness(vars);
    const shop = relyingParty(h, "shop");
    const app = relyingParty(h, "app");
    const b = h.browser();
    const first = await shop.signIn(b, { unique_key: `CI-${randomText(8)}` });
    expect(first.code).not.toBe("");
    await resendWithAuthorizationOf(h, app, b, { imp_uid: first.cert.imp_uid, merchant_uid: first.merchant_uid });
  });

  it("one verification, one code: a verification of the page's own, re-sent with an authorization's cookie, mints nothing", async () => {
    const h = harness(vars);
    const shop = relyingParty(h, "shop");
    const b = h.browser();
    const cert = await b.certified({ unique_key: `CI-${randomText(8)}` });
    expect((await b.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid })).status).toBe(200);
    await resendWithAuthorizationOf(h, shop, b, { imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid! });
  });

  it("a repeat inside the same authorization still answers with the same code", async () => {
    const h = harness(vars);
    const shop = relyingParty(h, "shop");
    const b = h.browser();
    const first = await shop.signIn(b);
    const again = await b.verify({ imp_uid: first.cert.imp_uid, merchant_uid: first.merchant_uid });
    const redirect = new URL(((await again.json()) as { redirect_to: string }).redirect_to);
    expect(redirect.searchParams.get("code")).toBe(first.code);
  });

  /** A sign-in in popup mode, its code exchanged: what the page got, the tokens, the ID token verified with jose. */
  async function signedInWithTokens() {
    const h = harness(vars);
    const rp = relyingParty(h);
    const signed = await rp.signIn(h.browser(), { name: "김하나", birthday: "1990-01-02", gender: "female" });
    expect(signed.status).toBe(200);
    const tokens = await rp.tokens(signed.code, signed.verifier);
    const jwks = createLocalJWKSet(await answer(await h.request("/.well-known/jwks.json"), JwksResponse));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token, jwks, { issuer: ORIGIN, audience: "shop" });
    return { h, signed, tokens, payload, protectedHeader };
  }

  it("popup mode: the page gets redirect_to with code, state and iss, and nothing of the person", async () => {
    const h = harness(vars);
    const signed = await relyingParty(h).signIn(h.browser(), { name: "김하나", birthday: "1990-01-02", gender: "female" });
    expect(signed.status).toBe(200);
    expect([...signed.redirect!.searchParams.keys()].sort()).toEqual(["code", "iss", "state"]);
    expect(signed.redirect!.searchParams.get("state")).toBe(signed.state);
    expect(signed.redirect!.searchParams.get("iss")).toBe(ORIGIN);
    expect(signed.body!.redirect_to).not.toMatch(/김하나|1990/);
  });

  it("the token endpoint gives a Bearer token and an RS256 ID token (the default) that verifies against the JWKS", async () => {
    const { tokens, protectedHeader } = await signedInWithTokens();
    expect(tokens.token_type).toBe("Bearer");
    // RS256, the default for a client that names no algorithm (OpenID Connect Registration §2).
    expect(protectedHeader).toMatchObject({ alg: "RS256", kid: "test-rsa-1" });
  });

  it("the ID token carries the person, the outcome, auth_time and verified_claims", async () => {
    const { signed, payload } = await signedInWithTokens();
    expect(payload).toMatchObject({
      sub: signed.body!.user.id,
      nonce: signed.nonce,
      outcome: "new_user",
      name: "김하나",
      birthdate: "1990-01-02",
      gender: "female",
      age: signed.body!.user.age,
      auth_time: Math.floor(Date.parse(signed.body!.verification.certified_at) / 1000),
      verified_claims: {
        verification: { trust_framework: "kr_mobile_identity_verification", time: signed.body!.verification.certified_at },
        claims: { name: "김하나", birthdate: "1990-01-02", gender: "female" },
      },
    });
  });

  it("the ID token never carries the provider's id, the CI, the DI or the phone", async () => {
    const { signed, payload } = await signedInWithTokens();
    // Compared by value: random ids may hold any letters.
    for (const secret of [signed.cert.imp_uid, signed.cert.unique_key, signed.cert.unique_in_site]) {
      if (secret) expect(JSON.stringify(payload)).not.toContain(secret);
    }
    expect(Object.keys(payload).filter((k) => ["ci", "di", "phone", "imp_uid"].includes(k))).toEqual([]);
  });

  it("userinfo answers the person's claims for the access token", async () => {
    const { h, signed, tokens } = await signedInWithTokens();
    const info = await h.request("/userinfo", { headers: { Authorization: `Bearer ${tokens.access_token}` } });
    expect(info.status).toBe(200);
    expect(await answer(info, UserinfoResponse)).toMatchObject({ sub: signed.body!.user.id, name: "김하나", birthdate: "1990-01-02" });
  });

  it("the redirect route answers 303 to redirect_uri with the code, and a refresh gives the same code, never a second one", async () => {
    const h = harness(vars);
    const rp = relyingParty(h);
    const b = h.browser();
    const { res, verifier, state } = await rp.authorize(b);
    const { merchant_uid } = (await rp.attemptOf(res)).attempt as { merchant_uid: string };
    const cert = h.stub.certify({ merchant_uid });
    const back = `/certifications/redirect?imp_uid=${cert.imp_uid}&merchant_uid=${merchant_uid}&imp_success=true`;
    const codes = await count("oidc_codes");
    const first = await b.send(back);
    expect(first.status).toBe(303);
    const to = new URL(first.headers.get("Location")!);
    expect(`${to.origin}${to.pathname}`).toBe(rp.redirectUri);
    expect(to.searchParams.get("state")).toBe(state);
    const again = await b.send(back);
    expect([again.status, again.headers.get("Location")]).toEqual([303, to.href]);
    expect(await count("oidc_codes")).toBe(codes + 1);
    const tokens = await rp.tokens(to.searchParams.get("code")!, verifier);
    expect(claimsOfJwt(tokens.id_token).sub).toMatch(/^usr_/);
  });

  it("V2: the same flow through PortOne", async () => {
    const h = harness({ ...vars, PORTONE_VERSION: "v2" });
    const rp = relyingParty(h);
    const signed = await rp.signInV2(h.browser(), { name: "박둘", birthDate: "1988-08-08" });
    expect(signed.status).toBe(200);
    const tokens = await rp.tokens(signed.code, signed.verifier);
    expect(claimsOfJwt(tokens.id_token)).toMatchObject({ name: "박둘", birthdate: "1988-08-08", aud: "shop" });
  });

  it("two tabs with two authorizations both complete, each with its own state and code", async () => {
    const h = harness(vars);
    const rp = relyingParty(h);
    const b = h.browser();
    const tabA = await rp.authorize(b);
    const tabB = await rp.authorize(b);
    const attemptA = (await rp.attemptOf(tabA.res)).attempt as { merchant_uid: string };
    const attemptB = (await rp.attemptOf(tabB.res)).attempt as { merchant_uid: string };
    // B finishes first; A, started earlier, still completes with its own authorization.
    for (const [tab, attempt] of [
      [tabB, attemptB],
      [tabA, attemptA],
    ] as const) {
      const cert = h.stub.certify({ merchant_uid: attempt.merchant_uid, unique_key: "CI-two-tabs" });
      const res = await b.verify({ imp_uid: cert.imp_uid, merchant_uid: attempt.merchant_uid });
      const to = new URL(((await res.json()) as { redirect_to: string }).redirect_to);
      expect(to.searchParams.get("state")).toBe(tab.state);
      const tokens = await rp.tokens(to.searchParams.get("code")!, tab.verifier);
      expect(claimsOfJwt(tokens.id_token).nonce).toBe(tab.nonce);
    }
  });

  it("without profile the tokens carry no name, birthdate or gender", async () => {
    const h = harness(vars);
    const rp = relyingParty(h);
    const signed = await rp.signIn(h.browser(), { name: "이름없음" }, { scope: "openid" });
    const tokens = await rp.tokens(signed.code, signed.verifier);
    const claims = claimsOfJwt(tokens.id_token);
    expect(claims).not.toHaveProperty("name");
    expect(claims).not.toHaveProperty("verified_claims");
    expect(claims).toHaveProperty("age");
    expect(tokens.scope).toBe("openid");
  });

  it("the renewed attempt (prepare with the sealed authorization) runs the same authorization; a forged one is refused", async () => {
    const h = harness(vars);
    const rp = relyingParty(h);
    const b = h.browser();
    const { res, verifier } = await rp.authorize(b);
    const { authorization } = await rp.attemptOf(res);
    const renewed = await b.send("/certifications/prepare", {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: ORIGIN },
      body: JSON.stringify({ authorization: authorization!.sealed }),
    });
    const { merchant_uid } = (await renewed.json()) as { merchant_uid: string };
    const cert = h.stub.certify({ merchant_uid });
    const done = (await (await b.verify({ imp_uid: cert.imp_uid, merchant_uid })).json()) as { redirect_to: string };
    await rp.tokens(new URL(done.redirect_to).searchParams.get("code")!, verifier);
    const [payload, tag] = authorization!.sealed.split(".");
    for (const forged of [`${payload}x.${tag}`, `${payload}.${tag}x`, "x"]) {
      const r = await b.send("/certifications/prepare", {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: ORIGIN },
        body: JSON.stringify({ authorization: forged }),
      });
      expect([r.status, await errorOf(r)]).toEqual([400, "invalid_request"]);
    }
  });
});

describe("OIDC: /token", () => {
  it("accepts client_secret_post as well as Basic, answers no-store, and a code works once; a replay revokes its access token", async () => {
    const h = harness(vars);
    const rp = relyingParty(h);
    const signed = await rp.signIn(h.browser());
    const res = await rp.token({ code: signed.code, code_verifier: signed.verifier }, { auth: "post" });
    expect([res.status, res.headers.get("Cache-Control")]).toEqual([200, "no-store"]);
    const { access_token } = (await res.json()) as { access_token: string };
    const userinfo = () => h.request("/userinfo", { headers: { Authorization: `Bearer ${access_token}` } });
    expect((await userinfo()).status).toBe(200);
    const replay = await rp.token({ code: signed.code, code_verifier: signed.verifier });
    expect([replay.status, ((await replay.json()) as { error: string }).error]).toEqual([400, "invalid_grant"]);
    const revoked = await userinfo();
    expect([revoked.status, revoked.headers.get("WWW-Authenticate")]).toEqual([401, 'Bearer error="invalid_token"']);
  });

  /** A signed-in person's code, and an exchange of it with `form` changed: [status, error]. */
  async function exchange() {
    const h = harness(vars);
    const rp = relyingParty(h);
    const signed = await rp.signIn(h.browser());
    const grant = async (form: Record<string, string>, options = {}) => {
      const r = await rp.token({ code: signed.code, code_verifier: signed.verifier, ...form }, options);
      return [r.status, ((await r.json()) as { error: string }).error];
    };
    return { h, rp, signed, grant };
  }

  it("refuses a wrong or malformed code_verifier: invalid_grant", async () => {
    const { grant } = await exchange();
    expect(await grant({ code_verifier: randomText() })).toEqual([400, "invalid_grant"]);
    expect(await grant({ code_verifier: "short" })).toEqual([400, "invalid_grant"]);
  });

  it("refuses another redirect_uri, an altered code, another client's code: invalid_grant", async () => {
    const { signed, grant } = await exchange();
    expect(await grant({ redirect_uri: "https://shop.example/other" })).toEqual([400, "invalid_grant"]);
    expect(await grant({ code: `${signed.code}x` })).toEqual([400, "invalid_grant"]);
    expect(await grant({}, { client: "app", secret: "app-client-secret-of-at-least-32-chars!" })).toEqual([400, "invalid_grant"]);
  });

  it("refuses another grant type (unsupported_grant_type) and an empty code (invalid_request)", async () => {
    const { grant } = await exchange();
    expect(await grant({ grant_type: "refresh_token" })).toEqual([400, "unsupported_grant_type"]);
    expect(await grant({ code: "" })).toEqual([400, "invalid_request"]);
  });

  it("after refused attempts, the right exchange still works", async () => {
    const { rp, signed, grant } = await exchange();
    await grant({ code_verifier: randomText() });
    await grant({ redirect_uri: "https://shop.example/other" });
    expect((await rp.token({ code: signed.code, code_verifier: signed.verifier })).status).toBe(200);
  });

  it("refuses a code past its 60 seconds: invalid_grant", async () => {
    const { h, rp } = await exchange();
    const late = await rp.signIn(h.browser());
    vi.useFakeTimers({ now: Date.now() + 61_000, toFake: ["Date"] });
    try {
      const r = await rp.token({ code: late.code, code_verifier: late.verifier });
      expect([r.status, ((await r.json()) as { error: string }).error]).toEqual([400, "invalid_grant"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("authenticates the client: a wrong secret is 401 invalid_client with WWW-Authenticate for Basic; two methods at once is invalid_request", async () => {
    const h = harness(vars);
    const rp = relyingParty(h);
    const signed = await rp.signIn(h.browser());
    const wrongBasic = await rp.token({ code: signed.code, code_verifier: signed.verifier }, { secret: `${rp.secret}x` });
    expect([wrongBasic.status, wrongBasic.headers.get("WWW-Authenticate")?.startsWith("Basic")]).toEqual([401, true]);
    expect(((await wrongBasic.json()) as { error: string }).error).toBe("invalid_client");
    const wrongPost = await rp.token({ code: signed.code, code_verifier: signed.verifier }, { auth: "post", secret: "nope" });
    expect([wrongPost.status, wrongPost.headers.get("WWW-Authenticate")]).toEqual([401, null]);
    const none = await rp.token({ code: signed.code, code_verifier: signed.verifier }, { auth: "none" });
    expect(none.status).toBe(401);
    const both = await h.request("/token", {
      method: "POST",
      headers: { Authorization: basic("shop", rp.secret), "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: signed.code,
        code_verifier: signed.verifier,
        redirect_uri: rp.redirectUri,
        client_secret: rp.secret,
      }),
    });
    expect([both.status, ((await both.json()) as { error: string }).error]).toEqual([400, "invalid_request"]);
    const json = await h.request("/token", {
      method: "POST",
      headers: { Authorization: basic("shop", rp.secret), "Content-Type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(400);
    // None of it spent the code.
    expect((await rp.token({ code: signed.code, code_verifier: signed.verifier })).status).toBe(200);
  });
});

describe("OIDC: /userinfo", () => {
  it("no token is 401 Bearer; an altered, foreign or expired token is invalid_token", async () => {
    const h = harness(vars);
    const rp = relyingParty(h);
    const none = await h.request("/userinfo");
    expect([none.status, none.headers.get("WWW-Authenticate")]).toEqual([401, "Bearer"]);
    const signed = await rp.signIn(h.browser());
    const { access_token, id_token } = await rp.tokens(signed.code, signed.verifier);
    const other = harness({ ...vars, SIGNING_KEY: await signingKey() });
    const foreign = await relyingParty(other).signIn(other.browser());
    const foreignToken = (await relyingParty(other).tokens(foreign.code, foreign.verifier)).access_token;
    const [head, body, sig] = access_token.split(".");
    // The signature altered in its middle (its last characters may already be what an edit would write).
    const altered = `${head}.${body}.${sig!.slice(0, 20)}${sig![20] === "A" ? "B" : "A"}${sig!.slice(21)}`;
    for (const bad of [altered, foreignToken, id_token, "garbage"]) {
      const res = await h.request("/userinfo", { headers: { Authorization: `Bearer ${bad}` } });
      expect(
        [res.status, res.headers.get("WWW-Authenticate")],
        bad === id_token ? "id_token" : bad === foreignToken ? "foreign" : bad.slice(-6),
      ).toEqual([401, 'Bearer error="invalid_token"']);
    }
    vi.useFakeTimers({ now: Date.now() + 301_000, toFake: ["Date"] });
    try {
      const res = await h.request("/userinfo", { method: "POST", headers: { Authorization: `Bearer ${access_token}` } });
      expect(res.status).toBe(401);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("OIDC: subjects, grants and the site API", () => {
  it("a pairwise client gets a stable sub that is not the user id and differs from the public client's", async () => {
    const h = harness(vars);
    const shop = relyingParty(h, "shop");
    const app = relyingParty(h, "app");
    const person = { unique_key: "CI-pairwise" };
    const atShop = await shop.signIn(h.browser(), person);
    const shopSub = claimsOfJwt((await shop.tokens(atShop.code, atShop.verifier)).id_token).sub;
    const subs = [];
    for (let i = 0; i < 2; i++) {
      const atApp = await app.signIn(h.browser(), person);
      subs.push(claimsOfJwt((await app.tokens(atApp.code, atApp.verifier)).id_token).sub);
    }
    expect(shopSub).toBe(atShop.body!.user.id);
    expect(subs[0]).toBe(subs[1]);
    expect(subs[0]).not.toBe(shopSub);
    expect(subs[0]).toMatch(/^p_/);
    // Each client sees the person by its own sub only.
    expect((await app.site("GET", subs[0])).status).toBe(200);
    expect((await shop.site("GET", subs[0])).status).toBe(404);
    expect((await app.site("GET", shopSub)).status).toBe(404);
  });

  it("the site API needs the client's own credentials and shows only the people who authorized it", async () => {
    const h = harness(vars);
    const shop = relyingParty(h, "shop");
    const signed = await shop.signIn(h.browser(), { name: "최셋", birthday: "1991-03-03" });
    const sub = signed.body!.user.id;
    await shop.tokens(signed.code, signed.verifier);
    const res = await shop.site("GET", sub);
    expect(await res.json()).toEqual({
      user: {
        id: sub,
        name: "최셋",
        gender: "male",
        birthday: "1991-03-03",
        created_at: expect.any(String),
        last_verified_at: expect.any(String),
        guardian_consent: null,
        consent: null,
      },
    });
    for (const credentials of ["", "Bearer x", basic("shop", "wrong"), basic("app", SECRETS_SHOP), basic("nobody", SECRETS_SHOP)]) {
      const r = await shop.site("GET", sub, credentials);
      expect([r.status, await errorOf(r)]).toEqual([401, "unauthorized"]);
    }
    // Someone who verified on the page alone, with no client, is nobody's.
    const b = h.browser();
    const own = (await (await b.verify({ imp_uid: (await b.certified()).imp_uid })).json()) as { user: { id: string } };
    expect((await shop.site("GET", own.user.id)).status).toBe(404);
    expect((await shop.site("GET", "1 OR 1=1")).status).toBe(400);
  });

  it("a withdrawal through one client removes its grant; the account goes with the last grant", async () => {
    const h = harness(vars);
    const shop = relyingParty(h, "shop");
    const app = relyingParty(h, "app");
    const person = { unique_key: "CI-two-sites", name: "두사이트" };
    const atShop = await shop.signIn(h.browser(), person);
    await shop.tokens(atShop.code, atShop.verifier);
    const atApp = await app.signIn(h.browser(), person);
    const appSub = claimsOfJwt((await app.tokens(atApp.code, atApp.verifier)).id_token).sub;
    const shopSub = atShop.body!.user.id;
    const first = await shop.site("DELETE", shopSub);
    expect(await first.json()).toEqual({ deleted: true, id: shopSub, account_deleted: false });
    expect((await shop.site("GET", shopSub)).status).toBe(404);
    expect((await app.site("GET", appSub)).status).toBe(200);
    const again = await shop.site("DELETE", shopSub);
    expect([again.status, await errorOf(again)]).toEqual([404, "user_not_found"]);
    const last = await app.site("DELETE", appSub);
    expect(await last.json()).toEqual({ deleted: true, id: appSub, account_deleted: true });
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM users WHERE name = ?").bind("두사이트").first("n")).toBe(0);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM grants WHERE user_id = ?").bind(shopSub).first("n")).toBe(0);
  });
});

describe("OIDC: sandbox", () => {
  it("has the built-in sandbox client for any loopback redirect URI, and the sandbox's key", async () => {
    const h = harness({ IMP_MODE: "sandbox" });
    const rp = relyingParty(h, "sandbox", "http://127.0.0.1:4567/callback");
    const { res } = await rp.authorize(h.browser());
    expect(res.status).toBe(200);
    const bad = await relyingParty(h, "sandbox", "https://example.com/cb").authorize(h.browser());
    expect(bad.res.status).toBe(400);
    const jwks = await answer(await h.request("/.well-known/jwks.json"), JwksResponse);
    expect(jwks.keys.map((k) => k.kid)).toEqual(["sandbox-signing-key-1", "sandbox-rsa-key-1"]);
    const doc = (await (await h.request("/.well-known/openid-configuration")).json()) as { issuer: string };
    expect(doc.issuer).toBe(ORIGIN);
    expect(await challengeOf("x")).toHaveLength(43);
  });
});

describe("OIDC: public clients (token_endpoint_auth_method none)", () => {
  const spa = { client_id: "spa", name: "SPA", redirect_uris: ["http://127.0.0.1:5173/cb"], token_endpoint_auth_method: "none" };
  const withSpa = () => ({ ...vars, OIDC_CLIENTS: JSON.stringify([...CLIENTS, spa]) });

  it("redeems a code with its client_id and PKCE verifier alone, and refuses a wrong verifier", async () => {
    const h = harness(withSpa());
    const rp = relyingParty(h, "spa", spa.redirect_uris[0]);
    const signed = await rp.signIn(h.browser());
    const exchange = (verifier: string) =>
      h.request("/token", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code: signed.code,
          redirect_uri: spa.redirect_uris[0]!,
          code_verifier: verifier,
          client_id: "spa",
        }),
      });
    const wrong = await exchange(randomText());
    expect([wrong.status, ((await wrong.json()) as { error: string }).error]).toEqual([400, "invalid_grant"]);
    const signedAgain = await rp.signIn(h.browser());
    const ok = await h.request("/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: signedAgain.code,
        redirect_uri: spa.redirect_uris[0]!,
        code_verifier: signedAgain.verifier,
        client_id: "spa",
      }),
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { id_token: string }).id_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it("a confidential client cannot leave its secret out, and a public client has no site API", async () => {
    const h = harness(withSpa());
    const confidential = await h.request("/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: "x",
        redirect_uri: CLIENTS[0]!.redirect_uris[0]!,
        code_verifier: randomText(),
        client_id: "shop",
      }),
    });
    expect([confidential.status, ((await confidential.json()) as { error: string }).error]).toEqual([401, "invalid_client"]);
    const site = await h.request("/api/users/usr_x", { headers: { Authorization: basic("spa", "") } });
    expect([site.status, await errorOf(site)]).toEqual([401, "unauthorized"]);
  });

  it("a public client needs no secret, and a secret listed for one is a configuration error", async () => {
    const problemsOf = async (v: Record<string, string>) =>
      ((await (await harness(v).request("/healthz")).json()) as { problems?: string[] }).problems;
    expect(await problemsOf({ ...vars, OIDC_CLIENTS: JSON.stringify([spa]), OIDC_CLIENT_SECRETS: "" })).toBeUndefined();
    expect(await problemsOf({ ...vars, OIDC_CLIENTS: JSON.stringify([spa]), OIDC_CLIENT_SECRETS: JSON.stringify({ spa: randomText() }) })).toEqual([
      "OIDC_CLIENT_SECRETS",
    ]);
    expect(await problemsOf({ ...vars, OIDC_CLIENTS: JSON.stringify([{ ...spa, token_endpoint_auth_method: "private_key_jwt" }]) })).toContain(
      "OIDC_CLIENTS",
    );
  });
});

describe("OIDC: PKCE off for a confidential client whose library cannot do it (require_pkce: false)", () => {
  const legacy = { client_id: "legacy", name: "Legacy", redirect_uris: ["https://legacy.example/cb"], require_pkce: false };
  const withLegacy = () => ({
    ...vars,
    OIDC_CLIENTS: JSON.stringify([...CLIENTS, legacy]),
    OIDC_CLIENT_SECRETS: JSON.stringify({ ...SECRETS, legacy: "legacy-client-secret-of-at-least-32-chars" }),
  });

  it("takes an authorization without code_challenge but with a nonce, and redeems its code without a verifier", async () => {
    const h = harness(withLegacy());
    const rp = relyingParty(h, "legacy", legacy.redirect_uris[0]);
    const signed = await rp.signIn(h.browser(), {}, { code_challenge: null, code_challenge_method: null });
    expect(signed.code).not.toBe("");
    const res = await rp.token({ code: signed.code }, { secret: "legacy-client-secret-of-at-least-32-chars" });
    expect(res.status).toBe(200);
    expect(claimsOfJwt(((await res.json()) as { id_token: string }).id_token)).toMatchObject({ nonce: signed.nonce });
  });

  it("still needs a nonce without PKCE, holds a request that sends a challenge to it, and keeps PKCE for every other client", async () => {
    const h = harness(withLegacy());
    const legacyRp = relyingParty(h, "legacy", legacy.redirect_uris[0]);
    const noNonce = await legacyRp.authorize(h.browser(), { code_challenge: null, code_challenge_method: null, nonce: null });
    expect(new URL(noNonce.res.headers.get("Location")!).searchParams.get("error_description")).toBe(
      "nonce is required when code_challenge is left out (require_pkce: false)",
    );
    // With a challenge, its code needs the verifier.
    const withPkce = await legacyRp.signIn(h.browser());
    const bare = await legacyRp.token({ code: withPkce.code }, { secret: "legacy-client-secret-of-at-least-32-chars" });
    expect(((await bare.json()) as { error: string }).error).toBe("invalid_grant");
    const shop = await relyingParty(h).authorize(h.browser(), { code_challenge: null, code_challenge_method: null });
    expect(new URL(shop.res.headers.get("Location")!).searchParams.get("error_description")).toBe("code_challenge is required (PKCE S256)");
  });

  it("refuses require_pkce: false for a public client", async () => {
    const res = await harness({
      ...vars,
      OIDC_CLIENTS: JSON.stringify([{ ...legacy, token_endpoint_auth_method: "none" }]),
      OIDC_CLIENT_SECRETS: "",
    }).request("/healthz");
    expect(((await res.json()) as { problems: string[] }).problems).toContain("OIDC_CLIENTS");
  });
});

describe("OIDC: what browser apps and every library need", () => {
  it("ID tokens are RS256 unless the client registered ES256; both keys are in the JWKS and jose verifies each", async () => {
    const clients = [CLIENTS[0]!, { ...CLIENTS[1]!, id_token_signed_response_alg: "ES256" }];
    const h = harness({ ...vars, OIDC_CLIENTS: JSON.stringify(clients) });
    const jwks = createLocalJWKSet(await answer(await h.request("/.well-known/jwks.json"), JwksResponse));
    for (const [client, alg] of [
      ["shop", "RS256"],
      ["app", "ES256"],
    ] as const) {
      const rp = relyingParty(h, client, clients.find((c) => c.client_id === client)!.redirect_uris[0]);
      const signed = await rp.signIn(h.browser());
      const tokens = await rp.tokens(signed.code, signed.verifier);
      const { protectedHeader } = await jwtVerify(tokens.id_token, jwks, { issuer: ORIGIN, audience: client });
      expect(protectedHeader.alg).toBe(alg);
      // Access tokens are the app's own: ES256 whatever the client's ID tokens.
      expect(JSON.parse(atob(tokens.access_token.split(".")[0]!.replaceAll("-", "+").replaceAll("_", "/"))).alg).toBe("ES256");
    }
  });

  it("refuses an unknown id_token_signed_response_alg, an RSA key under 2048 bits, and the sandbox's RSA key in live mode", async () => {
    const problemsOf = async (v: Record<string, string>) =>
      ((await (await harness({ ...vars, ...v }).request("/healthz")).json()) as { problems?: string[] }).problems;
    expect(await problemsOf({ OIDC_CLIENTS: JSON.stringify([{ ...CLIENTS[0], id_token_signed_response_alg: "HS256" }, CLIENTS[1]]) })).toContain(
      "OIDC_CLIENTS",
    );
    expect(await problemsOf({ SIGNING_RSA_KEY: JSON.stringify(SANDBOX_OIDC.rsaKey) })).toEqual(["SIGNING_RSA_KEY"]);
    const small = JSON.parse(await rsaSigningKey());
    expect(await problemsOf({ SIGNING_RSA_KEY: JSON.stringify({ ...small, n: small.n.slice(0, 300) }) })).toEqual(["SIGNING_RSA_KEY"]);
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...sandboxRsaPublic } = SANDBOX_OIDC.rsaKey;
    expect(await problemsOf({ SIGNING_PREVIOUS_KEYS: JSON.stringify([{ ...sandboxRsaPublic, kid: "renamed" }]) })).toEqual(["SIGNING_PREVIOUS_KEYS"]);
    // Every client on ES256: no RSA key is needed.
    const esOnly = JSON.stringify(CLIENTS.map((c) => ({ ...c, id_token_signed_response_alg: "ES256" })));
    expect(await problemsOf({ OIDC_CLIENTS: esOnly, SIGNING_RSA_KEY: "" })).toBeUndefined();
  });

  it("every /token error says why in error_description", async () => {
    const h = harness(vars);
    const rp = relyingParty(h);
    const cases: [Response, string][] = [
      [await rp.token({ grant_type: "password" }), "unsupported_grant_type"],
      [await rp.token({ code_verifier: randomText() }), "invalid_request"],
      [await rp.token({ code: "x", code_verifier: randomText() }, { secret: "wrong-secret-of-at-least-32-characters" }), "invalid_client"],
      [await rp.token({ code: "unknown", code_verifier: randomText() }), "invalid_grant"],
    ];
    for (const [res, error] of cases) {
      const body = (await res.json()) as { error: string; error_description?: string };
      expect(body.error).toBe(error);
      expect(body.error_description, error).toMatch(/^[ -~]{10,}$/);
    }
  });

  it("discovery and the JWKS are readable from any origin", async () => {
    const h = harness(vars);
    for (const path of ["/.well-known/openid-configuration", "/.well-known/jwks.json"]) {
      const res = await h.request(path, { headers: { Origin: "https://spa.example" } });
      expect([res.status, res.headers.get("Access-Control-Allow-Origin")]).toEqual([200, "*"]);
    }
  });

  it("/token and /userinfo answer preflights and every answer for the origin of a registered redirect URI, and for no other", async () => {
    const h = harness(vars);
    const registered = new URL(CLIENTS[0]!.redirect_uris[0]!).origin;
    for (const [path, method] of [
      ["/token", "POST"],
      ["/userinfo", "GET"],
    ] as const) {
      const preflight = await h.request(path, {
        method: "OPTIONS",
        headers: { Origin: registered, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": "authorization, content-type" },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe(registered);
      expect(preflight.headers.get("Access-Control-Allow-Methods")).toContain(method);
      expect(preflight.headers.get("Access-Control-Allow-Headers")).toBe("Authorization,Content-Type");
      expect(preflight.headers.get("Access-Control-Allow-Credentials")).toBeNull();
      const stranger = await h.request(path, {
        method: "OPTIONS",
        headers: { Origin: "https://evil.example", "Access-Control-Request-Method": method },
      });
      expect(stranger.headers.get("Access-Control-Allow-Origin")).toBeNull();
    }
    // An error answer is readable too, so the app can say what went wrong.
    const failed = await h.request("/token", {
      method: "POST",
      headers: { Origin: registered, "Content-Type": "application/x-www-form-urlencoded" },
      body: "grant_type=authorization_code",
    });
    expect([failed.status, failed.headers.get("Access-Control-Allow-Origin")]).toEqual([401, registered]);
    const denied = await h.request("/userinfo", { headers: { Origin: registered } });
    expect([denied.status, denied.headers.get("Access-Control-Allow-Origin")]).toEqual([401, registered]);
  });
});
