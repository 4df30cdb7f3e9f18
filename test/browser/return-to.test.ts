import { createRemoteJWKSet, jwtVerify } from "jose";
import { devices } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { browser, passCarrierWindow, SHOTS, verifyInPopup } from "./helpers.ts";

const siteUrl = inject("siteUrl");

/** The receipt the site received, verified as a site would: with the app's JWKS, for its own origin. */
async function receiptOf(appUrl: string, landed: string) {
  const receipt = new URL(landed).searchParams.get("verification");
  expect(receipt).toBeTruthy();
  const jwks = createRemoteJWKSet(new URL(`${appUrl}/.well-known/jwks.json`));
  return (await jwtVerify(receipt!, jwks, { issuer: appUrl, audience: siteUrl })).payload;
}

describe.each([
  ["V1", inject("baseUrl"), "v1"],
  ["V2", inject("baseUrlV2"), "v2"],
])("return_to with %s (sandbox)", (_name, appUrl, provider) => {
  it("desktop popup: the page sends the verified visitor back to the site with a receipt", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    await page.goto(`${appUrl}/?return_to=${encodeURIComponent(`${siteUrl}/signup?step=2`)}`);
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("start-verification").click()]);
    await passCarrierWindow(popup, { name: "돌아갈사람", birthday: "1990-10-10" });
    await page.waitForURL(`${siteUrl}/signup?**`, { timeout: 15_000 });
    expect(new URL(page.url()).searchParams.get("step")).toBe("2");
    const claims = await receiptOf(appUrl, page.url());
    expect(claims).toMatchObject({ outcome: "new_user", name: "돌아갈사람", birthday: "1990-10-10", provider });
    await page.screenshot({ path: `${SHOTS}/${provider}-return-to-site.png` });
    await context.close();
  });

  it("phone: the redirect flow answers 303 to the site with a receipt", async () => {
    const context = await browser.newContext({ ...devices["Pixel 7"], locale: "ko-KR" });
    const page = await context.newPage();
    await page.goto(`${appUrl}/?return_to=${encodeURIComponent(`${siteUrl}/done`)}`);
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    await page.getByTestId("start-verification").click();
    await page.waitForURL(/\/sandbox\/certify\?/);
    await passCarrierWindow(page, { name: "폰사용자", birthday: "1984-04-04" });
    await page.waitForURL(`${siteUrl}/done?**`, { timeout: 15_000 });
    expect((await receiptOf(appUrl, page.url())).name).toBe("폰사용자");
    await context.close();
  });

  it("a failure offers a link back to the site with verification_error", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    await page.goto(`${appUrl}/?return_to=${encodeURIComponent(`${siteUrl}/done`)}`);
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    const result = await verifyInPopup(page, { name: "어린이", birthday: `${new Date().getFullYear() - 9}-01-01` });
    expect(await result.getAttribute("data-error-code")).toBe("age_restricted");
    await page.getByRole("link", { name: "Back to the site" }).click();
    await page.waitForURL(`${siteUrl}/done?verification_error=age_restricted`);
    await context.close();
  });

  it("refuses a return_to on another origin: a 400 page that starts nothing", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    const res = await page.goto(`${appUrl}/?return_to=${encodeURIComponent("https://evil.example/")}`);
    expect(res?.status()).toBe(400);
    expect(await page.locator("[data-error-code]").getAttribute("data-error-code")).toBe("invalid_request");
    expect(await page.getByTestId("start-verification").count()).toBe(0);
    await context.close();
  });
});
