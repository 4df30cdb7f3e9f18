import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hmacHex } from "../../src/lib/crypto";
import { count, snapshot } from "../support/db";
import { type Browser, harness } from "../support/harness";
import { errorOf } from "../support/http";

/**
 * What every provider must do alike, run once per provider: the same suite, so that a rule one provider gains is a
 * rule the other is tested for. Each adapter says how its provider completes an attempt and how it fails.
 */
type Identity = { ci?: string; di?: string; birthday?: string };

interface Adapter {
  vars: Record<string, string>;
  /** The provider completes an attempt for this browser (expiring at `expiresAt` when given); the verify body. */
  complete(h: ReturnType<typeof harness>, b: Browser, identity: Identity, expiresAt?: number): Promise<object>;
  /** The provider fails every call from now on (a 5xx). */
  breakDown(h: ReturnType<typeof harness>): void;
  /** A verify body for an attempt of this browser whose result the provider does not know. */
  unknown(b: Browser): Promise<object>;
}

const PROVIDERS: [string, Adapter][] = [
  [
    "v1 (i'mport)",
    {
      vars: {},
      async complete(h, b, { ci, di, birthday }, expiresAt) {
        const merchant_uid = expiresAt ? await b.mint(expiresAt) : (await b.prepare()).merchant_uid;
        const cert = h.stub.certify({ merchant_uid, unique_key: ci ?? "", unique_in_site: di ?? null, ...(birthday ? { birthday } : {}) });
        return { imp_uid: cert.imp_uid, merchant_uid };
      },
      breakDown: (h) => h.stub.fail("getCertification", { kind: "status", status: 503 }, 100),
      unknown: async (b) => ({ imp_uid: "imp_999999999999", merchant_uid: (await b.prepare()).merchant_uid }),
    },
  ],
  [
    "v2 (PortOne)",
    {
      vars: { PORTONE_VERSION: "v2" },
      async complete(h, b, { ci, di, birthday }, expiresAt) {
        const id = expiresAt ? await b.mint(expiresAt) : (await b.prepareV2()).identity_verification_id;
        h.portone.verify(id, { ...(ci ? { ci } : {}), ...(di ? { di } : {}), ...(birthday ? { birthDate: birthday } : {}) });
        return { identity_verification_id: id };
      },
      breakDown: (h) => h.portone.fail({ kind: "status", status: 503 }, 100),
      unknown: async (b) => ({ identity_verification_id: (await b.prepareV2()).identity_verification_id }),
    },
  ],
];

describe.each(PROVIDERS)("every provider alike: %s", (_name, provider) => {
  it("gives 20 simultaneous verifications of one person one account", async () => {
    const h = harness(provider.vars);
    const ci = `CI-parity-race-${_name.slice(0, 2)}`;
    const people = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const b = h.browser();
        return { b, body: await provider.complete(h, b, { ci }) };
      }),
    );
    const answers = await Promise.all(
      people.map(async ({ b, body }) => (await b.verify(body)).json() as Promise<{ outcome: string; user: { id: string } }>),
    );
    expect(answers.filter((a) => a.outcome === "new_user")).toHaveLength(1);
    expect(new Set(answers.map((a) => a.user.id)).size).toBe(1);
  });

  it("refuses a minor with age_restricted", async () => {
    const h = harness(provider.vars);
    const b = h.browser();
    const body = await provider.complete(h, b, { ci: `CI-parity-minor-${_name.slice(0, 2)}`, birthday: `${new Date().getFullYear() - 10}-01-01` });
    const res = await b.verify(body);
    expect([res.status, await errorOf(res)]).toEqual([403, "age_restricted"]);
  });

  it("is 404 certification_not_found for a result the provider does not know, and stores nothing", async () => {
    const h = harness(provider.vars);
    const b = h.browser();
    const body = await provider.unknown(b);
    const before = await snapshot();
    const res = await b.verify(body);
    expect([res.status, await errorOf(res)]).toEqual([404, "certification_not_found"]);
    expect(await snapshot()).toBe(before);
  });

  it("answers a repeat with the same body and changes nothing", async () => {
    const h = harness(provider.vars);
    const b = h.browser();
    const body = await provider.complete(h, b, { ci: "CI-parity-repeat", di: "DI-parity-repeat" });
    const first = await b.verify(body);
    expect(first.status).toBe(200);
    const before = await snapshot();
    const again = await b.verify(body);
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(await first.text());
    expect(await snapshot()).toBe(before);
  });

  it("answers a repeat from D1 while the provider fails, and nobody else", async () => {
    const h = harness(provider.vars);
    const b = h.browser();
    const body = await provider.complete(h, b, { ci: "CI-parity-outage" });
    const first = await b.verify(body);
    expect(first.status).toBe(200);
    provider.breakDown(h);
    const again = await b.verify(body);
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(await first.text());
    const stranger = h.browser();
    await stranger.prepareAny();
    const foreign = await stranger.verify(body);
    expect(foreign.status).toBeGreaterThanOrEqual(400);
    expect(foreign.status).not.toBe(200);
  });

  it("answers a repeat with the same body after the attempt expired", async () => {
    const h = harness(provider.vars);
    const b = h.browser();
    const body = await provider.complete(h, b, { ci: "CI-parity-expiry" }, Date.now() + 2000);
    const first = await b.verify(body);
    expect(first.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const again = await b.verify(body);
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(await first.text());
    // An attempt that expired without completing is over.
    // (Expiry is whole seconds, rounded up.)
    const late = await provider.complete(h, b, { ci: "CI-parity-late" }, Date.now() + 1000);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const refused = await b.verify(late);
    expect([refused.status, await errorOf(refused)]).toEqual([410, "session_expired"]);
  }, 15_000);

  it("stores only keyed hashes of the CI and the DI", async () => {
    const h = harness(provider.vars);
    const b = h.browser();
    expect((await b.verify(await provider.complete(h, b, { ci: "CI-parity-secret", di: "DI-parity-secret" }))).status).toBe(200);
    const dump = await snapshot();
    expect(dump).not.toContain("CI-parity-secret");
    expect(dump).not.toContain("DI-parity-secret");
    expect(await count("users", "identity_key = ?", await hmacHex(env.IDENTITY_HMAC_KEY, "CI-parity-secret"))).toBe(1);
  });

  it("refuses a browser without the binding cookie before asking the provider", async () => {
    const h = harness(provider.vars);
    const b = h.browser();
    const body = await provider.complete(h, b, { ci: "CI-parity-cookie" });
    b.cookie = "";
    const res = await b.verify(body);
    expect([res.status, await errorOf(res)]).toEqual([403, "session_mismatch"]);
    expect(h.stub.calls.getCertification + h.portone.calls.getIdentityVerification).toBe(0);
  });
});
