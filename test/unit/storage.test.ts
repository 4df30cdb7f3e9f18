import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { snapshot } from "../support/db";
import { harness, ORIGIN } from "../support/harness";

const kvKeys = async () => (await env.CACHE.list()).keys.map((k) => k.name).sort();

describe("nothing is stored until a person is verified", () => {
  it("a page view and a hundred prepares leave D1 and KV untouched", async () => {
    const h = harness();
    const [rows, keys] = [await snapshot(), await kvKeys()];
    const page = await h.request("/", { headers: { "Accept-Language": "ko" } });
    expect(page.status).toBe(200);
    for (let i = 0; i < 100; i++) {
      const b = h.browser();
      expect((await b.send("/certifications/prepare", { method: "POST", headers: { Origin: ORIGIN } })).status).toBe(201);
    }
    expect(await snapshot()).toBe(rows);
    expect(await kvKeys()).toEqual(keys);
    expect(h.stub.calls.getToken + h.stub.calls.getCertification).toBe(0);
  });

  it("the page arrives with a ready attempt and its binding cookie, which verify without a prepare", async () => {
    const h = harness({ IMP_CHANNEL_KEY: "channel-key-1" });
    const b = h.browser();
    const page = await b.send("/");
    expect(page.headers.get("Set-Cookie")).toMatch(/^imp_browser=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{22};.*HttpOnly/);
    const html = await page.text();
    const config = JSON.parse(/<script type="application\/json" id="page-config">(.*?)<\/script>/s.exec(html)![1]!);
    expect(config.attempt).toEqual({
      provider: "v1",
      merchant_uid: expect.stringMatching(/^[A-Za-z0-9]{40}$/),
      expires_at: expect.any(String),
      imp_code: "imp12345678",
      params: { channelKey: "channel-key-1" },
    });
    const cert = h.stub.certify({ merchant_uid: config.attempt.merchant_uid });
    const res = await b.verify({ imp_uid: cert.imp_uid });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { outcome: string }).outcome).toBe("new_user");
  });

  it("a verification is one upstream call and one D1 round-trip, and stores one attempt row", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified();
    // A warm token: the first verification of an isolate also asks for one.
    await b.verify({ imp_uid: (await b.certified({ unique_key: "CI-warm" })).imp_uid });
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => lines.push(line);
    try {
      expect((await b.verify({ imp_uid: cert.imp_uid })).status).toBe(200);
    } finally {
      console.log = log;
    }
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "verification");
    expect(line.upstream.map((c: { op: string }) => c.op)).toEqual(["getCertification"]);
    expect(line.d1.roundTrips).toBe(1);
    const stored = await env.DB.prepare("SELECT merchant_uid, imp_uid, outcome FROM attempts WHERE imp_uid = ?").bind(cert.imp_uid).all();
    expect(stored.results).toEqual([{ merchant_uid: cert.merchant_uid, imp_uid: cert.imp_uid, outcome: "new_user" }]);
  });
});
