import { importJWK, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { SANDBOX_OIDC } from "../../src/config/oidc";
import { harness, ORIGIN } from "../support/harness";
import { pageErrorOf } from "../support/http";
import { rsaSigningKey } from "../support/keys";
import { oidcVars, relyingParty } from "../support/oidc";

// OpenID Connect RP-Initiated Logout 1.0: GET or POST /logout, the end_session_endpoint.
const vars = await oidcVars();
const SIGNED_OUT = "https://shop.example/signed-out";

/** An ID token as the app issues them, signed with the given RSA key (the tests hold the app's own). */
async function idTokenWith(key: string, claims: { aud: string; exp: number; iss?: string }) {
  const jwk = JSON.parse(key);
  return new SignJWT({ sub: "usr_someone", aud: claims.aud })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: jwk.kid })
    .setIssuer(claims.iss ?? ORIGIN)
    .setIssuedAt(claims.exp - 300)
    .setExpirationTime(claims.exp)
    .sign(await importJWK(jwk, "RS256"));
}

/** A real ID token of client `shop`, from a sign-in through the whole flow. */
async function realIdToken(h: ReturnType<typeof harness>) {
  const rp = relyingParty(h);
  const b = h.browser();
  const { code, verifier } = await rp.signIn(b);
  return { token: (await rp.tokens(code, verifier)).id_token, browser: b };
}

const logout = (h: ReturnType<typeof harness>, params: Record<string, string>, init: RequestInit = {}) =>
  h.request(`/logout?${new URLSearchParams(params)}`, { redirect: "manual", ...init });

