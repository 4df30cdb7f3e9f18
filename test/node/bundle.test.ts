/// <reference types="node" />
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// The deployable bundle as `wrangler deploy` builds it, with esbuild's metafile: what ships to every edge location.
const out = mkdtempSync(join(tmpdir(), "bundle-"));
const build = spawnSync("node_modules/.bin/wrangler", ["deploy", "--dry-run", "--outdir", out, "--metafile", join(out, "meta.json")], {
  encoding: "utf8",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
type Metafile = { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };
const meta: Metafile = build.status === 0 ? JSON.parse(readFileSync(join(out, "meta.json"), "utf8")) : { outputs: {} };
// The modules with bytes in the bundle (the metafile also lists what was read and then shaken off).
const inputs = Object.values(meta.outputs).flatMap((o) =>
  Object.entries(o.inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path),
);

describe("the deployable bundle", () => {
  it("builds, from the app's own modules", () => {
    expect(build.status, build.stderr).toBe(0);
    expect(inputs).toContain("src/routes/certifications.ts");
  });

  it("carries no OpenAPI description, answer schema or generator: the document is made at build time", () => {
    expect(inputs.filter((path) => /src\/routes\/(descriptions|responses)\.ts$|hono-openapi|@valibot\/to-json-schema/.test(path))).toEqual([]);
    expect(readFileSync(join(out, "index.js"), "utf8")).not.toContain("Issue a verification attempt bound to this browser");
  });

  it("routes with Hono's tiny preset alone: no module brings in the default preset and its three routers", () => {
    expect(inputs.some((path) => path.includes("hono/dist/router/pattern-router/"))).toBe(true);
    expect(
      inputs.filter((path) => /hono\/dist\/(hono\.js|router\/(reg-exp-router|smart-router)\/|router\/trie-router\/router\.js)/.test(path)),
    ).toEqual([]);
  });
});
