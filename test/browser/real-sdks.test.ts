// The page in live mode, in Chromium, with stand-ins of PortOne's real SDKs (test/browser/real-sdk/) that make the
// same requests, frames and form posts as the real builds, to stand-ins of the real hosts. The page's own CSP is
// enforced on all of them: this suite fails for a CSP that would leave the real SDKs without a window.
import { type BrowserContext, devices, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImpStub } from "../support/iamport-stub.ts";
import { PortOneStub, STUB_CHANNEL_KEY } from "../support/portone-stub.ts";
import { type StubServer, startStubServer } from "../support/stub-server.ts";
import { startWranglerDev, type WranglerDev } from "../support/wrangler-dev.ts";
import { browser, SHOTS } from "./helpers.ts";
import { type RealSdkWorld, routeRealSdks } from "./real-sdk/routes.ts";

const HMAC_KEY = "H-CeFgCUaRQRv823ncagXs1fgrw9t4NjGt8mLgGkhl4";
const imp = new ImpStub("browser_live_key", "browser_live_secret");
const portone = new PortOneStub("browser_live_portone_secret");
const stubs: StubServer[] = [];
const servers: Partial<Record<"danal" | "inicis" | "v2", WranglerDev>> = {};
const CHANNELS = { danal: { pg_provider: "danal", pg_id: "A010002002" }, inicis: { pg_provider: "inicis_unified", pg_id: "MIIiasTest" } };

beforeAll(async () => {
  const [impServer, portoneServer] = await Promise.all([startStubServer(imp), startStubServer(portone)]);
  stubs.push(impServer, portoneServer);
  const v1 = (pg: string) => ({
    IMP_MODE: "live",
    IMP_CODE: "imp12345678",
    IMP_KEY: imp.impKey,
    IMP_SECRET: imp.impSecret,
    IMP_API_BASE: impServer.url,
    IMP_PG: pg,
    IDENTITY_HMAC_KEY: HMAC_KEY,
    RATE_LIMIT: "off",
  });
  // In parallel: a busy machine needs the time for three, not three times it.
  [servers.danal, servers.inicis, servers.v2] = await Promise.all([
    startWranglerDev(v1("danal.A010002002")),
    startWranglerDev(v1("inicis_unified.MIIiasTest")),
    startWranglerDev({
      IMP_MODE: "live",
      PORTONE_VERSION: "v2",
      PORTONE_STORE_ID: "store-browser-live",
      PORTONE_CHANNEL_KEY: STUB_CHANNEL_KEY,
      PORTONE_API_SECRET: portone.secret,
      PORTONE_API_BASE: portoneServer.url,
      PORTONE_PG: "danal",
      IDENTITY_HMAC_KEY: HMAC_KEY,
      RATE_LIMIT: "off",
    }),
  ]);
}, 300_000);

afterAll(async () => {
  for (const server of Object.values(servers)) server?.stop();
  await Promise.all(stubs.map((s) => s.close()));
});

interface Opened {
  context: BrowserContext;
  page: Page;
  world: RealSdkWorld;
  /** What the browser refused under the page's CSP. */
  refused: string[];
}

async function open(
  server: WranglerDev,
  world: Omit<RealSdkWorld, "requests">,
  options: { phone?: boolean; lang?: "ko" | "en" } = {},
): Promise<Opened> {
  const lang = options.lang ?? "ko";
  const context = await browser.newContext({ ...(options.phone ? devices["Pixel 7"] : {}), locale: lang === "ko" ? "ko-KR" : "en-US" });
  const full: RealSdkWorld = { ...world, requests: [] };
  await routeRealSdks(context, full);
  const refused: string[] = [];
  const page = await context.newPage();
  page.on("console", (message) => {
    if (/Content Security Policy/.test(message.text())) refused.push(message.text());
  });
  await page.goto(`${server.baseUrl}/?lang=${lang}`);
  await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 20_000 }).toBe(true);
  return { context, page, world: full, refused };
}

