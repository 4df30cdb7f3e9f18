// A step-up in Chromium with openid-client as the site: the member signs in, later the site sends them back with their
// ID token as id_token_hint (before a payment, a password reset): the same person gets through; someone else on the
// same page is told so, and the site gets access_denied / identity_mismatch.
import { afterAll, describe, expect, inject, it } from "vitest";
import { browser, type Person, verifyOn } from "./helpers.ts";
import { openidClientParty, type RelyingParty } from "./relying-parties.ts";

const BASE = inject("baseUrl");
const parties: RelyingParty[] = [];
afterAll(async () => {
  await Promise.all(parties.map((p) => p.close()));
});

const MEMBER: Person = { name: "스텝업회원", birthday: "1988-08-08", gender: "male", phone: "01066660001" };
const SOMEONE: Person = { name: "다른사람", birthday: "1977-07-07", gender: "female", phone: "01066660002" };

describe("step-up with openid-client", () => {
  let hint = "";
  const rp = () => openidClientParty(BASE, "openid profile", (): Record<string, string> => (hint ? { id_token_hint: hint } : {}));

  async function signIn(party: RelyingParty, person: Person) {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    await page.goto(party.loginUrl);
    await page.waitForURL(/\/authorize\?/);
    await verifyOn(page, person, "popup");
    return { page, context };
  }

  it("the same person, asked for by their ID token, gets through with the same sub", async () => {
    const party = await rp();
    parties.push(party);
    const first = await signIn(party, MEMBER);
    await first.page.locator("#signed-in").waitFor({ timeout: 20_000 });
    const signedIn = (await party.last()) as { idToken: Record<string, unknown>; idTokenJwt: string };
    await first.context.close();
    hint = signedIn.idTokenJwt;
    const again = await signIn(party, MEMBER);
    await again.page.locator("#signed-in").waitFor({ timeout: 20_000 });
    expect(((await party.last()) as { idToken: Record<string, unknown> }).idToken).toMatchObject({
      sub: signedIn.idToken.sub,
      outcome: "existing_user",
    });
    await again.context.close();

    // Someone else on the page the site sent for the member: told so, and the site gets identity_mismatch.
    const other = await signIn(party, SOMEONE);
    await other.page.locator("#result[data-error-code=identity_mismatch]").waitFor({ timeout: 15_000 });
    const back = new URL((await other.page.locator("#back-to-site").getAttribute("href"))!);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: "access_denied", error_description: "identity_mismatch" });
    await other.page.locator("#back-to-site").click();
    await other.page.locator("#failed").waitFor();
    await other.context.close();
  });
});
