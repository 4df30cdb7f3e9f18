// The whole OpenID Connect flow in Chromium, as a site runs it: a relying-party library sends the visitor to the
// app, the person verifies in the sandbox's carrier window (popup on a desktop, redirect on a phone), and the
// library validates what comes back. No URL the browser visits may carry the person's data.
import { type BrowserContext, devices, type Page } from "playwright-core";
import { afterAll, describe, expect, inject, it } from "vitest";
import { browser, type Person, verifyOn } from "./helpers.ts";
import { authlibParty, oauth4webapiParty, openidClientParty, type RelyingParty } from "./relying-parties.ts";

const BASES = { v1: inject("baseUrl"), v2: inject("baseUrlV2") };
const LIBRARIES = { "openid-client": openidClientParty, oauth4webapi: oauth4webapiParty, "Authlib (Python)": authlibParty };
const parties: RelyingParty[] = [];
afterAll(async () => {
  await Promise.all(parties.map((p) => p.close()));
});

/** Every URL the context's pages and popups request or navigate to. */
function recordUrls(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on("request", (req) => urls.push(req.url()));
  return urls;
}

/** The person's data, as it could appear in a URL (raw or percent-encoded, birthday with or without dashes). */
const traces = (p: Person) => [p.name, encodeURIComponent(p.name), p.birthday, p.birthday.replace(/-/g, ""), p.phone ?? "01012345678"];

async function signIn(page: Page, rp: RelyingParty, person: Person, mode: "popup" | "redirect") {
  await page.goto(rp.loginUrl);
  await page.waitForURL(/\/authorize\?/);
  await verifyOn(page, person, mode);
  await page.locator("#signed-in, #failed").waitFor({ timeout: 20_000 });
  return await rp.last();
}

describe.each(Object.keys(LIBRARIES) as (keyof typeof LIBRARIES)[])("OIDC with %s", (library) => {
  it.each([
    ["v1", "popup"],
    ["v2", "redirect"],
    ["v1", "redirect"],
    ["v2", "popup"],
  ] as const)("%s, %s mode: the site gets a validated ID token and userinfo, and no URL carries personal data", async (version, mode) => {
    const rp = await LIBRARIES[library](BASES[version]);
    parties.push(rp);
    const context =
      mode === "popup" ? await browser.newContext({ locale: "ko-KR" }) : await browser.newContext({ ...devices["Pixel 7"], locale: "ko-KR" });
    const urls = recordUrls(context);
    const page = await context.newPage();
    const person: Person = { name: `오아이디${library.length}${version}${mode}`, birthday: "1994-04-14", gender: "male", phone: "01055501234" };
    const result = await signIn(page, rp, person, mode);
    expect(result, JSON.stringify(result)).toHaveProperty("idToken");
    const { idToken, userinfo } = result as { idToken: Record<string, unknown>; userinfo: Record<string, unknown> };
    expect(idToken).toMatchObject({ aud: "sandbox", name: person.name, birthdate: person.birthday, gender: "male", outcome: "new_user" });
    expect(idToken.verified_claims).toMatchObject({ claims: { name: person.name, birthdate: person.birthday } });
    expect(userinfo).toMatchObject({ sub: idToken.sub, name: person.name, birthdate: person.birthday });
    const callback = urls.find((u) => u.includes("/callback?"))!;
    expect([...new URL(callback).searchParams.keys()].sort()).toEqual(["code", "iss", "state"]);
    for (const url of urls) for (const trace of traces(person)) expect(url).not.toContain(trace);
    await context.close();
  });
});

describe("OIDC failures in the browser", () => {
  it("after a cancel, the page offers the way back to the site with access_denied, and the library sees the error", async () => {
    const rp = await openidClientParty(BASES.v1);
    parties.push(rp);
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    await page.goto(rp.loginUrl);
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("start-verification").click()]);
    await popup.waitForLoadState();
    await popup
      .getByRole("button", { name: /취소/ })
      .first()
      .click()
      .catch(() => undefined);
    await page.locator("#result[data-error-code=not_certified]").waitFor({ timeout: 15_000 });
    const back = page.locator("#back-to-site");
    const href = new URL((await back.getAttribute("href"))!);
    expect(Object.fromEntries(href.searchParams)).toMatchObject({ error: "access_denied", error_description: "not_certified", iss: BASES.v1 });
    await back.click();
    await page.locator("#failed").waitFor();
    expect(await rp.last()).toMatchObject({ error: expect.stringMatching(/access_denied|authorization response/i) });
    await context.close();
  });
});
