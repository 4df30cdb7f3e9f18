import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordingQueue, WEBHOOK_SECRET, withQueue } from "../support/events";
import { type Browser, harness, ORIGIN } from "../support/harness";
import { pageErrorOf } from "../support/http";
import { CLIENTS, claimsOfJwt, oidcVars, relyingParty, SECRETS } from "../support/oidc";

// Consent to provision (PIPA §17): a client with `consent` is a third party; the person consents to what it receives,
// why and for how long, after the verification and before its code.
const AGENCY = {
  client_id: "agency",
  name: "Partner Shop",
  redirect_uris: ["https://partner.example/cb"],
  consent: { purpose: "회원 가입과 나이 확인", retention: "회원 탈퇴 시까지" },
};
const base = await oidcVars();
const vars = {
  ...base,
  OIDC_CLIENTS: JSON.stringify([...CLIENTS, AGENCY]),
  OIDC_CLIENT_SECRETS: JSON.stringify({ ...SECRETS, agency: "agency-client-secret-of-at-least-32-chars" }),
};
const grantOf = async (userId: string) =>
  env.DB.prepare("SELECT consent_scope, consented_at FROM grants WHERE client_id = 'agency' AND user_id = ?").bind(userId).first();

/** The agency's site and a person verified inside its authorization: the answer sends them to the consent page. */
async function verified(person: Record<string, unknown>, params: Record<string, string | null> = {}, h = harness(vars)) {
  const rp = relyingParty(h, "agency", AGENCY.redirect_uris[0], "agency-client-secret-of-at-least-32-chars");
  const b = h.browser();
  const signed = await rp.signIn(b, person, params);
  return { h, rp, b, signed };
}

const answer = (b: Browser, attempt: string, decision: string, origin = ORIGIN) =>
  b.send("/consent", {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: origin },
    body: new URLSearchParams({ attempt, decision }),
  });

