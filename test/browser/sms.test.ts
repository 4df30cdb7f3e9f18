// The in-page SMS form in Chromium at phone size, against `wrangler dev` in sandbox mode with VERIFY_METHOD=sms:
// the whole flow opens no window (no popup, no navigation away), for both versions; and axe-core finds nothing.
import { devices, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../support/wrangler-dev.ts";
import { browser, SHOTS, verifyOn, violations } from "./helpers.ts";

const servers: Partial<Record<"v1" | "v2" | "both", WranglerDev>> = {};

beforeAll(async () => {
  const vars = { IMP_MODE: "sandbox", RATE_LIMIT: "off", VERIFY_METHOD: "sms" };
  // In parallel: on a busy machine three starts one after the other outlast any hook's time.
  [servers.v1, servers.v2, servers.both] = await Promise.all([
    startWranglerDev(vars),
    startWranglerDev({ ...vars, PORTONE_VERSION: "v2" }),
    startWranglerDev({ ...vars, VERIFY_METHOD: "both" }),
  ]);
}, 300_000);

afterAll(() => {
  servers.v1?.stop();
  servers.v2?.stop();
  servers.both?.stop();
});

/** The last code the sandbox "sent" to this number (the simulated phone's inbox). */
const codeFor = async (base: string, phone: string) => ((await (await fetch(`${base}/sandbox/sms?phone=${phone}`)).json()) as { code: string }).code;

async function fillForm(page: Page, phone: string) {
  await page.getByLabel(/^(이름|Name)$/).fill("문자브라우저");
  await page.getByLabel(/생년월일|Date of birth/).fill("910101");
  await page.getByLabel(/뒷자리 첫 번째|First digit/).fill("2");
  await page.locator("#sms-carrier").selectOption("LGU_MVNO");
  await page.getByLabel(/휴대폰 번호|Mobile number/).fill(phone);
}

describe.each(["v1", "v2"] as const)("the SMS form in Chromium, %s", (version) => {
  it("at phone size: form, agreements, code, confirm — a new account, no window opened, nothing in a URL", async () => {
    const base = servers[version]!.baseUrl;
    const lang = version === "v1" ? "ko" : "en";
    const context = await browser.newContext({ ...devices["Pixel 7"], locale: lang === "ko" ? "ko-KR" : "en-US", bypassCSP: true });
    const page = await context.newPage();
    const popups: string[] = [];
    context.on("page", (p) => popups.push(p.url()));
    const navigations: string[] = [];
    page.on("framenavigated", (frame) => frame === page.mainFrame() && navigations.push(frame.url()));
    const urls: string[] = [];
    context.on("request", (req) => urls.push(req.url()));
    await page.goto(`${base}/`);
    await page.getByTestId("sms-send").waitFor();
    expect(await page.getByTestId("start-verification").isHidden()).toBe(true);
    const problems = [...(await violations(page, `sms-form-${version}`))];
    const phone = version === "v1" ? "01077770001" : "01077770002";

    // Without the agreements the form says what is missing and sends nothing.
    await fillForm(page, phone);
    await page.getByTestId("sms-send").click();
    await expect.poll(() => page.locator("#sms-error").textContent()).toMatch(/약관|terms/);
    expect(await page.locator("#sms-gender-digit").getAttribute("type")).toBe("password");
    await page.getByLabel(/모두 동의|agree to all/).check();
    await page.getByTestId("sms-send").click();
    await page.locator("#otp-form").waitFor({ state: "visible" });
    await expect.poll(() => page.locator("#sms-timer").textContent()).toMatch(/[23]:\d\d/);
    expect(await page.locator("#sms-resend").isDisabled()).toBe(true);
    problems.push(...(await violations(page, `sms-code-${version}`)));

    // A wrong code is said in place; the right one verifies. The sandbox shows its simulated inbox on the page.
    const code = await codeFor(base, phone);
    await expect.poll(() => page.locator("#sms-sandbox").textContent()).toContain(code);
    await page.getByLabel(/인증번호 6자리|6-digit code/).fill(String((Number(code) + 1) % 1_000_000).padStart(6, "0"));
    await page.getByTestId("sms-confirm").click();
    await expect.poll(() => page.locator("#otp-error").isVisible()).toBe(true);
    problems.push(...(await violations(page, `sms-wrong-${version}`)));
    await page.getByLabel(/인증번호 6자리|6-digit code/).fill(code);
    await page.getByTestId("sms-confirm").click();
    const result = page.locator("#result[data-outcome]");
    await result.waitFor({ timeout: 15_000 });
    expect(await result.getAttribute("data-outcome")).toBe("new_user");
    problems.push(...(await violations(page, `sms-done-${version}`)));
    await page.screenshot({ path: `${SHOTS}/sms-${version}.png`, fullPage: true });

    expect(popups).toEqual([]);
    expect(navigations).toEqual([`${base}/`]);
    for (const url of urls) for (const secret of [phone, "910101", code]) expect(url).not.toContain(secret);
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("VERIFY_METHOD=both in Chromium", () => {
  it("offers the form and, below it, the window; the window still verifies (popup on a computer), and axe finds nothing", async () => {
    const base = servers.both!.baseUrl;
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "ko-KR", bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByTestId("sms-send").waitFor();
    expect(await page.getByTestId("start-verification").isVisible()).toBe(true);
    const problems = await violations(page, "sms-both");
    await verifyOn(page, { name: "둘다창", birthday: "1988-08-08" }, "popup");
    const result = page.locator("#result[data-outcome]");
    await result.waitFor({ timeout: 15_000 });
    expect(await result.getAttribute("data-outcome")).toBe("new_user");
    // With a result on screen the form steps aside.
    expect(await page.locator("#sms").isHidden()).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });
});