/** The PG's window (the stand-in): the person's name and birth date, then confirm. */
async function passPgWindow(win: Page, person: { name: string; birthday: string }) {
  await win.getByLabel("이름").fill(person.name);
  await win.getByLabel("생년월일").fill(person.birthday);
  await win.getByRole("button", { name: "확인" }).click();
}

/** The outcome the page shows (the verification page's result, or the redirect page's). */
const outcomeOf = async (page: Page) => {
  const result = page.locator("[data-outcome], [data-error-code]").first();
  await result.waitFor({ timeout: 20_000 });
  return (await result.getAttribute("data-outcome")) ?? `error:${await result.getAttribute("data-error-code")}`;
};

async function verifyInPopup({ page, refused }: Opened, person: { name: string; birthday: string }) {
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("start-verification").click()]);
  // The SDK opens a blank popup and posts the PG's form into it from the page: blocked by form-action, it stays blank.
  await expect
    .poll(() => (refused.length > 0 ? `refused: ${refused.join(" | ")}` : popup.url()), { timeout: 20_000 })
    .toMatch(/^https:\/\/(wauth\.teledit\.com|sa\.inicis\.com)\//);
  await passPgWindow(popup, person);
  return outcomeOf(page);
}

async function verifyByRedirect({ page, refused }: Opened, person: { name: string; birthday: string }) {
  await page.getByTestId("start-verification").click();
  await expect
    .poll(() => (refused.length > 0 ? `refused: ${refused.join(" | ")}` : page.url()), { timeout: 20_000 })
    .toMatch(/^https:\/\/wauth\.teledit\.com\/.*\/Mobile\//);
  await passPgWindow(page, person);
  await page.waitForURL(/\/certifications\/redirect\?/, { timeout: 20_000 });
  return outcomeOf(page);
}

/**
 * Closes the PG's window unfinished: the page shows the failure with the SDK's own words beneath ours (`detail`), and
 * its "try again" (`retry`) starts a new verification that completes.
 */
async function cancelThenRetry(opened: Opened, detail: string, retry: string, person: { name: string; birthday: string }) {
  const { page } = opened;
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("start-verification").click()]);
  await popup.waitForURL(/wauth\.teledit\.com/);
  await popup.getByRole("button", { name: "취소" }).click();
  expect(await outcomeOf(page)).toBe("error:not_certified");
  await expect.poll(() => page.locator("#result-detail").textContent()).toBe(detail);
  await page.getByRole("button", { name: retry }).click();
  await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 20_000 }).toBe(true);
  expect(await verifyInPopup(opened, person)).toBe("new_user");
}