describe("RP-initiated logout", () => {
  it("discovery names the end_session_endpoint", async () => {
    const doc = (await (await harness(vars).request("/.well-known/openid-configuration")).json()) as Record<string, unknown>;
    expect(doc.end_session_endpoint).toBe(`${ORIGIN}/logout`);
  });

  it("an ID token of ours and a registered post_logout_redirect_uri: 303 there with the state, nothing else", async () => {
    const h = harness(vars);
    const { token } = await realIdToken(h);
    const res = await logout(h, { id_token_hint: token, post_logout_redirect_uri: SIGNED_OUT, state: "st-1" });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`${SIGNED_OUT}?state=st-1`);
  });

  it("an ES256 client's ID token is a hint too (the EC key's signature)", async () => {
    const clients = (JSON.parse(vars.OIDC_CLIENTS!) as Record<string, unknown>[]).map((c) =>
      c.client_id === "shop" ? { ...c, id_token_signed_response_alg: "ES256" } : c,
    );
    const h = harness({ ...vars, OIDC_CLIENTS: JSON.stringify(clients) });
    const { token } = await realIdToken(h);
    expect(JSON.parse(atob(token.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/"))).alg).toBe("ES256");
    const res = await logout(h, { id_token_hint: token, post_logout_redirect_uri: SIGNED_OUT });
    expect(res.status).toBe(303);
  });

  it("clears the app's cookies in this browser: the binding cookie and those of attempts", async () => {
    const h = harness(vars);
    const { token, browser } = await realIdToken(h);
    const res = await browser.send(`/logout?${new URLSearchParams({ id_token_hint: token, post_logout_redirect_uri: SIGNED_OUT })}`, {
      redirect: "manual",
    });
    const cleared = res.headers.getSetCookie().filter((c) => /Max-Age=0/.test(c));
    expect(cleared.map((c) => c.split("=")[0])).toContain("imp_browser");
    expect(cleared.some((c) => c.startsWith("imp_authz_"))).toBe(true);
  });

  it("a hint past its expiry still names its client (its signature is what counts)", async () => {
    const key = await rsaSigningKey("test-rsa-1");
    const h = harness({ ...vars, SIGNING_RSA_KEY: key });
    const expired = await idTokenWith(key, { aud: "shop", exp: Math.floor(Date.now() / 1000) - 86_400 });
    const res = await logout(h, { id_token_hint: expired, post_logout_redirect_uri: SIGNED_OUT });
    expect(res.status).toBe(303);
  });

  it("a hint signed by a key that is not ours, or from another issuer, is a 400 page, never a redirect", async () => {
    const h = harness(vars);
    const exp = Math.floor(Date.now() / 1000) + 300;
    for (const hint of [
      await idTokenWith(await rsaSigningKey("test-rsa-1"), { aud: "shop", exp }),
      await idTokenWith(JSON.stringify(SANDBOX_OIDC.rsaKey), { aud: "shop", exp }),
      "not.a.jwt",
    ]) {
      const res = await logout(h, { id_token_hint: hint, post_logout_redirect_uri: SIGNED_OUT });
      expect(res.status).toBe(400);
      expect(res.headers.get("Location")).toBeNull();
      expect(await pageErrorOf(res)).toBe("invalid_request");
    }
    const key = await rsaSigningKey("test-rsa-1");
    const other = await idTokenWith(key, { aud: "shop", exp, iss: "https://elsewhere.example" });
    const res = await logout(harness({ ...vars, SIGNING_RSA_KEY: key }), { id_token_hint: other, post_logout_redirect_uri: SIGNED_OUT });
    expect(res.status).toBe(400);
  });

  it("a post_logout_redirect_uri the client did not register is a 400 page, never a redirect", async () => {
    const h = harness(vars);
    const { token } = await realIdToken(h);
    for (const uri of ["https://evil.example/", `${SIGNED_OUT}/x`, "https://shop.example/auth/callback"]) {
      const res = await logout(h, { id_token_hint: token, post_logout_redirect_uri: uri });
      expect(res.status).toBe(400);
      expect(res.headers.get("Location")).toBeNull();
      expect(await pageErrorOf(res)).toBe("invalid_request");
    }
  });

  it("client_id may name the client instead of a hint, and must agree with a hint", async () => {
    const h = harness(vars);
    expect((await logout(h, { client_id: "shop", post_logout_redirect_uri: SIGNED_OUT })).status).toBe(303);
    expect((await logout(h, { post_logout_redirect_uri: SIGNED_OUT })).status).toBe(400);
    const { token } = await realIdToken(h);
    expect((await logout(h, { id_token_hint: token, client_id: "app", post_logout_redirect_uri: SIGNED_OUT })).status).toBe(400);
  });

  it("without a post_logout_redirect_uri: a page that says the visitor is signed out, in their language", async () => {
    const h = harness(vars);
    const { token } = await realIdToken(h);
    const en = await logout(h, { id_token_hint: token }, { headers: { "Accept-Language": "en" } });
    expect(en.status).toBe(200);
    const page = await en.text();
    expect(page).toContain('data-signed-out="true"');
    expect(page).toContain("You are signed out");
    // The language link does not repeat the hint (an ID token) in another URL.
    expect(page).not.toContain(token.slice(0, 20));
    const ko = await logout(h, { ui_locales: "ko" });
    expect(await ko.text()).toContain("로그아웃되었습니다");
  });

  it("POST with a form body does what GET does; another body is refused", async () => {
    const h = harness(vars);
    const { token } = await realIdToken(h);
    const form = new URLSearchParams({ id_token_hint: token, post_logout_redirect_uri: SIGNED_OUT, state: "s" });
    const res = await h.request("/logout", {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://shop.example" },
      body: form,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`${SIGNED_OUT}?state=s`);
    const json = await h.request("/logout", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    expect(json.status).toBe(400);
  });

  it("a hint signed by a key since moved to SIGNING_PREVIOUS_KEYS is still ours", async () => {
    const old = await rsaSigningKey("old-rsa");
    const { d, p, q, dp, dq, qi, ...oldPublic } = JSON.parse(old);
    const h = harness({ ...vars, SIGNING_PREVIOUS_KEYS: JSON.stringify([oldPublic]) });
    const hint = await idTokenWith(old, { aud: "shop", exp: Math.floor(Date.now() / 1000) + 300 });
    expect((await logout(h, { id_token_hint: hint, post_logout_redirect_uri: SIGNED_OUT })).status).toBe(303);
  });

  it("the sandbox's client may go back to any loopback URI, and nowhere else", async () => {
    const h = harness({ IMP_MODE: "sandbox" });
    expect((await logout(h, { client_id: "sandbox", post_logout_redirect_uri: "http://127.0.0.1:3000/bye" })).status).toBe(303);
    expect((await logout(h, { client_id: "sandbox", post_logout_redirect_uri: "https://evil.example/bye" })).status).toBe(400);
  });
});
