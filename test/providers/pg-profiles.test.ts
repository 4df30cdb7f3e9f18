import { describe, expect, it } from "vitest";
import { iamportSchemas } from "../../src/providers/iamport/schemas";
import { portoneSchemas } from "../../src/providers/portone/schemas";
import { answer } from "../support/answers";
import { harness, ORIGIN } from "../support/harness";
import { errorOf } from "../support/http";
import { STUB_CHANNEL_KEY } from "../support/portone-stub";

/** What each PG needs on the page, sent for it; and what the server accepts from which channel. */
const prepared = async (vars: Record<string, string>, schema: typeof iamportSchemas.prepare | typeof portoneSchemas.prepare) => {
  const res = await harness(vars).request("/certifications/prepare", { method: "POST", headers: { Origin: ORIGIN } });
  expect(res.status).toBe(201);
  return (await answer(res, schema)).params;
};

describe("PG profiles, V1 (IMP_PG's prefix)", () => {
  it("danal: min_age (만 나이) and company, from SERVICE_NAME unless IMP_COMPANY says otherwise", async () => {
    const schema = iamportSchemas.prepare;
    expect(await prepared({ IMP_PG: "danal.A010002002", MIN_AGE: "19", SERVICE_NAME: "쇼핑몰" }, schema)).toEqual({
      pg: "danal.A010002002",
      company: "쇼핑몰",
      min_age: 19,
    });
    expect(await prepared({ IMP_PG: "danal", IMP_COMPANY: "shop.example", SERVICE_NAME: "쇼핑몰", MIN_AGE: "14" }, schema)).toEqual({
      pg: "danal",
      company: "shop.example",
      min_age: 14,
    });
    // Danal's limit is 만 나이: under the Youth Protection Act's rule, and with no limit, the window gets none.
    expect(await prepared({ IMP_PG: "danal", AGE_RULE: "youth_act" }, schema)).toEqual({ pg: "danal" });
    expect(await prepared({ IMP_PG: "danal", MIN_AGE: "0", PUBLIC_URL: ORIGIN }, schema)).toEqual({ pg: "danal" });
  });

  it("other PGs get none of Danal's parameters", async () => {
    const schema = iamportSchemas.prepare;
    expect(await prepared({ IMP_PG: "inicis_unified", SERVICE_NAME: "쇼핑몰" }, schema)).toEqual({ pg: "inicis_unified" });
    expect(await prepared({ IMP_PG: "kcp_v2.T0000" }, schema)).toEqual({ pg: "kcp_v2.T0000" });
  });

  it("live: a certification from another PG than the configured one is not certified", async () => {
    const h = harness({ IMP_PG: "danal.A010002002" });
    const b = h.browser();
    const other = await b.certified({ pg_provider: "inicis_unified" });
    const refused = await b.verify({ imp_uid: other.imp_uid });
    expect([refused.status, await errorOf(refused)]).toEqual([422, "not_certified"]);
    const ours = await b.certified({ pg_provider: "danal" });
    expect((await b.verify({ imp_uid: ours.imp_uid })).status).toBe(200);
  });
});

describe("PG profiles, V2 (PORTONE_PG)", () => {
  const schema = portoneSchemas.prepare;
  const v2 = { PORTONE_VERSION: "v2" };

  it("inicis_unified: the flgFixedUser PortOne requires", async () => {
    expect(await prepared({ ...v2, PORTONE_PG: "inicis_unified" }, schema)).toEqual({ bypass: { inicisUnified: { flgFixedUser: "N" } } });
  });

  it("danal: AGELIMIT (만 나이) and CPTITLE from SERVICE_NAME", async () => {
    expect(await prepared({ ...v2, PORTONE_PG: "danal", MIN_AGE: "19", SERVICE_NAME: "쇼핑몰" }, schema)).toEqual({
      bypass: { danal: { AGELIMIT: 19, CPTITLE: "쇼핑몰" } },
    });
    expect(await prepared({ ...v2, PORTONE_PG: "danal", AGE_RULE: "youth_act" }, schema)).toEqual({});
  });

  it("kcp_v2, and no PORTONE_PG: nothing extra", async () => {
    expect(await prepared({ ...v2, PORTONE_PG: "kcp_v2" }, schema)).toEqual({});
    expect(await prepared(v2, schema)).toEqual({});
  });

  it("refuses a PORTONE_PG that is not one of the profiles", async () => {
    const res = await harness({ ...v2, PORTONE_PG: "toss" }).request("/healthz");
    expect([res.status, ((await res.json()) as { problems: string[] }).problems]).toEqual([503, ["PORTONE_PG"]]);
  });

  it("live: a TEST channel's result is not certified, nor one without a channel or without a channel key", async () => {
    const h = harness({ ...v2, PORTONE_PG: "danal" });
    const b = h.browser();
    const test = { type: "TEST" as const, key: STUB_CHANNEL_KEY, pgProvider: "DANAL", pgMerchantId: "test" };
    const keyless = { type: "LIVE" as const, pgProvider: "DANAL", pgMerchantId: "A010002002" };
    for (const channel of [test, undefined, keyless]) {
      const { identity_verification_id: id } = await b.prepareV2();
      h.portone.verify(id, {}, { channel });
      const res = await b.verify({ identity_verification_id: id });
      expect([res.status, await errorOf(res)]).toEqual([422, "not_certified"]);
    }
    const ok = await b.verifiedV2();
    expect((await b.verify({ identity_verification_id: ok })).status).toBe(200);
  });
});

describe("SERVICE_NAME", () => {
  it("names the site in the page's title", async () => {
    const page = await harness({ SERVICE_NAME: "쇼핑몰" }).request("/");
    expect(await page.text()).toMatch(/<title>쇼핑몰 · [^<]+<\/title>/);
  });

  it("is checked like every var", async () => {
    const res = await harness({ SERVICE_NAME: '<script>"' }).request("/healthz");
    expect([res.status, ((await res.json()) as { problems: string[] }).problems]).toEqual([503, ["SERVICE_NAME"]]);
  });
});