describe("i'mport's SDK (v1 build) with Danal, live mode", () => {
  it("calls IMP.init once when the page is ready — the channel list and the iframe load before any click", async () => {
    const opened = await open(servers.danal!, { imp, channels: [CHANNELS.danal] });
    const { page, world } = opened;
    await expect.poll(() => world.requests.filter((r) => r.includes("/certificates/ready/imp12345678/danal/A010002002")).length).toBe(1);
    expect(world.requests.filter((r) => r.includes("service.iamport.kr/users/pg/imp12345678?callback=")).length).toBe(1);
    expect(await verifyInPopup(opened, { name: "김다날", birthday: "1990-03-03" })).toBe("new_user");
    // The click only called IMP.certification: the channel list was not asked for again.
    expect(world.requests.filter((r) => r.includes("/users/pg/")).length).toBe(1);
    expect(opened.refused).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/live-v1-danal-popup.png`, fullPage: true });
    await opened.context.close();
  });

  it("desktop popup: the same person a second time is recognised", async () => {
    const opened = await open(servers.danal!, { imp, channels: [CHANNELS.danal] }, { lang: "en" });
    expect(await verifyInPopup(opened, { name: "이다시", birthday: "1985-05-05" })).toBe("new_user");
    await opened.page.reload();
    await expect.poll(() => opened.page.getByTestId("start-verification").isEnabled(), { timeout: 20_000 }).toBe(true);
    expect(await verifyInPopup(opened, { name: "이다시", birthday: "1985-05-05" })).toBe("existing_user");
    await opened.context.close();
  });

  it("a popup the person closes is a failure that shows the SDK's message and code, and trying again works", async () => {
    const opened = await open(servers.danal!, { imp, channels: [CHANNELS.danal] });
    await cancelThenRetry(opened, "인증 창의 안내: 사용자가 본인인증을 취소하였습니다. (오류 코드 F0000)", "다시 시도", {
      name: "박재시도",
      birthday: "1979-09-09",
    });
    await opened.context.close();
  });

  it("a phone: Danal's window takes the whole page and comes back to the redirect page", async () => {
    const opened = await open(servers.danal!, { imp, channels: [CHANNELS.danal] }, { phone: true });
    expect(await verifyByRedirect(opened, { name: "최모바일", birthday: "1988-08-08" })).toBe("new_user");
    expect(opened.refused).toEqual([]);
    await opened.page.screenshot({ path: `${SHOTS}/live-v1-danal-redirect.png`, fullPage: true });
    await opened.context.close();
  });
});

describe("i'mport's SDK (v1 build) with KG Inicis 통합인증, live mode", () => {
  it("desktop popup: KG Inicis's form is posted from the page and a new person gets an account", async () => {
    const opened = await open(servers.inicis!, { imp, channels: [CHANNELS.inicis] });
    expect(await verifyInPopup(opened, { name: "정이니", birthday: "1991-01-01" })).toBe("new_user");
    expect(opened.refused).toEqual([]);
    await opened.context.close();
  });
});

describe("PortOne's V2 SDK with Danal, live mode", () => {
  it("desktop popup: prepare on checkout-service, Danal's driver, Danal's window — a new person, then recognised", async () => {
    const opened = await open(servers.v2!, { portone });
    expect(await verifyInPopup(opened, { name: "한브이투", birthday: "1992-07-07" })).toBe("new_user");
    expect(
      opened.world.requests.some((r) => r.startsWith("POST https://checkout-service.prod.iamport.co/api/identity-verification-prepare/v2")),
    ).toBe(true);
    expect(opened.world.requests.some((r) => r.startsWith("GET https://cdn.portone.io/drivers/pg/danal/identity-verification/popup.js"))).toBe(true);
    await opened.page.reload();
    await expect.poll(() => opened.page.getByTestId("start-verification").isEnabled(), { timeout: 20_000 }).toBe(true);
    expect(await verifyInPopup(opened, { name: "한브이투", birthday: "1992-07-07" })).toBe("existing_user");
    expect(opened.refused).toEqual([]);
    await opened.page.screenshot({ path: `${SHOTS}/live-v2-danal-popup.png`, fullPage: true });
    await opened.context.close();
  });

  it("a closed window is a failure with PortOne's message and code, and trying again works", async () => {
    const opened = await open(servers.v2!, { portone }, { lang: "en" });
    await cancelThenRetry(opened, "The verification window said: 사용자가 본인인증을 취소하였습니다. (error code FAILURE_TYPE_PG)", "Try again", {
      name: "다시브이",
      birthday: "1980-10-10",
    });
    await opened.context.close();
  });

  it("a phone: the redirection driver posts Danal's mobile window and the redirect page verifies", async () => {
    const opened = await open(servers.v2!, { portone }, { phone: true });
    expect(await verifyByRedirect(opened, { name: "박모바일", birthday: "1987-02-14" })).toBe("new_user");
    expect(opened.refused).toEqual([]);
    await opened.context.close();
  });

  it("when the SDK cannot open its window, the page says so in the person's language, with the SDK's own message", async () => {
    const opened = await open(servers.v2!, { portone, prepareFails: true }, { lang: "en" });
    await opened.page.getByTestId("start-verification").click();
    expect(await outcomeOf(opened.page)).toBe("error:not_certified");
    const detail = await opened.page.locator("#result-detail").textContent();
    expect(detail).toMatch(
      /^The verification window could not be opened\. Please try again shortly\. The verification window said: 본인인증 창 호출에 실패하였습니다\. .+ \(error code UnknownError\)$/,
    );
    await opened.context.close();
  });
});
