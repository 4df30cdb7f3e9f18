// Events reach a site's backend even when the browser never comes back: `wrangler dev` in sandbox mode with its real
// local queue, the built-in client's webhook at a receiver on 127.0.0.1 that checks every delivery with the
// `standardwebhooks` library (the spec's own, as a site would), and Chromium for the people.
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startWranglerDev, type WranglerDev } from "../support/wrangler-dev.ts";
import { browser, type Person, passCarrierWindow, verifyOn } from "./helpers.ts";
import { Receiver } from "./receiver.ts";
import { openidClientParty, type RelyingParty } from "./relying-parties.ts";

const receiver = new Receiver();
let app: WranglerDev;
const parties: RelyingParty[] = [];
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  const url = await receiver.start(await freePort());
  // Retries a second apart (then 2, 4…): the suite waits seconds, not the production minutes.
  app = await startWranglerDev({ IMP_MODE: "sandbox", RATE_LIMIT: "off", MIN_AGE: "7", SANDBOX_WEBHOOK_URL: url, WEBHOOK_RETRY_BASE_SECONDS: "1" });
}, 300_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await Promise.all(parties.map((p) => p.close()));
  app?.stop();
  await receiver.close();
});

async function newPage() {
  const context = await browser.newContext({ locale: "ko-KR" });
  contexts.push(context);
  return context.newPage();
}

describe("events reach the site's backend", () => {
  it("a verification whose final redirect never reaches the site still reaches its webhook, signed", async () => {
    const rp = await openidClientParty(app.baseUrl);
    parties.push(rp);
    const page = await newPage();
    // The browser never comes back: every request to the site's callback is dropped.
    await page.route(/\/callback\?/, (route) => route.abort());
    await page.goto(rp.loginUrl);
    await page.waitForURL(/\/authorize\?/);
    await verifyOn(page, { name: "돌아오지않음", birthday: "1991-01-01", phone: "01077770001" }, "popup");
    await expect.poll(() => receiver.delivered("identity.verified").length, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await rp.last()).toBeUndefined();
    const [event] = receiver.delivered("identity.verified");
    expect(event!.data).toMatchObject({ sub: expect.stringMatching(/^usr_/), outcome: "new_user", guardian_consent: null });
    expect(JSON.stringify(event)).not.toContain("돌아오지않음");
    expect(receiver.rejected).toBe(0);
  });

  it("a receiver that fails gets the same event again, with the same webhook-id, until it takes it", async () => {
    const before = receiver.received.length;
    receiver.answer = (_id, nth) => (nth < 3 ? 500 : 204);
    try {
      const page = await newPage();
      await page.goto(
        `${app.baseUrl}/authorize?${new URLSearchParams({
          response_type: "code",
          client_id: "sandbox",
          redirect_uri: "http://127.0.0.1:9/never",
          scope: "openid",
          state: "s",
          nonce: "n",
          code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
          code_challenge_method: "S256",
        })}`,
      );
      await page.route("http://127.0.0.1:9/**", (route) => route.abort());
      await verifyOn(page, { name: "재시도사람", birthday: "1992-02-02", phone: "01077770002" }, "popup");
      await expect.poll(() => receiver.received.slice(before).filter((r) => r.status < 300).length, { timeout: 60_000 }).toBe(1);
      const tries = receiver.received.slice(before);
      expect(tries.map((r) => r.status)).toEqual([500, 500, 204]);
      expect(new Set(tries.map((r) => r.id)).size).toBe(1);
    } finally {
      receiver.answer = () => 204;
    }
  });

  it("the sandbox shows the deliveries it attempted, without their data", async () => {
    const res = await fetch(`${app.baseUrl}/sandbox/webhooks`);
    const { deliveries } = (await res.json()) as { deliveries: Record<string, unknown>[] };
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries[0]).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: expect.any(String),
      client_id: "sandbox",
      status: expect.any(String),
      tries: expect.any(Number),
      last_status: expect.any(Number),
    });
  });

  it("a guardian's consent on another phone reaches the site: the child's identity.verified and guardian.consented", async () => {
    const rp = await openidClientParty(app.baseUrl);
    parties.push(rp);
    const child = await newPage();
    await child.goto(rp.loginUrl);
    await child.waitForURL(/\/authorize\?/);
    const CHILD: Person = { name: "웹훅어린이", birthday: "2015-03-04", phone: "01077770003" };
    await verifyOn(child, CHILD, "popup");
    await child.locator("[data-outcome=guardian_required]").waitFor({ timeout: 15_000 });
    const link = (await child.locator("#guardian-link").getAttribute("href"))!;
    const verifiedBefore = receiver.delivered("identity.verified").length;
    // The child's page is gone before the guardian consents: the site must learn of it all the same.
    await child.context().close();
    const guardian = await newPage();
    await guardian.goto(link);
    await expect.poll(() => guardian.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    const [popup] = await Promise.all([guardian.waitForEvent("popup"), guardian.getByTestId("start-verification").click()]);
    await passCarrierWindow(popup, { name: "웹훅보호자", birthday: "1980-01-01", phone: "01077770004" });
    await guardian.locator("[data-outcome=guardian_consented]").waitFor({ timeout: 15_000 });
    await expect.poll(() => receiver.delivered("guardian.consented").length, { timeout: 30_000 }).toBe(1);
    await expect.poll(() => receiver.delivered("identity.verified").length, { timeout: 30_000 }).toBe(verifiedBefore + 1);
    const consented = receiver.delivered("guardian.consented")[0]!;
    const verified = receiver.delivered("identity.verified").at(-1)!;
    expect(verified.data).toMatchObject({ sub: consented.data.sub, guardian_consent: { consented_at: consented.data.consented_at } });
  });
});
