import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { harness } from "../support/harness";
import { claimsOfJwt, oidcVars, relyingParty } from "../support/oidc";

// `outcome` is the client's view: new_user until this client redeemed a code for the person, existing_user after.
// A grant counts once its code is redeemed; a pairwise client learns nothing of the person's other clients.
const vars = await oidcVars();
const grantsOf = async (clientId: string) =>
  (await env.DB.prepare("SELECT COUNT(*) AS n FROM grants WHERE client_id = ?").bind(clientId).first<number>("n")) ?? 0;

type User = { created_at: string; last_verified_at: string };

describe("outcome is the client's view", () => {
  it("a code never redeemed leaves no grant: the site API does not know the person", async () => {
    const h = harness(vars);
    const shop = relyingParty(h, "shop");
    const signed = await shop.signIn(h.browser(), { unique_key: "CI-never-redeemed" });
    expect(signed.code).not.toBe("");
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM grants WHERE user_id = ?").bind(signed.body!.user.id).first("n")).toBe(0);
    expect((await shop.site("GET", signed.body!.user.id)).status).toBe(404);
  });

  it("the first real sign-in after a code that was never redeemed is still new_user", async () => {
    const h = harness(vars);
    const shop = relyingParty(h, "shop");
    await shop.signIn(h.browser(), { unique_key: "CI-spa-lost" });
    const again = await shop.signIn(h.browser(), { unique_key: "CI-spa-lost" });
    expect(again.body!.outcome).toBe("new_user");
    expect(claimsOfJwt((await shop.tokens(again.code, again.verifier)).id_token).outcome).toBe("new_user");
  });

  it("once the client redeemed a code, the person's next sign-in there is existing_user", async () => {
    const h = harness(vars);
    const shop = relyingParty(h, "shop");
    const first = await shop.signIn(h.browser(), { unique_key: "CI-returning" });
    expect(claimsOfJwt((await shop.tokens(first.code, first.verifier)).id_token).outcome).toBe("new_user");
    const second = await shop.signIn(h.browser(), { unique_key: "CI-returning" });
    expect(second.body!.outcome).toBe("existing_user");
    expect(claimsOfJwt((await shop.tokens(second.code, second.verifier)).id_token).outcome).toBe("existing_user");
  });

  it("a person known at another client is new_user to this one, pairwise or public", async () => {
    const h = harness(vars);
    const shop = relyingParty(h, "shop");
    const app = relyingParty(h, "app");
    const person = { unique_key: "CI-elsewhere" };
    const atShop = await shop.signIn(h.browser(), person);
    await shop.tokens(atShop.code, atShop.verifier);
    const atApp = await app.signIn(h.browser(), person);
    expect(atApp.body!.outcome).toBe("new_user");
    expect(claimsOfJwt((await app.tokens(atApp.code, atApp.verifier)).id_token).outcome).toBe("new_user");
    // And the other way round: known at the app (pairwise), new to the shop (public).
    const other = { unique_key: "CI-app-first" };
    const appFirst = await app.signIn(h.browser(), other);
    await app.tokens(appFirst.code, appFirst.verifier);
    const shopThen = await shop.signIn(h.browser(), other);
    expect(shopThen.body!.outcome).toBe("new_user");
  });

  it("a pairwise client's site API shows its own times, not the person's activity at other clients", async () => {
    const h = harness(vars);
    const shop = relyingParty(h, "shop");
    const app = relyingParty(h, "app");
    const person = { unique_key: "CI-times" };
    const atShop = await shop.signIn(h.browser(), person);
    await shop.tokens(atShop.code, atShop.verifier);
    await new Promise((r) => setTimeout(r, 5));
    const atApp = await app.signIn(h.browser(), person);
    const sub = claimsOfJwt((await app.tokens(atApp.code, atApp.verifier)).id_token).sub as string;
    const seenByApp = ((await (await app.site("GET", sub)).json()) as { user: User }).user;
    const seenByShop = ((await (await shop.site("GET", atShop.body!.user.id)).json()) as { user: User }).user;
    expect(Date.parse(seenByApp.created_at)).toBeGreaterThan(Date.parse(seenByShop.created_at));
    expect(Date.parse(seenByApp.last_verified_at)).toBeGreaterThan(Date.parse(seenByShop.last_verified_at));
    // The shop's times do not move with the person's verification at the app.
    expect(seenByShop.last_verified_at).toBe(seenByShop.created_at);
  });

  it("two codes for one person, both redeemed: one grant, and both ID tokens carry its subject", async () => {
    const h = harness(vars);
    const app = relyingParty(h, "app");
    const person = { unique_key: "CI-two-tabs" };
    const before = await grantsOf("app");
    const one = await app.signIn(h.browser(), person);
    const two = await app.signIn(h.browser(), person);
    expect([one.body!.outcome, two.body!.outcome]).toEqual(["new_user", "new_user"]);
    const first = claimsOfJwt((await app.tokens(one.code, one.verifier)).id_token);
    const second = claimsOfJwt((await app.tokens(two.code, two.verifier)).id_token);
    expect(second.sub).toBe(first.sub);
    expect(await grantsOf("app")).toBe(before + 1);
  });
});
