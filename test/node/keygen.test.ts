import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { webhookSecretBytes } from "../../src/config/oidc.ts";
import { isRandomKey } from "../../src/lib/key-strength.ts";

/** Every documented `… keygen … | npx wrangler secret put NAME` pipe, as a user would type it: the command and the secret's name. */
function documentedKeygenCommands(): Array<{ command: string; secret: string }> {
  const text = ["README.md", "docs/INTEGRATION.md", "docs/deploying.md"].map((file) => readFileSync(file, "utf8")).join("\n");
  const found = [...text.matchAll(/`?([^`|\n]*keygen[^`|\n]*?)\s*\\?\|\s*npx wrangler secret put ([A-Z_]+)/g)].map((m) => ({
    command: m[1]!.replace(/^\d+\.\s*/, "").trim(),
    secret: m[2]!,
  }));
  return [...new Map(found.map((f) => [`${f.command}|${f.secret}`, f])).values()];
}

const run = (command: string) => {
  const out = spawnSync("sh", ["-c", command], { encoding: "utf8" });
  expect(out.status).toBe(0);
  const lines = out.stdout.split("\n").filter(Boolean);
  expect(lines).toHaveLength(1);
  return lines[0]!;
};

describe("npm run keygen", () => {
  it("as the docs pipe it into SIGNING_KEY, prints exactly one private P-256 JWK that Web Crypto imports, and nothing else", async () => {
    const commands = documentedKeygenCommands().filter((c) => c.secret === "SIGNING_KEY");
    expect(commands.length).toBeGreaterThan(0);
    for (const { command } of commands) {
      const jwk = JSON.parse(run(command));
      expect(jwk).toMatchObject({ kty: "EC", crv: "P-256", kid: expect.any(String) });
      const { kty, crv, x, y, d } = jwk;
      await expect(
        crypto.subtle.importKey("jwk", { kty, crv, x, y, d }, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]),
      ).resolves.toBeDefined();
    }
  });

  it("as the docs pipe it into SIGNING_RSA_KEY, prints one private RSA JWK of 2048 bits with a kid that Web Crypto imports for RS256", async () => {
    const commands = documentedKeygenCommands().filter((c) => c.secret === "SIGNING_RSA_KEY");
    expect(commands.length).toBeGreaterThan(0);
    for (const { command } of commands) {
      const jwk = JSON.parse(run(command));
      expect(jwk).toMatchObject({ kty: "RSA", kid: expect.any(String) });
      expect(Buffer.from(jwk.n, "base64url").length * 8).toBeGreaterThanOrEqual(2048);
      const { kid: _kid, ...key } = jwk;
      await expect(crypto.subtle.importKey("jwk", key, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"])).resolves.toBeDefined();
    }
  });

  it("as the docs pipe it into IDENTITY_HMAC_KEY, prints 32 random bytes in base64url that the configuration takes", async () => {
    const commands = documentedKeygenCommands().filter((c) => c.secret === "IDENTITY_HMAC_KEY");
    expect(commands.length).toBeGreaterThan(0);
    for (const { command } of commands) {
      const key = run(command);
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(key, "base64url")).toHaveLength(32);
      expect(isRandomKey(key)).toBe(true);
      expect(run(command)).not.toBe(key);
    }
  });

  it("-- secret prints a URL-safe client secret: no character that form-decoding (client_secret_basic) would change", () => {
    for (let i = 0; i < 3; i++) {
      const secret = run("npm run --silent keygen -- secret");
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(decodeURIComponent(secret.replaceAll("+", " "))).toBe(secret);
    }
  });

  it("-- webhook prints a whsec_ secret that the configuration takes and the standardwebhooks library signs with", async () => {
    const secret = run("npm run --silent keygen -- webhook");
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhookSecretBytes(secret)).toHaveLength(32);
    const { Webhook } = await import("standardwebhooks");
    const hook = new Webhook(secret);
    const signed = hook.sign("msg_1", new Date(), "{}");
    expect(
      hook.verify("{}", { "webhook-id": "msg_1", "webhook-timestamp": String(Math.floor(Date.now() / 1000)), "webhook-signature": signed }),
    ).toEqual({});
  });
});
