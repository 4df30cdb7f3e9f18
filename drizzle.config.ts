import { defineConfig } from "drizzle-kit";

// Generates the flat migrations/NNNN_name.sql files that `wrangler d1 migrations apply` and the tests read.
export default defineConfig({
  dialect: "sqlite",
  schema: ["./src/db/schema.ts", "./src/sandbox/schema.ts"],
  out: "./migrations",
});
