import { devices } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { browser, cancelWindow, desktopPage as openDesktopPage, passCarrierWindow, SHOTS, verifyInPopup } from "./helpers.ts";

const baseUrl = inject("baseUrl");
const desktopPage = (lang = "en") => openDesktopPage(baseUrl, lang);

describe("the verification page in Chromium (sandbox)", () => {
  it("desktop popup: a new person gets an account, the same person again is recognised", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    // The page arrives ready: besides its own files (static, its texts among them) and the SDK, no request before the
    // verification itself.
    const requests: string[] = [];
    page.on("request", (req) => requests.push(`${req.method()} ${new URL(req.url()).pathname}`));
    await page.goto(`${baseUrl}/`);
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    expect(requests.filter((r) => !r.endsWith("/favicon.svg")).sort()).toEqual(
      [
        "GET /",
        "GET /app.css",
        "GET /app.js",
        "GET /messages-en.js",
        "GET /window-mode.js",
        "GET /providers/iamport.js",
        "GET /sandbox/iamport.js",
      ].sort(),
    );
    const embedded = await page.evaluate(() => JSON.parse(document.getElementById("page-config")!.textContent!).attempt.merchant_uid);
    const submitted: string[] = [];
    page.on("request", (req) => {
      if (req.url().endsWith("/certifications") && req.method() === "POST") submitted.push(JSON.parse(req.postData() ?? "{}").merchant_uid);
    });
    const first = await verifyInPopup(page, { name: "홍길동", birthday: "1990-03-15", gender: "male", carrier: "SKT" });
    expect(await first.getAttribute("data-outcome")).toBe("new_user");
    expect(submitted).toEqual([embedded]);
    expect(requests.filter((r) => r.endsWith("/certifications/prepare"))).toEqual([]);
    await expect.poll(() => first.textContent()).toContain("Welcome");
    await page.screenshot({ path: `${SHOTS}/desktop-new-user.png`, fullPage: true });

    // Again, from a fresh page, started with the keyboard this time.
    await page.reload();
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    await page.getByTestId("start-verification").focus();
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.keyboard.press("Enter")]);
    await passCarrierWindow(popup, { name: "홍길동", birthday: "1990-03-15", gender: "male", carrier: "KT", phone: "01099998888" });
    const second = page.locator("#result[data-outcome]");
    await second.waitFor({ timeout: 15_000 });
    expect(await second.getAttribute("data-outcome")).toBe("existing_user");
    await page.screenshot({ path: `${SHOTS}/desktop-existing-user.png`, fullPage: true });
    await context.close();
  });

  it("mobile: redirect mode shows the outcome on the redirect page", async () => {
    const context = await browser.newContext({ ...devices["Pixel 7"], locale: "ko-KR" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/`);
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    await page.getByTestId("start-verification").click();
    await page.waitForURL(/\/sandbox\/certify\?/);
    await passCarrierWindow(page, { name: "김모바일", birthday: "1985-11-30" });
    await page.waitForURL(/\/certifications\/redirect\?/);
    const result = page.locator("[data-outcome]");
    await result.waitFor();
    expect(await result.getAttribute("data-outcome")).toBe("new_user");
    expect(await page.locator("html").getAttribute("lang")).toBe("ko");
    await page.screenshot({ path: `${SHOTS}/mobile-redirect-new-user.png`, fullPage: true });
    await context.close();
  });

  it("an under-age person is refused with age_restricted", async () => {
    const { context, page } = await desktopPage();
    const year = new Date().getFullYear() - 15;
    const result = await verifyInPopup(page, { name: "이어린", birthday: `${year}-05-05` });
    expect(await result.getAttribute("data-error-code")).toBe("age_restricted");
    await expect.poll(() => result.textContent()).toContain("minimum age");
    await page.screenshot({ path: `${SHOTS}/desktop-age-restricted.png`, fullPage: true });
    await context.close();
  });

  it("a cancelled window shows a clear message, and trying again works", async () => {
    const { context, page } = await desktopPage("ko");
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("start-verification").click()]);
    await popup.waitForLoadState(); // the window's script listens once loaded
    await cancelWindow(popup);
    const result = page.locator("#result[data-error-code]");
    await result.waitFor({ timeout: 15_000 });
    expect(await result.getAttribute("data-error-code")).toBe("not_certified");
    await expect.poll(() => result.textContent()).toContain("취소");
    await page.screenshot({ path: `${SHOTS}/desktop-cancelled.png`, fullPage: true });

    await page.getByRole("button", { name: "다시 시도" }).click();
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    const retried = await verifyInPopup(page, { name: "박재시도", birthday: "1979-01-02" });
    expect(await retried.getAttribute("data-outcome")).toBe("new_user");
    await context.close();
  });

  it("closing the popup counts as cancelling", async () => {
    const { context, page } = await desktopPage();
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("start-verification").click()]);
    await popup.close();
    const result = page.locator("#result[data-error-code]");
    await result.waitFor({ timeout: 15_000 });
    expect(await result.getAttribute("data-error-code")).toBe("not_certified");
    await context.close();
  });

  it("renews the page's attempt through prepare before it expires, so a late click still starts a live attempt", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    await context.clock.install();
    const page = await context.newPage();
    const prepared: string[] = [];
    const submitted: string[] = [];
    page.on("response", async (res) => {
      if (res.url().endsWith("/certifications/prepare")) prepared.push(((await res.json()) as { merchant_uid: string }).merchant_uid);
    });
    page.on("request", (req) => {
      if (req.url().endsWith("/certifications") && req.method() === "POST") submitted.push(JSON.parse(req.postData() ?? "{}").merchant_uid);
    });
    await page.goto(`${baseUrl}/`);
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    expect(prepared).toHaveLength(0); // the first attempt came with the page
    await context.clock.fastForward("14:30"); // SESSION_TTL_SECONDS is 900: renewed a minute before it ends
    await expect.poll(() => prepared.length, { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    await context.clock.resume();
    const result = await verifyInPopup(page, { name: "정늦은", birthday: "1988-08-08" });
    expect(await result.getAttribute("data-outcome")).toBe("new_user");
    expect(submitted).toEqual([prepared[0]]);
    await context.close();
  });

  it("switches language without losing what it shows", async () => {
    const { context, page } = await desktopPage("ko");
    expect(await page.getByTestId("start-verification").textContent()).toBe("본인인증 시작");
    // The other language's texts are fetched on the first switch.
    await page.getByRole("button", { name: "English" }).click();
    await expect.poll(() => page.getByTestId("start-verification").textContent()).toBe("Verify with my phone");
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    await context.close();
  });
});

describe("the carrier window takes Danal's parameters (sandbox)", () => {
  it("prefills name, phone and Danal's carrier code, shows the site's name, and refuses someone under min_age", async () => {
    const context = await browser.newContext({ locale: "ko-KR" });
    const page = await context.newPage();
    const params = new URLSearchParams({
      merchant_uid: "danalParams1",
      popup: "false",
      m_redirect_url: `${baseUrl}/certifications/redirect`,
      name: "다날",
      phone: "010-2222-3333",
      carrier: "KTF",
      company: "shop.example",
      min_age: "19",
    });
    await page.goto(`${baseUrl}/sandbox/certify?${params}`);
    expect(await page.getByLabel(/이름/).inputValue()).toBe("다날");
    expect(await page.getByLabel(/휴대폰 번호/).inputValue()).toBe("01022223333");
    expect(await page.getByLabel(/통신사/).inputValue()).toBe("KT");
    expect(await page.locator("#company").textContent()).toContain("shop.example");
    await page.getByLabel(/생년월일/).fill(`${new Date().getFullYear() - 12}-02-02`);
    await page.getByRole("button", { name: /인증번호 받기/ }).click();
    // The window fails as Danal does, and the page it returns to reports it.
    await page.waitForURL(/\/certifications\/redirect\?.*success=false/);
    expect(await page.locator("[data-error-code]").getAttribute("data-error-code")).toBe("not_certified");
    await context.close();
  });
});
