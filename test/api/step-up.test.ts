import { env } from "cloudflare:workers";
import { importJWK, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { hookedVars, recordingQueue, withQueue } from "../support/events";
import { harness, ORIGIN } from "../support/harness";
import { errorOf } from "../support/http";
import { rsaSigningKey } from "../support/keys";
import { claimsOfJwt, oidcVars, relyingParty } from "../support/oidc";

// "Is this still the same person?": an authorization with id_token_hint (an ID token we issued to this client) or the
// claims parameter asking for a sub must be completed by that person at this client, or nobody.
const vars = await oidcVars();

/** A site and a person signed in there once: the ID token its backend keeps, and their sub. */
async function member(clientId: "shop" | "app", person: Record<string, unknown>, extra: Record<string, string> = {}) {
  const h = harness({ ...vars, ...extra });
  const rp = relyingParty(h, clientId);
  const first = await rp.signIn(h.browser(), person);
  const idToken = (await rp.tokens(first.code, first.verifier)).id_token;
  return { h, rp, idToken, sub: claimsOfJwt(idToken).sub as string };
}

const grantsOf = async (userId: string) =>
  (await env.DB.prepare("SELECT COUNT(*) AS n FROM grants WHERE user_id = ?").bind(userId).first<number>("n")) ?? 0;
const codesOf = async (userId: string) =>
  (await env.DB.prepare("SELECT COUNT(*) AS n FROM oidc_codes WHERE user_id = ?").bind(userId).first<number>("n")) ?? 0;

describe("step-up: the same person again", () => {
  it("discovery says the claims parameter is supported", async () => {
    const doc = (await (await harness(vars).request("/.well-known/openid-configuration")).json()) as Record<string, unknown>;
    expect(doc.claims_parameter_supported).toBe(true);
  });

  it("with id_token_hint, the same person verifies: a code, and the ID token names the same sub", async () => {
    const { rp, h, idToken, sub } = await member("shop", { unique_key: "CI-step-same" });
    const again = await rp.signIn(h.browser(), { unique_key: "CI-step-same" }, { id_token_hint: idToken });
    expect(again.status).toBe(200);
    expect(again.body!.outcome).toBe("existing_user");
    expect(claimsOfJwt((await rp.tokens(again.code, again.verifier)).id_token).sub).toBe(sub);
  });

  it("with id_token_hint, someone else verifies: identity_mismatch, no code, no grant — and a repeat says so again", async () => {
    const { rp, h, idToken } = await member("shop", { unique_key: "CI-step-owner" });
    const b = h.browser();
    const other = await rp.signIn(b, { unique_key: "CI-step-someone-else", name: "다른사람" }, { id_token_hint: idToken });
    expect([other.status, other.redirect]).toEqual([403, undefined]);
    const row = await env.DB.prepare("SELECT user_id FROM attempts WHERE merchant_uid = ?").bind(other.merchant_uid).first<{ user_id: string }>();
    expect(await grantsOf(row!.user_id)).toBe(0);
    expect(await codesOf(row!.user_id)).toBe(0);
    const repeat = await b.verify({ imp_uid: other.cert.imp_uid, merchant_uid: other.merchant_uid });
    expect([repeat.status, await errorOf(repeat)]).toEqual([403, "identity_mismatch"]);
  });

  it("the claims parameter asking for a sub value does the same as a hint", async () => {
    const { rp, h, sub } = await member("shop", { unique_key: "CI-step-claims" });
    const claims = JSON.stringify({ id_token: { sub: { value: sub, essential: true } } });
    const same = await rp.signIn(h.browser(), { unique_key: "CI-step-claims" }, { claims });
    expect(same.status).toBe(200);
    const other = await rp.signIn(h.browser(), { unique_key: "CI-step-claims-other" }, { claims });
    expect(other.status).toBe(403);
  });

  it("a pairwise client's hint holds its own subject for the person", async () => {
    const { rp, h, idToken, sub } = await member("app", { unique_key: "CI-step-pairwise" });
    expect(sub).toMatch(/^p_/);
    const again = await rp.signIn(h.browser(), { unique_key: "CI-step-pairwise" }, { id_token_hint: idToken });
    expect(again.status).toBe(200);
    expect((await rp.signIn(h.browser(), { unique_key: "CI-step-pairwise-x" }, { id_token_hint: idToken })).status).toBe(403);
  });

  it("works the same under PortOne V2", async () => {
    const h = harness({ ...vars, PORTONE_VERSION: "v2" });
    const rp = relyingParty(h, "shop");
    const first = await rp.signInV2(h.browser(), { ci: "CI-step-v2" });
    const idToken = (await rp.tokens(first.code, first.verifier)).id_token;
    expect((await rp.signInV2(h.browser(), { ci: "CI-step-v2" }, { id_token_hint: idToken })).status).toBe(200);
    expect((await rp.signInV2(h.browser(), { ci: "CI-step-v2-other" }, { id_token_hint: idToken })).status).toBe(403);
  });

  it("a mismatch sends no event to a webhook client", async () => {
    const { queue, sent } = recordingQueue();
    const h = harness(withQueue(await hookedVars(), queue));
    const rp = relyingParty(h, "shop");
    const first = await rp.signIn(h.browser(), { unique_key: "CI-step-hook" });
    const idToken = (await rp.tokens(first.code, first.verifier)).id_token;
    const before = sent.length;
    expect((await rp.signIn(h.browser(), { unique_key: "CI-step-hook-other" }, { id_token_hint: idToken })).status).toBe(403);
    expect(sent.length).toBe(before);
  });
});

describe("step-up: requests that cannot ask for a person", () => {
  const refused = async (h: ReturnType<typeof harness>, params: Record<string, string>) => {
    const { res } = await relyingParty(h, "shop").authorize(h.browser(), params);
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get("Location")!);
    return [back.searchParams.get("error"), back.searchParams.get("error_description")];
  };

  it("a hint that is not an ID token of ours is invalid_request", async () => {
    const h = harness(vars);
    const key = await rsaSigningKey("test-rsa-1");
    const forged = await new SignJWT({ sub: "usr_someone", aud: "shop" })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: "test-rsa-1" })
      .setIssuer(ORIGIN)
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(await importJWK(JSON.parse(key), "RS256"));
    for (const hint of [forged, "not-a-jwt"]) {
      expect(await refused(h, { id_token_hint: hint })).toEqual(["invalid_request", "id_token_hint is not an ID token of this issuer"]);
    }
  });

  it("a hint issued to another client is invalid_request", async () => {
    const { idToken, h } = await member("app", { unique_key: "CI-step-foreign" });
    expect(await refused(h, { id_token_hint: idToken })).toEqual(["invalid_request", "id_token_hint was issued to another client"]);
  });

  it("a hint and claims naming two people, or claims that are not a claims request, are invalid_request", async () => {
    const { idToken, h } = await member("shop", { unique_key: "CI-step-two" });
    const other = JSON.stringify({ id_token: { sub: { value: "usr_00000000000000000000000000000000" } } });
    expect((await refused(h, { id_token_hint: idToken, claims: other }))[0]).toBe("invalid_request");
    for (const claims of ["{", "[]", '{"access_token":{}}', '{"id_token":{"sub":{"value":7}}}', '{"id_token":{"sub":{"value":"1 OR 1"}}}']) {
      expect((await refused(h, { claims }))[0]).toBe("invalid_request");
    }
  });

  it("claims that ask for verified_claims (Identity Assurance) or other claims are accepted and change nothing", async () => {
    const h = harness(vars);
    const claims = JSON.stringify({ id_token: { verified_claims: { verification: { trust_framework: null }, claims: { name: null } } } });
    const { res } = await relyingParty(h, "shop").authorize(h.browser(), { claims });
    expect(res.status).toBe(200);
  });
});
