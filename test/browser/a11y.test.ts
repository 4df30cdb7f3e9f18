import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { browser, violations } from "./helpers.ts";

const baseUrl = inject("baseUrl");
const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } } as const;

/** Fills the carrier window, checking each of its steps with axe on the way. */
async function passWindow(win: Page, person: { name: string; birthday: string }, tag: string, checks: string[]) {
  await win.waitForLoadState();
  checks.push(...(await violations(win, `${tag}-window-form`)).map((v) => `window form: ${v}`));
  await win.getByLabel(/이름/).fill(person.name);
  await win.getByLabel(/생년월일/).fill(person.birthday);
  await win.getByLabel(/휴대폰 번호/).fill("01012345678");
  await win.getByRole("button", { name: /인증번호 받기/ }).click();
  await win.locator("#otp-form").waitFor({ state: "visible" });
  checks.push(...(await violations(win, `${tag}-window-otp`)).map((v) => `window otp: ${v}`));
  const code = /\[(\d{6})\]/.exec((await win.locator("#sms").textContent()) ?? "")![1]!;
  await win.getByLabel(/인증번호 6자리/).fill(code);
  await win
    .getByRole("button", { name: /확인/ })
    .click()
    .catch((err: Error) => {
      if (!win.isClosed() && !/closed/.test(err.message)) throw err;
    });
}

describe.each(Object.keys(VIEWPORTS) as Array<keyof typeof VIEWPORTS>)("accessibility at %s width", (viewport) => {
  it.each(["ko", "en"])("every state of the page has no WCAG 2.1 AA violation, and focus follows each change (%s)", async (lang) => {
    const tag = `${viewport}-${lang}`;
    // bypassCSP: axe is injected as an inline script, which the page's own CSP rightly forbids.
    const context = await browser.newContext({ viewport: VIEWPORTS[viewport], locale: lang === "ko" ? "ko-KR" : "en-US", bypassCSP: true });
    const page = await context.newPage();
    const problems: string[] = [];
    const check = async (state: string) => problems.push(...(await violations(page, `${tag}-${state}`)).map((v) => `${state}: ${v}`));
    const start = page.getByTestId("start-verification");
    const ready = () => expect.poll(() => start.isEnabled(), { timeout: 15_000 }).toBe(true);
    const person = { name: `접근성${viewport}${lang}`, birthday: "1990-05-05" };

    await page.goto(`${baseUrl}/?mode=popup`);
    await ready();
    await check("ready");

    // New user: the result takes focus.
    let [popup] = await Promise.all([page.waitForEvent("popup"), start.click()]);
    await check("waiting");
    await passWindow(popup, person, tag, problems);
    await page.locator("#result[data-outcome]").waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("result");
    await check("new-user");

    // "처음으로" / "Start over" with the keyboard: focus never drops to the page, and lands on start.
    await page.locator("#retry").focus();
    await page.keyboard.press("Enter");
    await ready();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("start");

    // The same person: existing user, shown as a plain fact.
    [popup] = await Promise.all([page.waitForEvent("popup"), page.keyboard.press("Enter")]);
    await passWindow(popup, person, `${tag}-again`, problems);
    await page.locator("#result[data-outcome=existing_user]").waitFor();
    expect(await page.locator("#result").getAttribute("class")).toContain("info");
    await check("existing-user");
    await page.locator("#retry").click();
    await ready();

    // Under age: the limit is worded, and "try again" (which cannot help) is not offered.
    [popup] = await Promise.all([page.waitForEvent("popup"), start.click()]);
    await passWindow(popup, { name: "어린이", birthday: `${new Date().getFullYear() - 10}-01-01` }, `${tag}-young`, problems);
    await page.locator("#result[data-error-code=age_restricted]").waitFor();
    await expect.poll(() => page.locator("#result-detail").textContent()).toContain("19");
    expect(await page.locator("#retry").isHidden()).toBe(true);
    await check("under-age");

    // Cancelled: try again is offered and keeps focus.
    await page.goto(`${baseUrl}/?mode=popup`);
    await ready();
    [popup] = await Promise.all([page.waitForEvent("popup"), start.click()]);
    await popup.waitForLoadState();
    // Escape cancels: the window closes itself, possibly before Playwright hears back from the key press.
    await popup.keyboard.press("Escape").catch(() => {});
    await page.locator("#result[data-error-code=not_certified]").waitFor();
    await check("cancelled");
    await page.locator("#retry").focus();
    await page.keyboard.press("Enter");
    await ready();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("start");

    // The redirect result page: an error, and its other language.
    await page.goto(`${baseUrl}/certifications/redirect?imp_uid=imp_1&lang=${lang}`);
    expect(await page.locator("[data-error-code]").getAttribute("data-error-code")).toBe("certification_not_found");
    await check("redirect-error");
    await page.goto(`${baseUrl}/certifications/redirect?success=false`);
    await check("redirect-cancelled");

    expect(problems).toEqual([]);
    await context.close();
  });
});

it("the redirect result page of a success (phone) has no violation and one language", async () => {
  const context = await browser.newContext({
    viewport: VIEWPORTS.phone,
    locale: "ko-KR",
    bypassCSP: true,
    isMobile: true,
    userAgent: "Mozilla/5.0 (Linux; Android 14) Mobile",
  });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/`);
  await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
  await page.getByTestId("start-verification").click();
  await page.waitForURL(/\/sandbox\/certify\?/);
  const problems: string[] = [];
  await passWindow(page, { name: "리다이렉트", birthday: "1980-08-08" }, "redirect-success", problems);
  await page.locator("[data-outcome]").waitFor();
  problems.push(...(await violations(page, "redirect-success")));
  expect(problems).toEqual([]);
  expect(await page.locator("main").textContent()).not.toContain("Welcome");
  expect(await page.locator(".badge").textContent()).toBe("SANDBOX");
  await context.close();
});
