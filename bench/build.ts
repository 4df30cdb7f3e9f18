// Size and startup of the deployable bundle: what every edge location downloads and parses at every cold start.
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { flags, OUT, step, wrangler } from "./settings.ts";

export async function measureBuild() {
  step("building the deployable bundle (wrangler deploy --dry-run --outdir)");
  mkdirSync(OUT, { recursive: true });
  const build = wrangler(["deploy", "--dry-run", "--outdir", join(OUT, "bundle")]);
  if (build.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${build.stdout}\n${build.stderr}`);
  if (flags.profile) {
    // Profile readable names: the same code, unminified (sizes below are still the deployable bundle's).
    const debug = wrangler(["deploy", "--dry-run", "--minify=false", "--outdir", join(OUT, "bundle-debug")]);
    if (debug.status !== 0) throw new Error(`unminified build failed:\n${debug.stderr}`);
  }
  const bundleFiles = readdirSync(join(OUT, "bundle")).filter((f) => f.endsWith(".js"));
  const bundle = Buffer.concat(bundleFiles.map((f) => readFileSync(join(OUT, "bundle", f))));
  const size = { raw: bundle.length, gzip: gzipSync(bundle, { level: 9 }).length };
  console.log(`  bundle: ${(size.raw / 1024).toFixed(1)} KiB raw, ${(size.gzip / 1024).toFixed(1)} KiB gzip`);

  step("startup (wrangler check startup: CPU profile of the Worker's startup phase, 3 runs)");
  const startups: number[] = [];
  for (let i = 0; i < 3; i++) {
    const run = wrangler(["check", "startup", "--outfile", join(OUT, `startup-${i}.cpuprofile`)]);
    const active = /Active:\s*([\d.]+)\s*ms/.exec(run.stdout + run.stderr)?.[1];
    if (run.status !== 0 || !active) throw new Error(`wrangler check startup failed:\n${run.stdout}\n${run.stderr}`);
    startups.push(Number(active));
  }
  startups.sort((a, b) => a - b);
  console.log(`  startup (active CPU): ${startups.map((s) => `${s} ms`).join(", ")}`);
  return { size, startups };
}
