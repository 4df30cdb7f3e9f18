import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hmacHex } from "../../src/lib/crypto";
import { answer, V1Verification } from "../support/answers";
import { count } from "../support/db";
import { harness } from "../support/harness";

describe("races", () => {
  it("the same person verifying in two attempts at once gets one account: one new_user, one existing_user", async () => {
    const h = harness();
    const pairs = await h.certifiedPeople(2, { unique_key: "CI-twins-race" });
    const bodies = await Promise.all(pairs.map(async ({ b, cert }) => answer(await b.verify({ imp_uid: cert.imp_uid }), V1Verification)));
    expect(bodies.map((x) => x.outcome).sort()).toEqual(["existing_user", "new_user"]);
    expect(bodies[0]!.user.id).toBe(bodies[1]!.user.id);
    expect(await count("users", "identity_key = ?", await hmacHex(env.IDENTITY_HMAC_KEY, "CI-twins-race"))).toBe(1);
  });

  it("ten attempts of one person at once: exactly one new_user", async () => {
    const h = harness();
    const pairs = await h.certifiedPeople(10, { unique_key: "CI-ten-race" });
    const bodies = await Promise.all(pairs.map(async ({ b, cert }) => answer(await b.verify({ imp_uid: cert.imp_uid }), V1Verification)));
    expect(bodies.filter((x) => x.outcome === "new_user")).toHaveLength(1);
    expect(bodies.filter((x) => x.outcome === "existing_user")).toHaveLength(9);
    expect(await count("users", "identity_key = ?", await hmacHex(env.IDENTITY_HMAC_KEY, "CI-ten-race"))).toBe(1);
  });

  it("one imp_uid submitted at once by its owner and by other browsers: only the owner succeeds", async () => {
    const h = harness();
    const owner = h.browser();
    const cert = await owner.certified({ unique_key: "CI-imp-race" });
    const others = await Promise.all(
      Array.from({ length: 9 }, async () => {
        const b = h.browser();
        const own = await b.prepare();
        return { b, own };
      }),
    );
    const results = await Promise.all([
      owner.verify({ imp_uid: cert.imp_uid }),
      ...others.map(({ b }) => b.verify({ imp_uid: cert.imp_uid })),
      ...others.map(({ b, own }) => b.verify({ imp_uid: cert.imp_uid, merchant_uid: own.merchant_uid })),
    ]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results[0]!.status).toBe(200);
    expect(await count("attempts", "imp_uid = ?", cert.imp_uid)).toBe(1);
  });

  it("a double submit of one imp_uid by its owner completes once and answers both alike", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified({ unique_key: "CI-double-click" });
    const results = await Promise.all(Array.from({ length: 5 }, () => b.verify({ imp_uid: cert.imp_uid })));
    const texts = await Promise.all(results.map((r) => r.text()));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(texts).size).toBe(1);
    expect(JSON.parse(texts[0]!).outcome).toBe("new_user");
  });
});
