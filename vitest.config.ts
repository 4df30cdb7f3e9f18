import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    test: {
      silent: "passed-only" as const,
      projects: [
        {
          // The Worker in workerd, with real local D1 and KV, against the i'mport stub (test/support).
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                // Live mode; test/support/harness.ts injects the stub as the upstream.
                bindings: {
                  IMP_MODE: "live",
                  IMP_CODE: "imp12345678",
                  IMP_KEY: "test_key",
                  IMP_SECRET: "test_secret",
                  IDENTITY_HMAC_KEY: "9yDJS8FGjQGCW3NEz-mda7Y-J-w_D5rdxr7prM8xx8s",
                  IMP_API_BASE: "https://api.iamport.test",
                  // PORTONE_VERSION stays v1; the V2 tests switch it on per harness.
                  PORTONE_STORE_ID: "store-test-0001",
                  PORTONE_CHANNEL_KEY: "channel-key-test-0001",
                  PORTONE_API_SECRET: "test_portone_secret",
                  PORTONE_API_BASE: "https://api.portone.test",
                  RATE_LIMIT: "off", // test/api/rate-limit.test.ts turns it on
                  TEST_MIGRATIONS: migrations,
                },
              },
            }),
          ],
          test: {
            name: "worker",
            include: ["test/**/*.test.ts"],
            exclude: ["test/browser/**", "test/node/**"],
            setupFiles: ["./test/support/apply-migrations.ts"],
          },
        },
        {
          // The project's own tools, run as a user runs them (npm scripts, the documented commands).
          test: { name: "node", include: ["test/node/**/*.test.ts"], environment: "node", testTimeout: 60_000 },
        },
        {
          // The page in headless Chromium, against `wrangler dev` in sandbox mode (test/browser/global-setup.ts).
          test: {
            name: "browser",
            include: ["test/browser/**/*.test.ts"],
            environment: "node",
            globalSetup: ["./test/browser/global-setup.ts"],
            testTimeout: 60_000,
            // Hooks start `wrangler dev` servers: a busy machine needs minutes, not seconds.
            hookTimeout: 300_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
