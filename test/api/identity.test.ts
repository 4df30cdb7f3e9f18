import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hmacHex } from "../../src/lib/crypto";
import { keyIdOf } from "../../src/verification/identity";
import { answer, V1Verification } from "../support/answers";
import { count, snapshot } from "../support/db";
import { harness } from "../support/harness";
import { errorOf } from "../support/http";
import { oidcVars, relyingParty } from "../support/oidc";

/** One account per person, whatever the channel gives: a CI, a DI, or both. */
const ciKey = (ci: string, secret = env.IDENTITY_HMAC_KEY) => hmacHex(secret, ci);
const diKey = (di: string, secret = env.IDENTITY_HMAC_KEY) => hmacHex(secret, `site:${di}`);
const only = { ci: (ci: string) => ({ unique_key: ci, unique_in_site: null }), di: (di: string) => ({ unique_key: "", unique_in_site: di }) };

const userRow = (id: string) =>
  env.DB.prepare("SELECT identity_key, site_identity_key, key_id FROM users WHERE id = ?")
    .bind(id)
    .first<{ identity_key: string | null; site_identity_key: string | null; key_id: string | null }>();

describe("identity keys: CI or DI", () => {
  /** A person seen first with a DI only (Danal without the CI in the contract), then with both keys. */
  async function diOnlyThenBoth(tag: string) {
    const h = harness();
    const b = h.browser();
    const verified = async (fields: object) => answer(await b.verify({ imp_uid: (await b.certified(fields)).imp_uid }), V1Verification);
    const first = await verified(only.di(`DI-${tag}`));
    const stored = await userRow(first.user.id);
    const again = await verified(only.di(`DI-${tag}`));
    const both = await verified({ unique_key: `CI-${tag}`, unique_in_site: `DI-${tag}` });
    return { first, stored, again, both, verified };
  }

  it("a person seen with a DI only is stored by the DI's key alone, and found again by it", async () => {
    const { first, stored, again } = await diOnlyThenBoth("dionly-a");
    expect(first.outcome).toBe("new_user");
    expect(stored).toMatchObject({ identity_key: null, site_identity_key: await diKey("DI-dionly-a") });
    expect([again.outcome, again.user.id]).toEqual(["existing_user", first.user.id]);
  });

  it("that person gains the CI's key when a result carries both", async () => {
    const { first, both } = await diOnlyThenBoth("dionly-b");
    expect([both.outcome, both.user.id]).toEqual(["existing_user", first.user.id]);
    expect(await userRow(first.user.id)).toMatchObject({ identity_key: await ciKey("CI-dionly-b"), site_identity_key: await diKey("DI-dionly-b") });
  });

  it("then a CI alone (KG Inicis never gives a DI) finds the same person", async () => {
    const { first, verified } = await diOnlyThenBoth("dionly-c");
    const inicis = await verified(only.ci("CI-dionly-c"));
    expect([inicis.outcome, inicis.user.id]).toEqual(["existing_user", first.user.id]);
  });

  it("refuses a CI and a DI that belong to two different users: 409 identity_conflict, nothing written", async () => {
    const h = harness();
    const b = h.browser();
    const a = await answer(await b.verify({ imp_uid: (await b.certified(only.ci("CI-split"))).imp_uid }), V1Verification);
    const c = await answer(await b.verify({ imp_uid: (await b.certified(only.di("DI-split"))).imp_uid }), V1Verification);
    expect(a.user.id).not.toBe(c.user.id);
    const cert = await b.certified({ unique_key: "CI-split", unique_in_site: "DI-split" });
    const before = await snapshot();
    const res = await b.verify({ imp_uid: cert.imp_uid });
    expect([res.status, await errorOf(res)]).toEqual([409, "identity_conflict"]);
    expect(await snapshot()).toBe(before);
  });

  it("refuses a result with neither key", async () => {
    const h = harness();
    const b = h.browser();
    const res = await b.verify({ imp_uid: (await b.certified({ unique_key: "", unique_in_site: null })).imp_uid });
    expect([res.status, await errorOf(res)]).toEqual([422, "identity_unavailable"]);
  });

  it.each([
    [
      "both keys and a CI alone",
      (i: number) => (i % 2 ? only.ci("CI-race-a") : { unique_key: "CI-race-a", unique_in_site: "DI-race-a" }),
      "CI-race-a",
    ],
    [
      "both keys and a DI alone",
      (i: number) => (i % 2 ? only.di("DI-race-b") : { unique_key: "CI-race-b", unique_in_site: "DI-race-b" }),
      "CI-race-b",
    ],
  ])("50 concurrent verifications of one person mixing %s: one account with both keys", async (_what, fields, ci) => {
    const h = harness();
    // The first completes alone with both keys, as a person's first verification would; then 50 race.
    const opener = h.browser();
    await opener.verify({ imp_uid: (await opener.certified(fields(0))).imp_uid });
    const people = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const b = h.browser();
        return { b, cert: await b.certified(fields(i)) };
      }),
    );
    const answers = await Promise.all(people.map(async ({ b, cert }) => answer(await b.verify({ imp_uid: cert.imp_uid }), V1Verification)));
    expect(new Set(answers.map((a) => a.user.id)).size).toBe(1);
    expect(answers.every((a) => a.outcome === "existing_user")).toBe(true);
    expect(await count("users", "identity_key = ?", await ciKey(ci))).toBe(1);
  });

  it("2–50 concurrent first verifications mixing CI-only, DI-only and both: never a key in two rows, every answer 200 or 409", async () => {
    const h = harness();
    const mixes = [only.ci("CI-mix"), only.di("DI-mix"), { unique_key: "CI-mix", unique_in_site: "DI-mix" }];
    const people = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const b = h.browser();
        return { b, cert: await b.certified(mixes[i % 3]) };
      }),
    );
    const results = await Promise.all(people.map(async ({ b, cert }) => b.verify({ imp_uid: cert.imp_uid })));
    for (const res of results) expect([200, 409]).toContain(res.status);
    expect(await count("users", "identity_key = ?", await ciKey("CI-mix"))).toBe(1);
    expect(await count("users", "site_identity_key = ?", await diKey("DI-mix"))).toBe(1);
    // Whoever got an answer got the one account that holds their key.
    const byKey = new Map<string, Set<string>>();
    for (const [i, res] of results.entries()) {
      if (res.status !== 200) continue;
      const { user } = await answer(res, V1Verification);
      const key = ["ci", "di", "both"][i % 3]!;
      byKey.set(key, (byKey.get(key) ?? new Set()).add(user.id));
    }
    for (const ids of byKey.values()) expect(ids.size).toBe(1);
  });

  it("a person who withdrew with only a DI is refused during the cooldown", async () => {
    const h = harness({ REJOIN_COOLDOWN_DAYS: "30", ...(await oidcVars()) });
    const rp = relyingParty(h);
    const signed = await rp.signIn(h.browser(), only.di("DI-leaver"));
    await rp.tokens(signed.code, signed.verifier);
    const del = await rp.site("DELETE", signed.body!.user.id);
    expect(del.status).toBe(200);
    const b = h.browser();
    const res = await b.verify({ imp_uid: (await b.certified(only.di("DI-leaver"))).imp_uid });
    expect([res.status, await errorOf(res)]).toEqual([403, "rejoin_cooldown"]);
  });
});

