// The operator console in Chromium, against `wrangler dev` in sandbox mode (open to loopback): its page is axe-clean in
// both languages at a phone's and a desktop's width, its charts are drawn from what happened, and an operator
// redelivers a failed event and erases a person through its forms — the site's receiver sees both.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startWranglerDev, type WranglerDev } from "../support/wrangler-dev.ts";
import { browser, type Person, verifyOn, violations } from "./helpers.ts";
import { Receiver } from "./receiver.ts";
import { openidClientParty, type RelyingParty } from "./relying-parties.ts";

const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } } as const;
const PERSON: Person = { name: "콘솔사람", birthday: "1990-07-07", phone: "01066660001" };
const YOUNG: Person = { name: "콘솔어린이", birthday: "2016-01-01", phone: "01066660002" };

const receiver = new Receiver();
let app: WranglerDev;
let rp: RelyingParty;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  const url = await receiver.start(await freePort());
  app = await startWranglerDev({ IMP_MODE: "sandbox", RATE_LIMIT: "off", SANDBOX_WEBHOOK_URL: url, WEBHOOK_RETRY_BASE_SECONDS: "1" });
  rp = await openidClientParty(app.baseUrl);
}, 300_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await rp?.close();
  app?.stop();
  await receiver.close();
});

async function newPage(options: Parameters<typeof browser.newContext>[0] = {}): Promise<Page> {
  const context = await browser.newContext(options);
  contexts.push(context);
  return context.newPage();
}

describe("the operator console", () => {
  it("first, people verify: one through a site, one too young for it", async () => {
    // A sign-in through a site (its webhook gets identity.verified), and a person too young for the site (a refusal).
    const page = await newPage({ locale: "ko-KR" });
    await page.goto(rp.loginUrl);
    await page.waitForURL(/\/authorize\?/);
    await verifyOn(page, PERSON, "popup");
    await expect.poll(() => receiver.delivered("identity.verified").length, { timeout: 30_000 }).toBe(1);
    const young = await newPage({ locale: "ko-KR" });
    await young.goto(`${app.baseUrl}/`);
    await verifyOn(young, YOUNG, "popup");
    await young.locator("#result[data-error-code=age_restricted]").waitFor({ timeout: 15_000 });
  });

  for (const [width, viewport] of Object.entries(VIEWPORTS)) {
    for (const lang of ["ko", "en"] as const) {
      it(`is axe-clean at ${width} width in ${lang}, with its charts drawn from what happened`, async () => {
        // bypassCSP: axe is injected as an inline script, which the console's CSP rightly forbids.
        const page = await newPage({ viewport, locale: lang === "ko" ? "ko-KR" : "en-US", bypassCSP: true });
        const res = await page.goto(`${app.baseUrl}/admin?lang=${lang}`);
        expect(res?.status()).toBe(200);
        expect(await violations(page, `console-${width}-${lang}`)).toEqual([]);
        expect(await page.locator("[data-figure=total]").textContent()).toBe("2");
        expect(await page.locator("[data-figure=rate]").textContent()).toBe("50.0%");
        // Today's column has a bar for the success and one for the refusal, drawn to scale.
        const today = page.locator("#chart-per-day g").last();
        expect(Number(await today.locator("rect.ok").getAttribute("height"))).toBeGreaterThan(0);
        expect(Number(await today.locator("rect.refused").getAttribute("height"))).toBeGreaterThan(0);
        expect((await page.locator("#chart-per-day").boundingBox())!.width).toBeGreaterThan(viewport.width / 2);
        expect(await page.locator("tr[data-error=age_restricted]").count()).toBe(1);
        // Nothing of either person is on it.
        const text = await page.content();
        for (const secret of [PERSON.name, PERSON.birthday, PERSON.phone, YOUNG.name, YOUNG.birthday]) expect(text).not.toContain(secret);
      });
    }
  }

  it("an operator redelivers a failed event through the page: the site gets it again, with the same webhook-id", async () => {
    const [event] = receiver.delivered("identity.verified");
    // The event gave up (as after its last try): failed, in the outbox.
    app.query(`UPDATE events SET status = 'failed', tries = 12 WHERE id = '${event!.id}'`);
    const page = await newPage({ locale: "en-US" });
    await page.goto(`${app.baseUrl}/admin?lang=en`);
    await page.getByRole("button", { name: `Redeliver ${event!.id}` }).click();
    await page.locator("[data-notice=redelivered]").waitFor();
    await expect.poll(() => receiver.delivered("identity.verified").length, { timeout: 30_000 }).toBe(2);
    expect(receiver.delivered("identity.verified")[1]!.id).toBe(event!.id);
    expect(await page.locator("tr[data-audit=redeliver]").count()).toBe(1);
  });

  it("an operator erases a person by client and sub: the site gets user.deleted, and the audit log says who did it", async () => {
    const sub = String(receiver.delivered("identity.verified")[0]!.data.sub);
    const page = await newPage({ locale: "ko-KR" });
    await page.goto(`${app.baseUrl}/admin?lang=ko`);
    await page.locator("#erase-client").selectOption("sandbox");
    await page.locator("#erase-sub").fill(sub);
    await page.getByRole("button", { name: "삭제" }).click();
    await page.locator("[data-notice=erased]").waitFor();
    // Nothing the operator typed is in the address.
    expect(page.url()).not.toContain(sub);
    await expect.poll(() => receiver.delivered("user.deleted").length, { timeout: 30_000 }).toBe(1);
    expect(receiver.delivered("user.deleted")[0]!.data).toEqual({ sub, reason: "erased" });
    expect(await page.locator("tr[data-audit=erase]").textContent()).toContain("sandbox (loopback)");
    expect(app.query("SELECT COUNT(*) AS n FROM users")).toEqual([{ n: 0 }]);
  });
});
