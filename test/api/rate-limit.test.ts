import { describe, expect, it } from "vitest";
import { clientOf } from "../../src/http/rate-limit";
import { harness, ORIGIN } from "../support/harness";

describe("rate limiting (Workers Rate Limiting binding)", () => {
  it("answers 429 rate_limited with Retry-After once a client exceeds the prepare limit", async () => {
    const h = harness({ RATE_LIMIT: "on" });
    const client = { "CF-Connecting-IP": "203.0.113.7", Origin: ORIGIN };
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      statuses.push((await h.request("/certifications/prepare", { method: "POST", headers: client })).status);
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(201));
    const limited = await h.request("/certifications/prepare", { method: "POST", headers: client });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBe("60");
    expect(await limited.json()).toEqual({ error: { code: "rate_limited", message: expect.any(String) } });

    const someoneElse = await h.request("/certifications/prepare", { method: "POST", headers: { "CF-Connecting-IP": "203.0.113.8" } });
    expect(someoneElse.status).toBe(201);
  });

  it("limits verification per client, on the JSON route and the redirect page alike", async () => {
    const h = harness({ RATE_LIMIT: "on" });
    const client = { "CF-Connecting-IP": "198.51.100.9" };
    let limited: Response | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await h.request("/certifications", {
        method: "POST",
        headers: { ...client, "Content-Type": "application/json" },
        body: '{"imp_uid":"imp_1"}',
      });
      if (res.status === 429) limited = res;
    }
    expect(limited?.headers.get("Retry-After")).toBe("60");
    const page = await h.request("/certifications/redirect?imp_uid=imp_1", { headers: client });
    expect(page.status).toBe(429);
    expect(await page.text()).toContain('data-error-code="rate_limited"');
  });

  it("counts an IPv6 client by its /64: addresses rotated within it share one budget; another /64 has its own", async () => {
    const h = harness({ RATE_LIMIT: "on" });
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const ip = `2001:db8:1:2:${(i * 7919).toString(16)}:${i.toString(16)}::${(i + 1).toString(16)}`;
      statuses.push((await h.request("/certifications/prepare", { method: "POST", headers: { "CF-Connecting-IP": ip } })).status);
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(201));
    expect(statuses[20]).toBe(429);
    const neighbour = await h.request("/certifications/prepare", { method: "POST", headers: { "CF-Connecting-IP": "2001:db8:1:3::1" } });
    expect(neighbour.status).toBe(201);
  });

  it("a client's key: IPv4 as it is, IPv6 its /64 however it is written", () => {
    expect(clientOf("203.0.113.7")).toBe("203.0.113.7");
    expect(clientOf("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(clientOf("2001:0DB8:0001:0002::ffff")).toBe("2001:db8:1:2::/64");
    expect(clientOf("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientOf("::1")).toBe("0:0:0:0::/64");
    expect(clientOf("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(clientOf("::ffff:198.51.100.4")).toBe("198.51.100.4");
    expect(clientOf("64:ff9b::198.51.100.4")).toBe("64:ff9b:0:0::/64");
    expect(clientOf(undefined)).toBe("local");
  });

  it("RATE_LIMIT=off turns it off", async () => {
    const h = harness({ RATE_LIMIT: "off" });
    for (let i = 0; i < 30; i++) {
      const res = await h.request("/certifications/prepare", { method: "POST", headers: { "CF-Connecting-IP": "192.0.2.1" } });
      expect(res.status).toBe(201);
    }
  });
});
