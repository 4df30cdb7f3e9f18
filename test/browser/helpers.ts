// Shared by the browser suites: Chromium (Debian's), the simulated carrier window, and the page's first steps.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SHOTS = "test-results/screenshots";

export let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: run \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  }
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
});

afterAll(async () => {
  await browser?.close();
});

export { type Person, passCarrierWindow } from "./carrier.ts";

import { type Person, passCarrierWindow } from "./carrier.ts";

/** Starts the verification on a page that shows the start button, and passes the carrier window, popup or redirect. */
export async function verifyOn(page: Page, person: Person, mode: "popup" | "redirect") {
  await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
  if (mode === "popup") {
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("start-verification").click()]);
    await passCarrierWindow(popup, person);
  } else {
    await page.getByTestId("start-verification").click();
    await page.waitForURL(/\/sandbox\/certify\?/);
    await passCarrierWindow(page, person);
  }
}

export async function desktopPage(baseUrl: string, lang = "en"): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: lang === "ko" ? "ko-KR" : "en-US" });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/`);
  await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
  return { context, page };
}

/** Clicks start and passes the popup window; returns the page's result element once it shows an outcome. */
export async function verifyInPopup(page: Page, person: Person) {
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("start-verification").click()]);
  await popup.waitForLoadState();
  await passCarrierWindow(popup, person);
  const result = page.locator("#result[data-outcome], #result[data-error-code]");
  await result.waitFor({ timeout: 15_000 });
  return result;
}

/**
 * Cancels in the carrier window. The window closes itself at once, sometimes before Playwright hears back from the
 * click: that is the expected end, not a failure (the page's result is what the tests assert).
 */
export async function cancelWindow(win: Page) {
  await win
    .getByRole("button", { name: /취소/ })
    .first()
    .click()
    .catch((err: Error) => {
      if (!win.isClosed() && !/closed/.test(err.message)) throw err;
    });
}

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core (WCAG 2.1 A and AA) on the page as it stands; the violations, by rule and target. */
export async function violations(page: Page, state: string) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: AXE });
  const found = await page.evaluate(async () => {
    type Result = { violations: Array<{ id: string; nodes: Array<{ target: string[] }> }>; passes: unknown[] };
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<Result> } }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    const listed = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    // A run that checked nothing would pass anything: it must have passed rules too.
    return result.passes.length > 0 ? listed : ["axe checked no rule at all"];
  });
  await page.screenshot({ path: `${SHOTS}/a11y-${state}.png`, fullPage: true });
  return found;
}
