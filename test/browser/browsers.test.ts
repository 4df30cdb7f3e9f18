import { describe, expect, inject, it } from "vitest";
import { usePopup } from "../../static/window-mode.js";
import { browser, desktopPage, passCarrierWindow, SHOTS } from "./helpers.ts";

const baseUrl = inject("baseUrl");
const baseUrlV2 = inject("baseUrlV2");

/** Real user agents of the browsers Korean visitors arrive in. */
const IN_APP: [string, string][] = [
  [
    "KakaoTalk (Android)",
    "Mozilla/5.0 (Linux; Android 14; SM-S918N Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.135 Mobile Safari/537.36;KAKAOTALK 2410690",
  ],
  [
    "KakaoTalk (iOS)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 KAKAOTALK 10.9.5",
  ],
  [
    "Naver app",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 NAVER(inapp; search; 2000; 12.9.1; 15PRO)",
  ],
  [
    "Line",
    "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230901.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.107 Mobile Safari/537.36 Line/14.19.1",
  ],
  [
    "Instagram",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 346.0.3.30.99 (iPhone15,3; iOS 17_5; ko_KR; ko; scale=3.00; 1290x2796; 636462064)",
  ],
  [
    "Facebook",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/459.0.0.45.105;FBBV/603167823;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.4;FBSS/3;FBLC/ko_KR]",
  ],
  [
    "Daum app",
    "Mozilla/5.0 (Linux; Android 12; SM-G991N Build/SP1A.210812.016; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/128.0.6613.146 Mobile Safari/537.36 DaumApps/6.2.1 DaumDevice/mobile",
  ],
  [
    "Android WebView",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36",
  ],
  ["iOS WKWebView", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"],
];
const IPAD_SAFARI = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15";
const DESKTOP_CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

describe("which window, on which browser", () => {
  it("the page's rule: a popup only on a desktop browser, ?mode= forcing either", () => {
    for (const [, userAgent] of IN_APP) expect([userAgent, usePopup({ userAgent })]).toEqual([userAgent, false]);
    expect(usePopup({ userAgent: IPAD_SAFARI, touchPoints: 5 })).toBe(false);
    expect(usePopup({ userAgent: IPAD_SAFARI, touchPoints: 0 })).toBe(true); // a Mac
    expect(usePopup({ userAgent: DESKTOP_CHROME })).toBe(true);
    expect(usePopup({ userAgent: DESKTOP_CHROME, mobileHint: true })).toBe(false);
    expect(usePopup({ userAgent: IN_APP[0]![1], forced: "popup" })).toBe(true);
    expect(usePopup({ userAgent: DESKTOP_CHROME, forced: "redirect" })).toBe(false);
  });

  it.each(IN_APP)("%s gets the redirect flow, in the page's own tab", async (_name, userAgent) => {
    const context = await browser.newContext({ userAgent, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    let popups = 0;
    page.on("popup", () => popups++);
    await page.goto(`${baseUrl}/`);
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    await page.getByTestId("start-verification").click();
    await page.waitForURL(/\/sandbox\/certify\?.*popup=false/);
    expect(popups).toBe(0);
    await context.close();
  });

  it("iPadOS's desktop-class Safari (a Mac with touch) gets the redirect flow: V2's REDIRECTION, language kept", async () => {
    const context = await browser.newContext({ userAgent: IPAD_SAFARI, viewport: { width: 1024, height: 1366 }, hasTouch: true, locale: "en-US" });
    await context.addInitScript(() => Object.defineProperty(navigator, "maxTouchPoints", { get: () => 5 }));
    const page = await context.newPage();
    await page.goto(`${baseUrlV2}/?lang=en`);
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    await page.getByTestId("start-verification").click();
    await page.waitForURL(/\/sandbox\/certify\?.*popup=false/);
    await passCarrierWindow(page, { name: "아이패드", birthday: "1990-03-03" });
    await page.waitForURL(/\/certifications\/redirect\?lang=en&identityVerificationId=/);
    await page.locator("[data-outcome]").waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    await context.close();
  });

  it("a phone flow in English comes back in English (V1)", async () => {
    const context = await browser.newContext({ userAgent: IN_APP[0]![1], viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/?lang=en`);
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    await page.getByTestId("start-verification").click();
    await page.waitForURL(/\/sandbox\/certify\?/);
    await passCarrierWindow(page, { name: "영어사용", birthday: "1991-01-01" });
    await page.waitForURL(/\/certifications\/redirect\?lang=en&/);
    await page.locator("[data-outcome]").waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    await context.close();
  });

  it("a blocked popup falls back to the redirect flow by itself (V2)", async () => {
    const context = await browser.newContext({ userAgent: DESKTOP_CHROME });
    // The browser refuses every window, as a popup blocker does.
    await context.addInitScript(() => {
      window.open = () => null;
    });
    const page = await context.newPage();
    await page.goto(`${baseUrlV2}/`);
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    await page.getByTestId("start-verification").click();
    await page.waitForURL(/\/sandbox\/certify\?.*popup=false/);
    await context.close();
  });
});

describe("after an upstream failure", () => {
  it("'try again' re-submits the same result instead of a new verification through the window", async () => {
    const { context, page } = await desktopPage(baseUrl);
    const bodies: string[] = [];
    let failed = false;
    await page.route("**/certifications", async (route) => {
      if (route.request().method() !== "POST") return route.continue();
      bodies.push(route.request().postData() ?? "");
      if (failed) return route.continue();
      failed = true;
      await route.fulfill({
        status: 502,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "upstream_error", message: "The identity service failed." } }),
      });
    });
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("start-verification").click()]);
    await passCarrierWindow(popup, { name: "재시도", birthday: "1989-09-09" });
    await page.locator('#result[data-error-code="upstream_error"]').waitFor({ timeout: 15_000 });
    let windows = 0;
    page.on("popup", () => windows++);
    await page.locator("#retry").click();
    await page.locator('#result[data-outcome="new_user"]').waitFor({ timeout: 15_000 });
    expect(windows).toBe(0);
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toBe(bodies[0]);
    await context.close();
  });
});

describe("the sandbox's carrier window", () => {
  it("fits the 460×760 popup the SDK stand-ins open: its main button shows without scrolling", async () => {
    const context = await browser.newContext({ viewport: { width: 460, height: 760 } });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/sandbox/certify?imp_code=imp00000000&merchant_uid=fit1&popup=true&origin=${encodeURIComponent(baseUrl)}`);
    const button = page.getByRole("button", { name: /인증번호 받기/ });
    await button.waitFor();
    const box = await button.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.y + box!.height).toBeLessThanOrEqual(760);
    await page.screenshot({ path: `${SHOTS}/carrier-window-460x760.png` });
    await context.close();
  });
});
