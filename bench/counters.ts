// What the console's counting costs a verification: this app beside itself as it was before the counts came in
// (BASELINE_COMMIT, built from a git worktree of it), the same verifications alternating one at a time for latency,
// then the CPU of each workerd process (/proc, local D1 included: the count is one more statement in the batch, so
// SQLite's share of it is part of what it costs) over blocks at concurrency 8 in alternating rounds.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { percentile, pool } from "../test/support/http-client.ts";
import { cpuMs, spawnedBy } from "./cpu.ts";
import { migrationsOf, newStub, type Server, startApp } from "./servers.ts";
import { OUT, step } from "./settings.ts";
import { ready, submit } from "./verification.ts";

/** The last commit before the console's counts (issue 36): the app as it was. */
export const BASELINE_COMMIT = "33743c4";

export interface CountersCost {
  baseline_commit: string;
  verifications: number;
  before_p50_ms: number;
  with_counts_p50_ms: number;
  before_cpu_ms: number;
  with_counts_cpu_ms: number;
  errors: number;
}

const git = (args: string[], cwd = ".") => spawnSync("git", args, { cwd, encoding: "utf8" });

/** The baseline's deployable bundle and migrations, built in a worktree of its commit (with this checkout's packages). */
function buildBaseline(): { scriptPath: string; migrations: string[] } | string {
  if (git(["cat-file", "-e", `${BASELINE_COMMIT}^{commit}`]).status !== 0) return `commit ${BASELINE_COMMIT} is not in this clone`;
  // Outside the checkout, so no tool of this one (biome, tsc, vitest) ever walks into it.
  const tree = join(tmpdir(), `imp-bench-baseline-${process.pid}`);
  if (existsSync(tree)) {
    git(["worktree", "remove", "--force", tree]);
    rmSync(tree, { recursive: true, force: true });
  }
  git(["worktree", "prune"]);
  const add = git(["worktree", "add", "--detach", tree, BASELINE_COMMIT]);
  if (add.status !== 0) return `git worktree add failed: ${add.stderr.trim()}`;
  symlinkSync(resolve("node_modules"), join(tree, "node_modules"), "dir");
  const out = resolve(OUT, "baseline-bundle");
  const migrations = migrationsOf(join(tree, "migrations"));
  const build = spawnSync(process.execPath, [resolve("node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", out], {
    cwd: tree,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
  });
  // The link first (unlinked, never followed), then the worktree.
  rmSync(join(tree, "node_modules"));
  git(["worktree", "remove", "--force", tree]);
  if (build.status !== 0) return `the baseline's build failed: ${build.stderr.slice(0, 300)}`;
  return { scriptPath: join(out, "index.js"), migrations };
}

async function appOf(name: "app" | "app_before", build?: { scriptPath: string; migrations: string[] }): Promise<Server> {
  const { stub, stubServer } = await newStub(name);
  const { result, pid } = await spawnedBy(() =>
    startApp({ storage: true, apiBase: stubServer.url, impKey: stub.impKey, persist: `bench-${name}`, ...(build ? { build } : {}) }),
  );
  return { name, stub, stubServer, url: result.url, logs: new Map(), pid, stop: () => result.mf.dispose() };
}

export async function measureCounters(n: number, rounds: number): Promise<CountersCost | { skipped: string }> {
  step(`the console's counts: building the app as it was at ${BASELINE_COMMIT} (a git worktree), to run beside this one`);
  const build = buildBaseline();
  if (typeof build === "string") {
    console.log(`  skipped: ${build}`);
    return { skipped: build };
  }
  const now = await appOf("app");
  const before = await appOf("app_before", build);
  let errors = 0;
  try {
    const servers = [now, before];
    const prepared = (server: Server, tag: string, count: number) =>
      pool(
        Array.from({ length: count }, (_, i) => `${tag}-${i}`),
        8,
        (id) => ready(server, id),
      );
    for (const server of servers) await pool(await prepared(server, "cnt-warm", 20), 8, submit);
    step(`the console's counts: ${n} verifications each, alternating one at a time; then the CPU of ${n} each at concurrency 8, ${rounds} round(s)`);
    const latency = new Map<Server, number[]>(servers.map((s) => [s, []]));
    const people = new Map(await Promise.all(servers.map(async (s) => [s, await prepared(s, "cnt-lat", n)] as const)));
    for (let i = 0; i < n; i++) {
      for (const server of i % 2 ? [before, now] : servers) {
        const sample = await submit(people.get(server)![i]!);
        if (sample.ok) latency.get(server)!.push(sample.ms);
        else errors++;
      }
    }
    const cpu = new Map<Server, number>(servers.map((s) => [s, 0]));
    const per = Math.ceil(n / rounds);
    for (let round = 0; round < rounds; round++) {
      for (const server of round % 2 ? [before, now] : servers) {
        const block = await prepared(server, `cnt-cpu${round}`, per);
        const t0 = cpuMs(server.pid);
        const samples = await pool(block, 8, submit);
        cpu.set(server, cpu.get(server)! + cpuMs(server.pid) - t0);
        errors += samples.filter((s) => !s.ok).length;
      }
    }
    const p50 = (s: Server) =>
      percentile(
        [...latency.get(s)!].sort((a, b) => a - b),
        50,
      );
    const result = {
      baseline_commit: BASELINE_COMMIT,
      verifications: n,
      before_p50_ms: p50(before),
      with_counts_p50_ms: p50(now),
      before_cpu_ms: cpu.get(before)! / (per * rounds),
      with_counts_cpu_ms: cpu.get(now)! / (per * rounds),
      errors,
    };
    console.log(
      `  p50 ${result.before_p50_ms.toFixed(1)} → ${result.with_counts_p50_ms.toFixed(1)} ms; CPU ${result.before_cpu_ms.toFixed(2)} → ${result.with_counts_cpu_ms.toFixed(2)} ms per verification`,
    );
    return result;
  } finally {
    for (const server of [now, before]) {
      await server.stop();
      await server.stubServer.close();
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await measureCounters(100, 2), null, 2));
}
