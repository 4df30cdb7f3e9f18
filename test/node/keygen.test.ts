import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/** The left-hand side of every documented `… | npx wrangler secret put NAME` pipe, as a user would type it. */
function documentedKeygenCommands(): string[] {
  const text = ["README.md", "docs/INTEGRATION.md"].map((file) => readFileSync(file, "utf8")).join("\n");
  return [...text.matchAll(/`([^`|]*keygen[^`|]*?)\s*\\?\|\s*npx wrangler secret put/g)].map((m) => m[1]!.trim());
}

describe("npm run keygen", () => {
  it("as the docs pipe it into wrangler, prints exactly one private P-256 JWK that Web Crypto imports, and nothing else", async () => {
    const commands = [...new Set(documentedKeygenCommands())];
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      const run = spawnSync("sh", ["-c", command], { encoding: "utf8" });
      expect(run.status).toBe(0);
      const lines = run.stdout.split("\n").filter(Boolean);
      expect(lines).toHaveLength(1);
      const jwk = JSON.parse(lines[0]!);
      expect(jwk).toMatchObject({ kty: "EC", crv: "P-256", kid: expect.any(String) });
      const { kty, crv, x, y, d } = jwk;
      await expect(
        crypto.subtle.importKey("jwk", { kty, crv, x, y, d }, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]),
      ).resolves.toBeDefined();
    }
  });
});
