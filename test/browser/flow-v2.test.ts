import { devices } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { browser, cancelWindow, desktopPage, passCarrierWindow, SHOTS, verifyInPopup } from "./helpers.ts";

const baseUrl = inject("baseUrlV2");

describe("the verification page in Chromium with PortOne V2 (sandbox)", () => {
  it("desktop popup: a new person gets an account through PortOne.requestIdentityVerification, then is recognised", async () => {
    const { context, page } = await desktopPage(baseUrl);
    const submitted: unknown[] = [];
    page.on("request", (req) => {
      if (req.url().endsWith("/certifications") && req.method() === "POST") submitted.push(JSON.parse(req.postData() ?? "{}"));
    });
    const embedded = await page.evaluate(() => JSON.parse(document.getElementById("page-config")!.textContent!).attempt);
    expect(embedded.provider).toBe("v2");
    const first = await verifyInPopup(page, { name: "한브이투", birthday: "1992-07-07", gender: "female" });
    expect(await first.getAttribute("data-outcome")).toBe("new_user");
    expect(submitted).toEqual([{ identity_verification_id: embedded.identity_verification_id }]);
    await page.screenshot({ path: `${SHOTS}/v2-desktop-new-user.png`, fullPage: true });

    await page.reload();
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    const again = await verifyInPopup(page, { name: "한브이투", birthday: "1992-07-07", gender: "female", carrier: "SKT" });
    expect(await again.getAttribute("data-outcome")).toBe("existing_user");
    await context.close();
  });

  it("mobile: redirection comes back to the redirect page with identityVerificationId", async () => {
    const context = await browser.newContext({ ...devices["Pixel 7"], locale: "ko-KR" });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/`);
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    await page.getByTestId("start-verification").click();
    await page.waitForURL(/\/sandbox\/certify\?.*version=v2/);
    await passCarrierWindow(page, { name: "박모바일", birthday: "1987-02-14" });
    await page.waitForURL(/\/certifications\/redirect\?lang=ko&identityVerificationId=[A-Za-z0-9]{40}$/);
    const result = page.locator("[data-outcome]");
    await result.waitFor();
    expect(await result.getAttribute("data-outcome")).toBe("new_user");
    await page.screenshot({ path: `${SHOTS}/v2-mobile-redirect-new-user.png`, fullPage: true });
    await context.close();
  });

  it("a cancelled window is a failure with a code, and trying again works", async () => {
    const { context, page } = await desktopPage(baseUrl, "ko");
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("start-verification").click()]);
    await popup.waitForLoadState();
    await cancelWindow(popup);
    const result = page.locator("#result[data-error-code]");
    await result.waitFor({ timeout: 15_000 });
    expect(await result.getAttribute("data-error-code")).toBe("not_certified");
    await expect.poll(() => result.textContent()).toContain("취소");
    await page.getByRole("button", { name: "다시 시도" }).click();
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    const retried = await verifyInPopup(page, { name: "다시해", birthday: "1979-09-09" });
    expect(await retried.getAttribute("data-outcome")).toBe("new_user");
    await context.close();
  });

  it("an under-age person is refused with age_restricted", async () => {
    const { context, page } = await desktopPage(baseUrl);
    const result = await verifyInPopup(page, { name: "김어린", birthday: `${new Date().getFullYear() - 12}-03-03` });
    expect(await result.getAttribute("data-error-code")).toBe("age_restricted");
    await page.screenshot({ path: `${SHOTS}/v2-desktop-age-restricted.png`, fullPage: true });
    await context.close();
  });
});
