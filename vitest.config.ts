import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // Live mode against the test stub (test/support/iamport-stub.ts), injected by test/support/harness.ts.
          bindings: {
            IMP_MODE: "live",
            IMP_CODE: "imp12345678",
            IMP_KEY: "test_key",
            IMP_SECRET: "test_secret",
            IDENTITY_HMAC_KEY: "test-identity-hmac-key",
            IMP_API_BASE: "https://api.iamport.test",
            TEST_MIGRATIONS: migrations,
          },
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      exclude: ["test/browser/**"],
      setupFiles: ["./test/support/apply-migrations.ts"],
    },
  };
});