describe("rotating IDENTITY_HMAC_KEY", () => {
  const OLD = "-1dzPGWFPnLdvqT10W_h_QHF15WXFie-61KEfCdzYw8";
  const NEW = "H2k9vQpWmZ7xRt3LbN8cYf4JdG6sKu1AeTo5iXyVhPw";

  /** A person stored under OLD; the attempt this browser started before the rotation; the app after it. */
  async function rotated(tag: string) {
    const before = harness({ IDENTITY_HMAC_KEY: OLD });
    const b = before.browser();
    const first = await answer(
      await b.verify({ imp_uid: (await b.certified({ unique_key: `CI-${tag}`, unique_in_site: `DI-${tag}` })).imp_uid }),
      V1Verification,
    );
    // An attempt minted (and a cookie bound) before the rotation.
    const pending = await b.certified({ unique_key: `CI-${tag}`, unique_in_site: `DI-${tag}` });
    const after = harness({ IDENTITY_HMAC_KEY: NEW, IDENTITY_HMAC_PREVIOUS_KEYS: OLD });
    const sameBrowser = after.browser();
    sameBrowser.cookie = b.cookie;
    after.stub.certify({ ...pending, imp_uid: pending.imp_uid });
    const res = await sameBrowser.verify({ imp_uid: pending.imp_uid, merchant_uid: pending.merchant_uid });
    return { first, res };
  }

  it("stores a person's keys under the key in use, with its fingerprint", async () => {
    const h = harness({ IDENTITY_HMAC_KEY: OLD });
    const b = h.browser();
    const first = await answer(await b.verify({ imp_uid: (await b.certified({ unique_key: "CI-rot-0" })).imp_uid }), V1Verification);
    expect(await userRow(first.user.id)).toMatchObject({ identity_key: await ciKey("CI-rot-0", OLD), key_id: await keyIdOf(OLD) });
  });

  it("after a rotation, an attempt id minted before it still verifies, and finds the person stored under the previous key", async () => {
    const { first, res } = await rotated("rot-a");
    const again = await answer(res, V1Verification);
    expect([again.outcome, again.user.id]).toEqual(["existing_user", first.user.id]);
  });

  it("after a rotation, that verification rewrites the person's keys under the new key", async () => {
    const { first } = await rotated("rot-b");
    expect(await userRow(first.user.id)).toEqual({
      identity_key: await ciKey("CI-rot-b", NEW),
      site_identity_key: await diKey("DI-rot-b", NEW),
      key_id: await keyIdOf(NEW),
    });
  });

  it("refuses a previous key that is short or the current one", async () => {
    for (const previous of ["short", NEW, `${OLD},tiny`]) {
      const res = await harness({ IDENTITY_HMAC_KEY: NEW, IDENTITY_HMAC_PREVIOUS_KEYS: previous }).request("/healthz");
      expect([res.status, ((await res.json()) as { problems: string[] }).problems]).toEqual([503, ["IDENTITY_HMAC_PREVIOUS_KEYS"]]);
    }
  });
});
