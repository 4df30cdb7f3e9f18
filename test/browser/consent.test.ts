// The consent to provision in Chromium, with openid-client as a third-party site: the page after the verification,
// axe-clean in both languages at phone and desktop widths; agree goes on to the site, a later sign-in skips it,
// prompt=consent shows it again, decline comes back to the site as access_denied.
import { type BrowserContext, devices, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startWranglerDev, type WranglerDev } from "../support/wrangler-dev.ts";
import { browser, type Person, SHOTS, verifyOn, violations } from "./helpers.ts";
import { openidClientParty, type RelyingParty } from "./relying-parties.ts";

const PARTNER = { id: "partner", secret: "partner-client-secret-of-at-least-32-chars", port: 0 };
const PERSON: Person = { name: "동의하는사람", birthday: "1990-10-10", gender: "female", phone: "01088880001" };

let app: WranglerDev;
let prompt = "";
let party: RelyingParty;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  PARTNER.port = await freePort();
  app = await startWranglerDev({
    IMP_MODE: "sandbox",
    RATE_LIMIT: "off",
    OIDC_CLIENTS: JSON.stringify([
      {
        client_id: PARTNER.id,
        name: "파트너 쇼핑",
        redirect_uris: [`http://127.0.0.1:${PARTNER.port}/callback`],
        consent: { purpose: "회원 가입과 나이 확인", retention: "회원 탈퇴 시까지" },
      },
    ]),
    OIDC_CLIENT_SECRETS: JSON.stringify({ [PARTNER.id]: PARTNER.secret }),
  });
  party = await openidClientParty(app.baseUrl, "openid profile", (): Record<string, string> => (prompt ? { prompt } : {}), PARTNER);
}, 300_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await party?.close();
  app?.stop();
});

async function start(kind: "desktop" | "phone", lang: "ko" | "en"): Promise<Page> {
  const options = kind === "phone" ? { ...devices["Pixel 7"] } : { viewport: { width: 1280, height: 800 } };
  // bypassCSP: axe is injected as an inline script, which the pages' own CSP rightly forbids.
  const context = await browser.newContext({ ...options, locale: lang === "ko" ? "ko-KR" : "en-US", bypassCSP: true });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(party.loginUrl);
  await page.waitForURL(/\/authorize\?/);
  await verifyOn(page, PERSON, kind === "phone" ? "redirect" : "popup");
  return page;
}

describe("consent to provision in Chromium", () => {
  it("the page after the verification is axe-clean (ko, desktop); agree goes on to the site, which validates the ID token", async () => {
    const page = await start("desktop", "ko");
    await page.getByTestId("consent-agree").waitFor({ timeout: 20_000 });
    expect(await page.locator("main").textContent()).toContain("파트너 쇼핑");
    expect(await violations(page, "consent-ko-desktop")).toEqual([]);
    await page.getByTestId("consent-agree").click();
    await page.locator("#signed-in").waitFor({ timeout: 20_000 });
    expect(((await party.last()) as { idToken: Record<string, unknown> }).idToken).toMatchObject({ aud: PARTNER.id, name: PERSON.name });
  });

  it("a later sign-in skips the page while the consent covers the scope", async () => {
    const page = await start("desktop", "ko");
    await page.locator("#signed-in").waitFor({ timeout: 20_000 });
    expect(await page.getByTestId("consent-agree").count()).toBe(0);
  });

  it("prompt=consent shows it again (en, phone, axe-clean); decline comes back to the site as access_denied", async () => {
    prompt = "consent";
    try {
      const page = await start("phone", "en");
      await page.getByTestId("consent-decline").waitFor({ timeout: 20_000 });
      expect(await violations(page, "consent-en-phone")).toEqual([]);
      await page.screenshot({ path: `${SHOTS}/consent-phone-en.png`, fullPage: true });
      const leaving = page.waitForRequest((req) => req.url().includes("/callback?"));
      await page.getByTestId("consent-decline").click();
      const back = new URL((await leaving).url());
      expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: "access_denied", error_description: "consent_declined" });
      await page.locator("#failed").waitFor();
    } finally {
      prompt = "";
    }
  });

  it.each([
    ["phone", "ko"],
    ["desktop", "en"],
  ] as const)("the page on a %s in %s is axe-clean too", async (kind, lang) => {
    prompt = "consent";
    try {
      const page = await start(kind, lang);
      await page.getByTestId("consent-agree").waitFor({ timeout: 20_000 });
      expect(await violations(page, `consent-${lang}-${kind}`)).toEqual([]);
    } finally {
      prompt = "";
    }
  });
});
