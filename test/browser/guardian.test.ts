// A child under 14 joins with a guardian's consent, in Chromium: two browser contexts, the child's phone (or
// computer) and the guardian's own phone, against `wrangler dev` in sandbox mode with MIN_AGE below 14. The child's
// page shows the link and its QR code and moves on by itself once the guardian has verified and consented.
import { type BrowserContext, devices, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../support/wrangler-dev.ts";
import { browser, type Person, SHOTS, verifyOn, violations } from "./helpers.ts";
import { openidClientParty, type RelyingParty } from "./relying-parties.ts";

const CHILD: Person = { name: "김하늘", birthday: "2015-03-04", gender: "female", phone: "01022223333" };
const PARENT: Person = { name: "김서연", birthday: "1984-05-06", gender: "female", phone: "01044445555" };

const servers: Record<"v1" | "v2", WranglerDev | undefined> = { v1: undefined, v2: undefined };
const parties: RelyingParty[] = [];
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  // A site for children: 7 or older may join, under 14 with a guardian's consent (the default GUARDIAN_CONSENT_UNDER).
  const vars = { IMP_MODE: "sandbox", RATE_LIMIT: "off", MIN_AGE: "7", SERVICE_NAME: "어린이 학습" };
  [servers.v1, servers.v2] = await Promise.all([startWranglerDev(vars), startWranglerDev({ ...vars, PORTONE_VERSION: "v2" })]);
}, 300_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await Promise.all(parties.map((p) => p.close()));
  servers.v1?.stop();
  servers.v2?.stop();
});

async function context(kind: "desktop" | "phone", lang: "ko" | "en") {
  const options = kind === "phone" ? { ...devices["Pixel 7"] } : { viewport: { width: 1280, height: 800 } };
  // bypassCSP: axe is injected as an inline script, which the pages' own CSP rightly forbids.
  const created = await browser.newContext({ ...options, locale: lang === "ko" ? "ko-KR" : "en-US", bypassCSP: true });
  contexts.push(created);
  return created;
}

/** The guardian's link and its QR code, as the child's page shows them. */
async function linkShown(page: Page) {
  await page.locator("[data-outcome=guardian_required]").waitFor({ timeout: 15_000 });
  const link = page.locator("#guardian-link");
  await expect.poll(() => link.getAttribute("href")).toMatch(/\/guardian\//);
  // The QR code: an SVG drawn on the page, with a text alternative on its container.
  await page.locator("#guardian-qr svg path").waitFor();
  expect(await page.locator("#guardian-qr").getAttribute("aria-label")).toBeTruthy();
  return (await link.getAttribute("href"))!;
}

/** The guardian, on their own phone (redirect mode) or computer (popup): the notice, a verification, the thanks. */
async function guardianConsents(url: string, lang: "ko" | "en", problems: string[], tag: string, on: "phone" | "desktop" = "phone") {
  const phone = await (await context(on, lang)).newPage();
  await phone.goto(url);
  await expect.poll(() => phone.locator("#guardian-notice").textContent()).toContain("어린이 학습");
  problems.push(...(await violations(phone, `${tag}-guardian-page`)).map((v) => `guardian page: ${v}`));
  await verifyOn(phone, PARENT, on === "phone" ? "redirect" : "popup");
  await phone.locator("[data-outcome=guardian_consented]").waitFor({ timeout: 15_000 });
  problems.push(...(await violations(phone, `${tag}-guardian-consented`)).map((v) => `guardian consented: ${v}`));
  // Nothing about the child is shown to whoever holds the link.
  expect(await phone.locator("main").textContent()).not.toContain(CHILD.name);
  return phone;
}

describe("guardian consent in Chromium (sandbox)", () => {
  it("V1: the child verifies in a popup on a computer; the guardian consents on their phone; the child's page moves on", async () => {
    const base = servers.v1!.baseUrl;
    const child = await (await context("desktop", "ko")).newPage();
    await child.goto(`${base}/`);
    await verifyOn(child, CHILD, "popup");
    const url = await linkShown(child);
    expect(url.startsWith(`${base}/guardian/`)).toBe(true);
    const problems = [...(await violations(child, "guardian-required-ko")).map((v) => `child waiting: ${v}`)];
    await child.screenshot({ path: `${SHOTS}/guardian-required-desktop.png`, fullPage: true });

    // The child's own browser cannot be the guardian's.
    const own = await child.context().newPage();
    await own.goto(url);
    expect(await own.locator("[data-error-code]").getAttribute("data-error-code")).toBe("guardian_is_child");
    await own.close();

    await guardianConsents(url, "ko", problems, "v1");
    const done = child.locator("#result[data-outcome=new_user]");
    await done.waitFor({ timeout: 20_000 });
    expect(await done.getAttribute("data-guardian-consent")).toBe("true");
    expect(await child.locator("#guardian").isHidden()).toBe(true);
    problems.push(...(await violations(child, "guardian-consented-child-ko")).map((v) => `child done: ${v}`));
    expect(problems).toEqual([]);
    // Used once: the link now says so.
    const again = await (await context("phone", "en")).newPage();
    await again.goto(url);
    expect(await again.locator("[data-error-code]").getAttribute("data-error-code")).toBe("consent_used");
  });

  it("V2: the child verifies on a phone (redirect); their result page waits, and reloads into the account once the guardian consents", async () => {
    const base = servers.v2!.baseUrl;
    const child = await (await context("phone", "en")).newPage();
    await child.goto(`${base}/?lang=en`);
    await verifyOn(child, { ...CHILD, name: "김바다" }, "redirect");
    await child.waitForURL(/\/certifications\/redirect\?/);
    const url = await linkShown(child);
    const problems = [...(await violations(child, "guardian-required-redirect-en")).map((v) => `child waiting: ${v}`)];
    expect(await child.locator("main").textContent()).toContain("parent");
    await child.screenshot({ path: `${SHOTS}/guardian-required-phone.png`, fullPage: true });

    // This guardian opens the link on a computer: the popup flow of the guardian's page.
    await guardianConsents(url, "en", problems, "v2", "desktop");
    const done = child.locator("[data-outcome=new_user]");
    await done.waitFor({ timeout: 20_000 });
    expect(await done.getAttribute("data-guardian-consent")).toBe("true");
    expect(problems).toEqual([]);
  });

  it("inside an OIDC authorization (openid-client): after the consent the child's page continues to the site, whose ID token says so", async () => {
    const rp = await openidClientParty(servers.v1!.baseUrl);
    parties.push(rp);
    const child = await (await context("desktop", "en")).newPage();
    await child.goto(rp.loginUrl);
    await child.waitForURL(/\/authorize\?/);
    await verifyOn(child, { ...CHILD, name: "김구름" }, "popup");
    const url = await linkShown(child);
    expect(await rp.last()).toBeUndefined();
    await guardianConsents(url, "en", [], "oidc");
    await child.locator("#signed-in").waitFor({ timeout: 20_000 });
    const result = (await rp.last()) as { idToken: Record<string, unknown>; userinfo: Record<string, unknown> };
    expect(result.idToken).toMatchObject({ name: "김구름", outcome: "new_user", guardian_consent: { consented_at: expect.any(String) } });
    expect(result.userinfo).toMatchObject({ guardian_consent: result.idToken.guardian_consent });
  });
});