describe("consent to provision", () => {
  it("after the verification the answer goes to the consent page, not to the client; no code is written yet", async () => {
    const { signed } = await verified({ unique_key: "CI-consent-page" });
    expect(signed.status).toBe(200);
    expect(signed.redirect?.pathname).toBe("/consent");
    expect(signed.code).toBe("");
    const codes = await env.DB.prepare("SELECT COUNT(*) AS n FROM oidc_codes WHERE merchant_uid = ?").bind(signed.merchant_uid).first("n");
    expect(codes).toBe(0);
  });

  it("the page names the recipient, the items in words, the purpose, the retention, the right to refuse, and two buttons", async () => {
    const { b, signed } = await verified({ unique_key: "CI-consent-words" }, { scope: "openid profile", ui_locales: "ko" });
    const page = await b.send(`${signed.redirect!.pathname}${signed.redirect!.search}`);
    expect(page.status).toBe(200);
    const text = await page.text();
    for (const shown of ["Partner Shop", "회원 가입과 나이 확인", "회원 탈퇴 시까지", "이름, 생년월일, 성별", "동의하지 않으셔도 됩니다"])
      expect(text).toContain(shown);
    expect(text).toContain('data-testid="consent-agree"');
    expect(text).toContain('data-testid="consent-decline"');
    expect(page.headers.get("Content-Security-Policy")).toContain("form-action 'self' https://partner.example");
  });

  it("agree: on to the client with a code; the grant records the consent; the site API shows it", async () => {
    const { rp, b, signed } = await verified({ unique_key: "CI-consent-agree" });
    const res = await answer(b, signed.merchant_uid, "agree");
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get("Location")!);
    expect(back.origin + back.pathname).toBe(AGENCY.redirect_uris[0]);
    const tokens = await rp.tokens(back.searchParams.get("code")!, signed.verifier);
    const sub = claimsOfJwt(tokens.id_token).sub as string;
    expect(await grantOf(sub)).toMatchObject({ consent_scope: "openid profile", consented_at: expect.any(Number) });
    const user = ((await (await rp.site("GET", sub)).json()) as { user: { consent: unknown } }).user;
    expect(user.consent).toEqual({
      consented_at: expect.any(String),
      items: ["sub", "outcome", "age", "guardian_consent", "name", "birthdate", "gender", "verified_claims"],
    });
  });

  it("decline: back to the client with access_denied / consent_declined; no code, no grant", async () => {
    const { b, signed } = await verified({ unique_key: "CI-consent-decline" });
    const res = await answer(b, signed.merchant_uid, "decline");
    const back = new URL(res.headers.get("Location")!);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: "access_denied", error_description: "consent_declined" });
    expect(await grantOf(signed.body!.user.id)).toBeNull();
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM oidc_codes WHERE user_id = ?").bind(signed.body!.user.id).first("n")).toBe(0);
  });

  it("a later authorization skips the page while the recorded consent covers it; prompt=consent or a wider scope asks again", async () => {
    const h = harness(vars);
    // A code never redeemed leaves no grant: the consent travels with the code to the grant when it is redeemed.
    const first = await verified({ unique_key: "CI-consent-later" }, { scope: "openid" }, h);
    await answer(first.b, first.signed.merchant_uid, "agree");
    const again = await verified({ unique_key: "CI-consent-later" }, { scope: "openid" }, h);
    expect(again.signed.redirect?.pathname).toBe("/consent");
    const redeemed = await verified({ unique_key: "CI-consent-later2" }, { scope: "openid" }, h);
    const agreed = await answer(redeemed.b, redeemed.signed.merchant_uid, "agree");
    await redeemed.rp.tokens(new URL(agreed.headers.get("Location")!).searchParams.get("code")!, redeemed.signed.verifier);
    const skipped = await verified({ unique_key: "CI-consent-later2" }, { scope: "openid" }, h);
    expect(skipped.signed.redirect?.pathname).toBe(new URL(AGENCY.redirect_uris[0]!).pathname);
    const forced = await verified({ unique_key: "CI-consent-later2" }, { scope: "openid", prompt: "consent" }, h);
    expect(forced.signed.redirect?.pathname).toBe("/consent");
    const wider = await verified({ unique_key: "CI-consent-later2" }, { scope: "openid profile" }, h);
    expect(wider.signed.redirect?.pathname).toBe("/consent");
  });

  it("another browser cannot answer for the person, nor another site post the form", async () => {
    const { h, b, signed } = await verified({ unique_key: "CI-consent-other" });
    const stranger = h.browser();
    await stranger.prepare();
    expect(await pageErrorOf(await answer(stranger, signed.merchant_uid, "agree"))).toBe("session_mismatch");
    expect(await pageErrorOf(await answer(b, signed.merchant_uid, "agree", "https://evil.example"))).toBe("forbidden_origin");
    expect(await pageErrorOf(await answer(b, signed.merchant_uid, "maybe"))).toBe("invalid_request");
  });

  it("a client without consent gets no page, as before", async () => {
    const h = harness(vars);
    const own = await relyingParty(h, "shop").signIn(h.browser(), { unique_key: "CI-consent-shop" });
    expect(own.code).not.toBe("");
  });

  it("works the same under PortOne V2: the page, then agree → a code", async () => {
    const h = harness({ ...vars, PORTONE_VERSION: "v2" });
    const rp = relyingParty(h, "agency", AGENCY.redirect_uris[0], "agency-client-secret-of-at-least-32-chars");
    const b = h.browser();
    const signed = await rp.signInV2(b, { ci: "CI-consent-v2" });
    expect(signed.redirect?.pathname).toBe("/consent");
    const res = await answer(b, signed.id, "agree");
    const code = new URL(res.headers.get("Location")!).searchParams.get("code")!;
    expect((await rp.token({ code, code_verifier: signed.verifier })).status).toBe(200);
  });

  it("a third-party client with a webhook gets its event only once the person agreed", async () => {
    const { queue, sent } = recordingQueue();
    const hooked = {
      ...vars,
      OIDC_CLIENTS: JSON.stringify([...CLIENTS, { ...AGENCY, webhook_url: "https://partner.example/hook" }]),
      WEBHOOK_SECRETS: JSON.stringify({ agency: WEBHOOK_SECRET }),
    };
    const { b, signed } = await verified({ unique_key: "CI-consent-hook" }, {}, harness(withQueue(hooked, queue)));
    expect(sent).toEqual([]);
    await answer(b, signed.merchant_uid, "agree");
    expect(sent).toHaveLength(1);
  });
});
