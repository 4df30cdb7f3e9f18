// What the deployable configuration sends to Cloudflare, read as wrangler reads it.
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";

describe("wrangler.toml", () => {
  it("keeps the app's own log lines but turns Cloudflare's invocation logs off: they would store request URLs and headers", () => {
    const config = unstable_readConfig({ config: "wrangler.toml" });
    expect(config.observability?.enabled).toBe(true);
    expect(config.observability?.logs).toMatchObject({ enabled: true, invocation_logs: false });
  });
});
