// npm run bench — speed, cost and size of the Worker, side by side with the naive integration that
// i'mport's identity-verification guide (휴대폰 본인인증) shows.
// Runs the deployable bundle in workerd (Miniflare) on 127.0.0.1, in live mode against a local i'mport stub that
// adds a fixed latency per call, and drives complete verifications: prepare → the stub certifies → POST /certifications.
// Modes: "cached" (this app) and "baseline" (the same app with TOKEN_CACHE=off: a new token per verification,
// as the guide's sample server does), measured in alternating rounds in one run. Loopback only, bounded, stops by itself.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { ImpStub } from "../test/support/iamport-stub.ts";
import { HttpClient, percentile, pool } from "../test/support/http-client.ts";
import { startStubServer, type StubServer } from "../test/support/stub-server.ts";
import { freePort } from "../test/support/wrangler-dev.ts";

const { values: flags } = parseArgs({
  options: {
    count: { type: "string" },
    concurrency: { type: "string" },
    latency: { type: "string" },
    rounds: { type: "string" },
    quick: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (flags.help) {
  console.log("npm run bench -- [--count 2000] [--concurrency 32] [--latency 20] [--rounds 4] [--quick] [--profile]");
  console.log("  --profile: also record a CPU profile of the Worker (this app's mode) and list where its time goes");
  process.exit(0);
}
const COUNT = Number(flags.count ?? (flags.quick ? 120 : 2000));
const CONCURRENCY = Number(flags.concurrency ?? (flags.quick ? 8 : 32));
const LATENCY_MS = Number(flags.latency ?? 20);
const ROUNDS = Number(flags.rounds ?? (flags.quick ? 1 : 4));
const WARMUP = flags.quick ? 10 : 64;
for (const [name, v] of Object.entries({ COUNT, CONCURRENCY, LATENCY_MS, ROUNDS })) {
  if (!Number.isFinite(v) || v < 0 || (name !== "LATENCY_MS" && v < 1)) throw new Error(`bad --${name.toLowerCase()}: ${v}`);
}
if (COUNT > 100_000 || CONCURRENCY > 256) throw new Error("bounded: --count ≤ 100000, --concurrency ≤ 256");

const OUT = "bench/out";
const tty = process.stdout.isTTY;
const step = (s: string) => console.log(`\n▶ ${s}`);

// ── Size and startup ───────────────────────────────────────────────────────────────────────────────────────────
step("building the deployable bundle (wrangler deploy --dry-run --outdir)");
mkdirSync(OUT, { recursive: true });
const build = spawnSync(process.execPath, ["node_modules/wrangler/bin/wrangler.js", "deploy", "--dry-run", "--outdir", join(OUT, "bundle")], {
  encoding: "utf8",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
if (build.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${build.stdout}\n${build.stderr}`);
if (flags.profile) {
  // Profile readable names: the same code, unminified (sizes below are still the deployable bundle's).
  const debug = spawnSync(process.execPath, ["node_modules/wrangler/bin/wrangler.js", "deploy", "--dry-run", "--minify=false", "--outdir", join(OUT, "bundle-debug")], {
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (debug.status !== 0) throw new Error(`unminified build failed:\n${debug.stderr}`);
}
const bundleFiles = readdirSync(join(OUT, "bundle")).filter((f) => f.endsWith(".js"));
const bundle = Buffer.concat(bundleFiles.map((f) => readFileSync(join(OUT, "bundle", f))));
const size = { raw: bundle.length, gzip: gzipSync(bundle, { level: 9 }).length, files: bundleFiles };
console.log(`  bundle: ${(size.raw / 1024).toFixed(1)} KiB raw, ${(size.gzip / 1024).toFixed(1)} KiB gzip`);

step("startup (wrangler check startup: CPU profile of the Worker's startup phase, 3 runs)");
const startups: number[] = [];
for (let i = 0; i < 3; i++) {
  const profile = join(OUT, `startup-${i}.cpuprofile`);
  const run = spawnSync(process.execPath, ["node_modules/wrangler/bin/wrangler.js", "check", "startup", "--outfile", profile], {
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
  });
  const active = /Active:\s*([\d.]+)\s*ms/.exec(run.stdout + run.stderr)?.[1];
  if (run.status !== 0 || !active) throw new Error(`wrangler check startup failed:\n${run.stdout}\n${run.stderr}`);
  startups.push(Number(active));
}
startups.sort((a, b) => a - b);
console.log(`  startup (active CPU): ${startups.map((s) => `${s} ms`).join(", ")}`);

// ── Load ───────────────────────────────────────────────────────────────────────────────────────────────────────
interface Mode {
  name: "cached" | "baseline";
  stub: ImpStub;
  server: StubServer;
  mf: Miniflare;
  url: string;
  logs: Map<string, { ms: number; upstream: Array<{ op: string; ms: number }>; token: string[]; d1: { roundTrips: number; ms: number } }>;
  samples: number[];
  errors: string[];
  elapsedMs: number;
  done: number;
  calls: { getToken: number; getCertification: number };
  inspectorPort?: number;
}

/** A CPU profile of the Worker's isolate over `work`, through workerd's inspector (Chrome DevTools Protocol). */
async function profileWorker(port: number, verifications: number, work: () => Promise<void>) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/core:user:app`);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  };
  const send = (method: string, params: object = {}) =>
    new Promise<any>((resolve) => {
      pending.set(++id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 100 });
  await send("Profiler.start");
  await work();
  const { profile } = await send("Profiler.stop");
  ws.close();
  writeFileSync(join(OUT, "worker.cpuprofile"), JSON.stringify(profile));
  // Self time per function, from the samples.
  const nodes = new Map<number, { callFrame: { functionName: string; url: string; lineNumber: number } }>(
    profile.nodes.map((n: { id: number }) => [n.id, n]),
  );
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((nodeId: number, i: number) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const frame = nodes.get(nodeId)!.callFrame;
    const key = `${frame.functionName || "(anonymous)"} ${frame.url.split("/").slice(-1)[0] ?? ""}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  const idle = [...self.entries()].filter(([k]) => k.startsWith("(idle)")).reduce((a, [, v]) => a + v, 0);
  // Shares, not absolute CPU: sampling every 100 µs slows the isolate down itself.
  console.log(
    `\n  Worker CPU profile over ${verifications} verifications: ${((100 * (total - idle)) / total).toFixed(0)} % of the isolate's time busy; top self time:`,
  );
  for (const [key, us] of [...self.entries()].filter(([k]) => !k.startsWith("(idle)")).sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`    ${((100 * us) / (total - idle)).toFixed(1).padStart(5)} %  ${key}`);
  }
  console.log(`  full profile: ${join(OUT, "worker.cpuprofile")} (open in Chrome DevTools)`);
}

const migrations = readdirSync("migrations")
  .filter((f) => /^\d+_.*\.sql$/.test(f))
  .sort()
  .flatMap((f) => readFileSync(join("migrations", f), "utf8").split("--> statement-breakpoint"))
  .map((q) => q.trim())
  .filter(Boolean);

async function startMode(name: Mode["name"]): Promise<Mode> {
  const stub = new ImpStub(`bench_${name}`, "bench_secret");
  stub.latencyMs = LATENCY_MS;
  const server = await startStubServer(stub);
  const logs: Mode["logs"] = new Map();
  const inspectorPort = flags.profile && name === "cached" ? await freePort() : undefined;
  const mf = new Miniflare(convertV4MiniflareOptions({
    name: "app",
    ...(inspectorPort ? { inspectorPort, inspectorHost: "127.0.0.1" } : {}),
    modules: true,
    scriptPath: join(OUT, inspectorPort ? "bundle-debug" : "bundle", "index.js"),
    compatibilityDate: "2026-11-01",
    host: "127.0.0.1",
    port: 0,
    bindings: {
      IMP_MODE: "live",
      IMP_CODE: "imp12345678",
      IMP_KEY: stub.impKey,
      IMP_SECRET: stub.impSecret,
      IDENTITY_HMAC_KEY: "bench-identity-hmac-key",
      IMP_API_BASE: server.url,
      IMP_TIMEOUT_MS: "5000",
      MIN_AGE: "19",
      AGE_RULE: "international",
      SESSION_TTL_SECONDS: "900",
      RATE_LIMIT: "off",
      TOKEN_CACHE: name === "cached" ? "on" : "off",
    },
    d1Databases: { DB: `bench-${name}` },
    kvNamespaces: { CACHE: `bench-${name}` },
    handleStructuredLogs: ({ message }) => {
      if (!message.startsWith("{")) return;
      try {
        const line = JSON.parse(message);
        if (line.msg === "verification") logs.set(line.request_id, line);
      } catch {
        // not ours
      }
    },
  }));
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const db = await mf.getD1Database("DB");
  for (const q of migrations) await db.prepare(q).run();
  return { name, stub, server, mf, url, logs, inspectorPort, samples: [], errors: [], elapsedMs: 0, done: 0, calls: { getToken: 0, getCertification: 0 } };
}

async function verifyOnce(mode: Mode, id: string, measure: boolean) {
  const client = new HttpClient(mode.url);
  const { merchant_uid } = await client.prepare();
  const cert = mode.stub.certify({ merchant_uid, unique_key: `CI-${mode.name}-${id}` });
  const t0 = performance.now();
  const res = await client.send("/certifications", {
    method: "POST",
    headers: { "Content-Type": "application/json", "cf-ray": id },
    body: JSON.stringify({ imp_uid: cert.imp_uid, merchant_uid }),
  });
  const body = await res.text();
  const ms = performance.now() - t0;
  if (!measure) return;
  if (res.status !== 200) mode.errors.push(`${res.status} ${body.slice(0, 120)}`);
  mode.samples.push(ms);
  mode.done++;
}

async function run(mode: Mode, n: number, round: number) {
  const before = { ...mode.stub.calls };
  const t0 = performance.now();
  await pool(Array.from({ length: n }, (_, i) => i), CONCURRENCY, (i) => verifyOnce(mode, `r${round}-${i}`, true));
  mode.elapsedMs += performance.now() - t0;
  mode.calls.getToken += mode.stub.calls.getToken - before.getToken;
  mode.calls.getCertification += mode.stub.calls.getCertification - before.getCertification;
}

const modes = [await startMode("cached"), await startMode("baseline")];
let transportFloorMs = Number.NaN;
try {
  step(`warming up (${WARMUP} verifications each, not measured)`);
  for (const mode of modes) {
    await pool(Array.from({ length: WARMUP }, (_, i) => i), CONCURRENCY, (i) => verifyOnce(mode, `warm-${i}`, false));
  }

  // The floor of this harness: a request that does nothing (GET /healthz), one at a time, through the same client.
  const floor: number[] = [];
  for (let i = 0; i < (flags.quick ? 20 : 200); i++) {
    const t0 = performance.now();
    await (await fetch(`${modes[0]!.url}/healthz`)).arrayBuffer();
    floor.push(performance.now() - t0);
  }
  floor.sort((a, b) => a - b);
  transportFloorMs = percentile(floor, 50);

  step(`measuring: ${COUNT} verifications per mode at concurrency ${CONCURRENCY}, stub latency ${LATENCY_MS} ms/call, ${ROUNDS} alternating rounds`);
  const perRound = Math.ceil(COUNT / ROUNDS);
  const total = perRound * ROUNDS * modes.length;
  const progress = setInterval(() => {
    const done = modes.reduce((s, m) => s + m.done, 0);
    const text = `  ${done}/${total} verifications (${((100 * done) / total).toFixed(0)}%)`;
    if (tty) process.stdout.write(`\r${text}`);
    else console.log(text);
  }, tty ? 300 : 5000);
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of r % 2 === 0 ? modes : [...modes].reverse()) {
      if (mode.inspectorPort && r === 0) await profileWorker(mode.inspectorPort, perRound, () => run(mode, perRound, r));
      else await run(mode, perRound, r);
    }
  }
  clearInterval(progress);
  if (tty) process.stdout.write("\n");
  await new Promise((r) => setTimeout(r, 500)); // let the last log lines arrive
} finally {
  for (const mode of modes) {
    await mode.mf.dispose();
    await mode.server.close();
  }
}

// ── Report ─────────────────────────────────────────────────────────────────────────────────────────────────────
function summarize(mode: Mode) {
  const lat = [...mode.samples].sort((a, b) => a - b);
  const measured = [...mode.logs.entries()].filter(([id]) => !id.startsWith("warm-"));
  // Overhead: the client's latency minus the time the Worker waited for i'mport (summed from its own log line
  // per request), compared percentile to percentile.
  const upstreamMs = measured.map(([, line]) => line.upstream.reduce((sum, u) => sum + u.ms, 0)).sort((a, b) => a - b);
  // Where the overhead goes: inside the Worker (its handler time minus the upstream wait) or outside it
  // (the HTTP hop from the client into workerd and back).
  const inWorker = measured.map(([, line]) => line.ms - line.upstream.reduce((sum, u) => sum + u.ms, 0)).sort((a, b) => a - b);
  const n = mode.samples.length;
  const tokenSources = measured.flatMap(([, l]) => l.token);
  const hits = tokenSources.filter((s) => s !== "fetched").length;
  const d1 = measured.map(([, l]) => l.d1.roundTrips);
  const d1Ms = measured.map(([, l]) => l.d1.ms).sort((a, b) => a - b);
  return {
    verifications: n,
    errors: mode.errors.length,
    throughput_per_s: n / (mode.elapsedMs / 1000),
    latency_ms: { p50: percentile(lat, 50), p95: percentile(lat, 95), p99: percentile(lat, 99) },
    upstream_wait_ms: { p50: percentile(upstreamMs, 50), p99: percentile(upstreamMs, 99) },
    overhead_ms: { p50: percentile(lat, 50) - percentile(upstreamMs, 50), p99: percentile(lat, 99) - percentile(upstreamMs, 99) },
    in_worker_excluding_upstream_ms: { p50: percentile(inWorker, 50), p99: percentile(inWorker, 99) },
    upstream_calls_per_verification: {
      getToken: mode.calls.getToken / n,
      getCertification: mode.calls.getCertification / n,
      total: (mode.calls.getToken + mode.calls.getCertification) / n,
    },
    d1_wait_ms: { p50: percentile(d1Ms, 50), p99: percentile(d1Ms, 99) },
    d1_round_trips_per_verification: d1.length ? d1.reduce((a, b) => a + b, 0) / d1.length : Number.NaN,
    token_cache_hit_rate: tokenSources.length ? hits / tokenSources.length : Number.NaN,
    log_lines_matched: measured.length,
  };
}
const [cached, baseline] = modes.map(summarize) as [ReturnType<typeof summarize>, ReturnType<typeof summarize>];
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const results = {
  date: new Date().toISOString(),
  machine,
  settings: { count: COUNT, concurrency: CONCURRENCY, stub_latency_ms: LATENCY_MS, rounds: ROUNDS, quick: flags.quick },
  bundle: { raw_bytes: size.raw, gzip_bytes: size.gzip },
  startup_ms: { runs: startups, median: startups[1] },
  transport_floor_ms_p50: transportFloorMs,
  cached,
  baseline,
};
writeFileSync("bench/results.json", `${JSON.stringify(results, null, 2)}\n`);

const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : "–");
const ratio = (a: number, b: number) => (b ? `${f(a / b, 2)}×` : "–");
const rows: Array<[string, string, string, string]> = [
  ["throughput (verifications/s)", f(cached.throughput_per_s), f(baseline.throughput_per_s), ratio(cached.throughput_per_s, baseline.throughput_per_s)],
  ["latency p50 (ms)", f(cached.latency_ms.p50), f(baseline.latency_ms.p50), ratio(cached.latency_ms.p50, baseline.latency_ms.p50)],
  ["latency p95 (ms)", f(cached.latency_ms.p95), f(baseline.latency_ms.p95), ratio(cached.latency_ms.p95, baseline.latency_ms.p95)],
  ["latency p99 (ms)", f(cached.latency_ms.p99), f(baseline.latency_ms.p99), ratio(cached.latency_ms.p99, baseline.latency_ms.p99)],
  ["overhead over i'mport's latency, p50 (ms)", f(cached.overhead_ms.p50), f(baseline.overhead_ms.p50), ""],
  ["overhead over i'mport's latency, p99 (ms)", f(cached.overhead_ms.p99), f(baseline.overhead_ms.p99), ""],
  ["· of which inside the Worker, p50 (ms)", f(cached.in_worker_excluding_upstream_ms.p50), f(baseline.in_worker_excluding_upstream_ms.p50), ""],
  ["upstream calls / verification", f(cached.upstream_calls_per_verification.total, 3), f(baseline.upstream_calls_per_verification.total, 3), ratio(cached.upstream_calls_per_verification.total, baseline.upstream_calls_per_verification.total)],
  ["· getToken / verification", f(cached.upstream_calls_per_verification.getToken, 3), f(baseline.upstream_calls_per_verification.getToken, 3), ""],
  ["· GET certification / verification", f(cached.upstream_calls_per_verification.getCertification, 3), f(baseline.upstream_calls_per_verification.getCertification, 3), ""],
  ["· of which waiting for D1, p50 (ms)", f(cached.d1_wait_ms.p50), f(baseline.d1_wait_ms.p50), ""],
  ["D1 round-trips / verification", f(cached.d1_round_trips_per_verification, 2), f(baseline.d1_round_trips_per_verification, 2), ""],
  ["token cache hit rate", `${f(100 * cached.token_cache_hit_rate)} %`, `${f(100 * baseline.token_cache_hit_rate)} %`, ""],
  ["errors", String(cached.errors), String(baseline.errors), ""],
];
const table = [
  `Machine: ${machine}. ${COUNT} verifications per mode at concurrency ${CONCURRENCY}, stub latency ${LATENCY_MS} ms per call, ${ROUNDS} alternating round(s); ${results.date.slice(0, 10)}.`,
  "",
  "| measure | this app | guide-style baseline (token per verification) | ratio |",
  "|---|---|---|---|",
  ...rows.map((r) => `| ${r.join(" | ")} |`),
  "",
  `Harness floor (GET /healthz through the same client, one at a time, p50): ${f(transportFloorMs)} ms. Deployable bundle: ${f(size.raw / 1024)} KiB raw, ${f(size.gzip / 1024)} KiB gzip. Startup (wrangler check startup, active CPU, median of 3): ${f(startups[1] ?? Number.NaN)} ms.`,
].join("\n");
writeFileSync("bench/results.md", `${table}\n`);
console.log(`\n${table}\n\nresults: bench/results.json, bench/results.md`);
if (cached.errors + baseline.errors > 0) {
  console.log(`errors, first: ${[...modes[0]!.errors, ...modes[1]!.errors].slice(0, 3).join(" | ")}`);
  process.exit(1);
}
