// Every relying-party stack the contract names, in Chromium against the sandbox (wrangler dev), each set up as its own
// docs say: a sign-in through the sandbox's carrier window, a second sign-in of the same person (the same `sub`, now
// `existing_user`), and a cancel that comes back to the site as an error it handles.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startWranglerDev, type WranglerDev } from "../support/wrangler-dev.ts";
import { browser, cancelWindow, type Person, passCarrierWindow } from "./helpers.ts";
import { authjs, nextAuthV4, oidcClientTs, openIdClientPassport, passportOpenIdConnect, type Stack, type Validated } from "./rp-stacks.ts";

const PASSPORT_CLIENT = { id: "passport-site", secret: "passport-site-secret-of-at-least-32-chars" };
const SPA_CLIENT = "spa";

let app: WranglerDev;
const stacks: Record<string, Stack> = {};
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  const [authjsPort, nextAuthPort, passportPort, openIdClientPort, spaPort] = await Promise.all([1, 2, 3, 4, 5].map(() => freePort()));
  // The sandbox, with the two sites that cannot use its built-in client: a confidential client without PKCE for
  // passport-openidconnect, and a public client for the single-page app (whose origin CORS must know).
  app = await startWranglerDev({
    IMP_MODE: "sandbox",
    RATE_LIMIT: "off",
    OIDC_CLIENTS: JSON.stringify([
      {
        client_id: PASSPORT_CLIENT.id,
        name: "Passport site",
        redirect_uris: [`http://127.0.0.1:${passportPort}/auth/callback`],
        require_pkce: false,
      },
      {
        client_id: SPA_CLIENT,
        name: "SPA",
        redirect_uris: [`http://127.0.0.1:${spaPort}/callback.html`],
        post_logout_redirect_uris: [`http://127.0.0.1:${spaPort}/`],
        token_endpoint_auth_method: "none",
      },
    ]),
    OIDC_CLIENT_SECRETS: JSON.stringify({ [PASSPORT_CLIENT.id]: PASSPORT_CLIENT.secret }),
  });
  const issuer = app.baseUrl;
  const started = await Promise.all([
    authjs(issuer, authjsPort!),
    nextAuthV4(issuer, nextAuthPort!),
    passportOpenIdConnect(issuer, { ...PASSPORT_CLIENT, port: passportPort! }),
    openIdClientPassport(issuer, openIdClientPort!),
    oidcClientTs(issuer, { id: SPA_CLIENT, port: spaPort! }),
  ]);
  for (const stack of started) stacks[stack.library] = stack;
}, 300_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await Promise.all(Object.values(stacks).map((s) => s.close()));
  app?.stop();
});

const LIBRARIES = [
  "Auth.js (@auth/core)",
  "next-auth v4",
  "passport-openidconnect",
  "openid-client (Passport strategy)",
  "oidc-client-ts (browser, public client)",
] as const;

async function freshPage(): Promise<Page> {
  const context = await browser.newContext({ locale: "ko-KR" });
  contexts.push(context);
  return context.newPage();
}

/** The site's sign-in, the sandbox's window in a popup, back to the site: what the site validated. */
async function signIn(stack: Stack, person: Person): Promise<Validated | undefined> {
  const page = await freshPage();
  await stack.begin(page);
  await page.waitForURL(/\/authorize\?/);
  await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("start-verification").click()]);
  await passCarrierWindow(popup, person);
  await page.locator("#signed-in, #failed").waitFor({ timeout: 30_000 });
  return stack.result(page);
}

const personFor = (library: string): Person => ({
  name: `스택${LIBRARIES.indexOf(library as (typeof LIBRARIES)[number])}사람`,
  birthday: "1990-05-05",
  gender: "female",
  phone: `0105550${String(LIBRARIES.indexOf(library as (typeof LIBRARIES)[number])).padStart(4, "0")}`,
});

describe.each(LIBRARIES)("%s", (library) => {
  let first: Record<string, unknown> | undefined;

  it("signs a new person in through the sandbox's window; the site validates the ID token", async () => {
    const person = personFor(library);
    const validated = await signIn(stacks[library]!, person);
    expect(validated, JSON.stringify(validated)).toHaveProperty("claims");
    const claims = (validated as { claims: Record<string, unknown> }).claims;
    expect(claims).toMatchObject({ iss: app.baseUrl, name: person.name, birthdate: person.birthday, outcome: "new_user" });
    expect(typeof claims.sub).toBe("string");
    first = claims;
  });

  it("a second sign-in of the same person gives the same sub, now existing_user", async () => {
    expect(first, "the first sign-in must have succeeded").toBeDefined();
    const validated = await signIn(stacks[library]!, personFor(library));
    expect(validated).toHaveProperty("claims");
    expect((validated as { claims: Record<string, unknown> }).claims).toMatchObject({ sub: first!.sub, outcome: "existing_user" });
  });

  it("a cancel in the window comes back to the site as an error it handles", async () => {
    const stack = stacks[library]!;
    const page = await freshPage();
    await stack.begin(page);
    await page.waitForURL(/\/authorize\?/);
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("start-verification").click()]);
    await popup.waitForLoadState();
    await cancelWindow(popup);
    await page.locator("#result[data-error-code=not_certified]").waitFor({ timeout: 15_000 });
    await page.locator("#back-to-site").click();
    await page.waitForURL((url) => url.origin === stack.origin);
    // Each library shows its own error page, or ours: what matters is that it came back with access_denied and
    // signed nobody in.
    await page.waitForLoadState();
    expect(page.url()).not.toContain("code=");
    expect(await page.locator("#signed-in").count()).toBe(0);
  });
});

describe("oidc-client-ts signs out through the end_session_endpoint", () => {
  it("signoutRedirect with its id_token_hint comes back to the registered post_logout_redirect_uri with its state", async () => {
    const stack = stacks["oidc-client-ts (browser, public client)"]!;
    const page = await freshPage();
    await stack.begin(page);
    await page.waitForURL(/\/authorize\?/);
    await expect.poll(() => page.getByTestId("start-verification").isEnabled(), { timeout: 15_000 }).toBe(true);
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("start-verification").click()]);
    await passCarrierWindow(popup, { name: "로그아웃사람", birthday: "1991-06-06", phone: "01055519999" });
    await page.locator("#signed-in").waitFor({ timeout: 30_000 });
    await page.goto(`${stack.origin}/`);
    const leaving = page.waitForRequest((req) => new URL(req.url()).pathname === "/logout");
    await page.locator("#logout").click();
    const logout = new URL((await leaving).url());
    expect(logout.origin).toBe(app.baseUrl);
    expect(logout.searchParams.get("id_token_hint"), logout.href).toBeTruthy();
    // Back on the page it left from: only the state it sent tells the return apart from the page before.
    const state = logout.searchParams.get("state");
    expect(state).toBeTruthy();
    await page.waitForURL((url) => url.origin === stack.origin && url.pathname === "/" && url.searchParams.get("state") === state);
  });
});
