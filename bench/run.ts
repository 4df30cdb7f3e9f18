// npm run bench — speed, cost and size of the Worker, side by side with the integration a site would otherwise
// deploy: the server that i'mport's identity-verification guide (휴대폰 본인인증) writes (bench/guide-server.mjs:
// Express + axios, a new token for every request), run as its own process against its own copy of the same stub.
// The Worker runs as its deployable bundle in workerd (Miniflare), in live mode, on 127.0.0.1 — not behind
// `wrangler dev`, whose local proxy saturates near 600 requests/s and would measure itself. Each stub adds a fixed
// latency per call. Verifications are timed from POST /certifications to its answer (the attempt is prepared and
// certified by the stub before the clock starts), at each concurrency level, in alternating rounds in one run.
// Loopback only, bounded, stops by itself.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { HttpClient, percentile, pool } from "../test/support/http-client.ts";
import { ImpStub } from "../test/support/iamport-stub.ts";
import { PortOneStub, STUB_CHANNEL_KEY } from "../test/support/portone-stub.ts";
import { type StubServer, startStubServer } from "../test/support/stub-server.ts";
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
  console.log("npm run bench -- [--count 400] [--concurrency 1,16] [--latency 20] [--rounds 2] [--quick] [--profile]");
  console.log("  --count: timed verifications per server and concurrency level");
  console.log("  --profile: also record a CPU profile of the Worker and list where its time goes");
  process.exit(0);
}
const COUNT = Number(flags.count ?? (flags.quick ? 60 : 400));
const LEVELS = (flags.concurrency ?? "1,16").split(",").map(Number);
const LATENCY_MS = Number(flags.latency ?? 20);
const ROUNDS = Number(flags.rounds ?? (flags.quick ? 1 : 2));
const WARMUP = flags.quick ? 10 : 50;
const PROBES = flags.quick ? 20 : 100;
for (const [name, v] of Object.entries({ COUNT, LATENCY_MS, ROUNDS, ...Object.fromEntries(LEVELS.map((l, i) => [`concurrency${i}`, l])) })) {
  if (!Number.isFinite(v) || v < 0 || (name !== "LATENCY_MS" && v < 1)) throw new Error(`bad --${name.toLowerCase()}: ${v}`);
}
if (COUNT > 100_000 || LEVELS.some((l) => l > 256)) throw new Error("bounded: --count ≤ 100000, --concurrency ≤ 256");

const OUT = "bench/out";
const tty = process.stdout.isTTY;
const step = (s: string) => console.log(`\n▶ ${s}`);
const wrangler = (args: string[]) =>
  spawnSync(process.execPath, ["node_modules/wrangler/bin/wrangler.js", ...args], {
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
  });

// ── Size and startup ───────────────────────────────────────────────────────────────────────────────────────────
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

// ── The two servers ────────────────────────────────────────────────────────────────────────────────────────────
interface LogLine {
  ms: number;
  upstream: Array<{ op: string; ms: number }>;
  token: string[];
  d1: { roundTrips: number; ms: number };
}

type Name = "app" | "v2" | "guide";

interface Server {
  /** This app with i'mport (V1), this app with PortOne V2, the guide's server. */
  name: Name;
  stub: ImpStub;
  /** V2's upstream, for the app with PORTONE_VERSION=v2. */
  portone?: PortOneStub;
  stubServer: StubServer;
  url: string;
  /** The app's verification log lines by request id (the guide logs nothing). */
  logs: Map<string, LogLine>;
  stop(): Promise<void>;
  inspectorPort?: number;
}

const migrations = readdirSync("migrations")
  .filter((f) => /^\d+_.*\.sql$/.test(f))
  .sort()
  .flatMap((f) => readFileSync(join("migrations", f), "utf8").split("--> statement-breakpoint"))
  .map((q) => q.trim())
  .filter(Boolean);

// A receipt key, as a site integration sets one: every verification then signs its receipt (ES256), as deployed.
const receiptJwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });

const APP_VARS = {
  IMP_MODE: "live",
  IMP_CODE: "imp12345678",
  IDENTITY_HMAC_KEY: "bench-identity-hmac-key-of-at-least-32-characters",
  IMP_TIMEOUT_MS: "5000",
  RATE_LIMIT: "off",
  RECEIPT_PRIVATE_KEY: JSON.stringify({ ...receiptJwk, kid: "bench" }),
};

async function newStub(name: string) {
  const stub = new ImpStub(`bench_${name}`, "bench_secret");
  stub.latencyMs = LATENCY_MS;
  return { stub, stubServer: await startStubServer(stub) };
}

/** The app's bundle in workerd. `storage: false` starts it with no D1 and no KV binding at all. */
async function startApp(options: {
  storage: boolean;
  inspectorPort?: number;
  logs?: Map<string, LogLine>;
  apiBase: string;
  impKey: string;
  vars?: Record<string, string>;
  persist?: string;
}) {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      name: "app",
      ...(options.inspectorPort ? { inspectorPort: options.inspectorPort, inspectorHost: "127.0.0.1" } : {}),
      modules: true,
      scriptPath: join(OUT, options.inspectorPort ? "bundle-debug" : "bundle", "index.js"),
      compatibilityDate: "2026-11-01",
      host: "127.0.0.1",
      port: 0,
      bindings: { ...APP_VARS, IMP_KEY: options.impKey, IMP_SECRET: "bench_secret", IMP_API_BASE: options.apiBase, ...options.vars },
      ...(options.storage ? { d1Databases: { DB: options.persist ?? "bench-app" }, kvNamespaces: { CACHE: options.persist ?? "bench-app" } } : {}),
      handleStructuredLogs: ({ message }) => {
        if (!options.logs || !message.startsWith("{")) return;
        try {
          const line = JSON.parse(message);
          if (line.msg === "verification") options.logs.set(line.request_id, line);
        } catch {
          // not ours
        }
      },
    }),
  );
  const url = (await mf.ready).toString().replace(/\/$/, "");
  if (options.storage) {
    const db = await mf.getD1Database("DB");
    for (const q of migrations) await db.prepare(q).run();
  }
  return { mf, url };
}

async function appServer(): Promise<Server> {
  const { stub, stubServer } = await newStub("app");
  const logs = new Map<string, LogLine>();
  const inspectorPort = flags.profile ? await freePort() : undefined;
  const { mf, url } = await startApp({ storage: true, inspectorPort, logs, apiBase: stubServer.url, impKey: stub.impKey });
  return { name: "app", stub, stubServer, url, logs, inspectorPort, stop: () => mf.dispose() };
}

/** The same bundle with PORTONE_VERSION=v2, against its own PortOne stub. */
async function appV2Server(): Promise<Server> {
  const stub = new ImpStub("bench_v2_unused", "bench_secret"); // V2 needs no token: never called
  const portone = new PortOneStub("bench_portone_secret");
  portone.latencyMs = LATENCY_MS;
  const stubServer = await startStubServer(portone);
  const logs = new Map<string, LogLine>();
  const { mf, url } = await startApp({
    storage: true,
    logs,
    apiBase: stubServer.url,
    impKey: stub.impKey,
    persist: "bench-v2",
    vars: {
      PORTONE_VERSION: "v2",
      PORTONE_STORE_ID: "store-bench",
      PORTONE_CHANNEL_KEY: STUB_CHANNEL_KEY,
      PORTONE_API_SECRET: portone.secret,
      PORTONE_API_BASE: stubServer.url,
    },
  });
  return { name: "v2", stub, portone, stubServer, url, logs, stop: () => mf.dispose() };
}

async function guideServer(): Promise<Server> {
  const { stub, stubServer } = await newStub("guide");
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ["bench/guide-server.mjs", String(port), stubServer.url], {
    env: { ...process.env, IMP_KEY: stub.impKey, IMP_SECRET: "bench_secret" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the guide's server exited:\n${output}`);
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 100) throw new Error(`the guide's server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: "guide",
    stub,
    stubServer,
    url,
    logs: new Map(),
    stop: async () => {
      child.kill();
      await new Promise((r) => child.once("exit", r));
    },
  };
}

// ── One verification ───────────────────────────────────────────────────────────────────────────────────────────
interface Sample {
  ms: number;
  ok: boolean;
  error?: string;
}

let sequence = 0;

/** A person certified by the stub for a fresh attempt (the app's from prepare), ready to submit: not timed. */
async function ready(server: Server, requestId: string) {
  const client = new HttpClient(server.url);
  if (server.portone) {
    const { identity_verification_id: id } = (await client.prepare()) as unknown as { identity_verification_id: string };
    server.portone.verify(id, { ci: `CI-${server.name}-${requestId}` });
    return { client, body: JSON.stringify({ identity_verification_id: id }), requestId };
  }
  // The guide issues no attempt (its page hard-codes a merchant_uid); the app's comes from prepare.
  const merchant_uid = server.name === "app" ? (await client.prepare()).merchant_uid : `ORD${Date.now()}${sequence++}`;
  const cert = server.stub.certify({ merchant_uid, unique_key: `CI-${server.name}-${requestId}`, birthday: "1990-01-01", birth: 631119600 });
  const body = JSON.stringify(server.name === "app" ? { imp_uid: cert.imp_uid, merchant_uid } : { imp_uid: cert.imp_uid });
  return { client, body, requestId };
}

/** The timed part: POST /certifications and its whole answer. */
async function submit({ client, body, requestId }: Awaited<ReturnType<typeof ready>>): Promise<Sample> {
  const t0 = performance.now();
  const res = await client.send("/certifications", {
    method: "POST",
    headers: { "Content-Type": "application/json", "cf-ray": requestId },
    body,
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  return res.status === 200 ? { ms, ok: true } : { ms, ok: false, error: `${res.status} ${text.slice(0, 120)}` };
}

const verifyOnce = async (server: Server, requestId: string) => submit(await ready(server, requestId));

/** A CPU profile of the Worker's isolate over `work`, through workerd's inspector (Chrome DevTools Protocol). */
async function profileWorker(port: number, verifications: number, work: () => Promise<number>) {
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
    new Promise<unknown>((resolve) => {
      pending.set(++id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 100 });
  await send("Profiler.start");
  await work();
  type CpuProfile = {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const { profile } = (await send("Profiler.stop")) as { profile: CpuProfile };
  ws.close();
  writeFileSync(join(OUT, "worker.cpuprofile"), JSON.stringify(profile));
  const nodes = new Map<number, { callFrame: { functionName: string; url: string; lineNumber: number } }>(
    profile.nodes.map((n) => [n.id, n]),
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
  const busyMs = (total - idle) / 1000;
  // Sampling every 100 µs slows the isolate itself: an upper bound of its CPU time, and shares of it.
  console.log(
    `\n  Worker CPU profile over ${verifications} verifications: ${(busyMs / verifications).toFixed(2)} ms busy per verification (profiler included); top self time:`,
  );
  const top = [...self.entries()]
    .filter(([k]) => !k.startsWith("(idle)"))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15);
  for (const [key, us] of top) console.log(`    ${((100 * us) / (total - idle)).toFixed(1).padStart(5)} %  ${key}`);
  console.log(`  full profile: ${join(OUT, "worker.cpuprofile")} (open in Chrome DevTools)`);
  return { busy_ms_per_verification: busyMs / verifications, top: top.map(([key, us]) => ({ key, share: us / (total - idle) })) };
}

// ── Run ────────────────────────────────────────────────────────────────────────────────────────────────────────
interface Level {
  concurrency: number;
  samples: Record<Name, Sample[]>;
  elapsedMs: Record<Name, number>;
  /** Calls to the server's provider stub: getToken and the result's GET. */
  calls: Record<Name, { getToken: number; getResult: number }>;
  requestIds: Record<Name, string[]>;
}

const servers = [await appServer(), await appV2Server(), await guideServer()];
const [app] = servers as [Server, Server, Server];
const callsOf = (server: Server) => ({
  getToken: server.stub.calls.getToken,
  getResult: server.portone ? server.portone.calls.getIdentityVerification : server.stub.calls.getCertification,
});
const levels: Level[] = [];
const storage = { pageViews: 0, pageViewsOk: 0, prepares: 0, preparesOk: 0, attemptInPage: false };
let profile: Awaited<ReturnType<typeof profileWorker>> | undefined;
let floorMs = Number.NaN;
try {
  // A page view and a prepare must cost no storage: served by the same bundle with no D1 and no KV binding at
  // all, they would fail on the first touch.
  step(`page views and prepares with no D1 and no KV binding (${PROBES} each)`);
  const bare = await startApp({ storage: false, apiBase: app.stubServer.url, impKey: app.stub.impKey });
  try {
    await pool(
      Array.from({ length: PROBES }, (_, i) => i),
      8,
      async () => {
        const client = new HttpClient(bare.url);
        const page = await client.send("/");
        const html = await page.text();
        storage.pageViews++;
        if (page.status === 200) storage.pageViewsOk++;
        storage.attemptInPage ||= /"attempt":\{"provider":"v1","merchant_uid":"[A-Za-z0-9]{40}"/.test(html);
        const prepare = await client.send("/certifications/prepare", { method: "POST" });
        storage.prepares++;
        if (prepare.status === 201) storage.preparesOk++;
        await prepare.arrayBuffer();
      },
    );
  } finally {
    await bare.mf.dispose();
  }
  console.log(
    `  ${storage.pageViewsOk}/${storage.pageViews} page views, ${storage.preparesOk}/${storage.prepares} prepares answered; attempt in the page: ${storage.attemptInPage}`,
  );

  step(`warming up (${WARMUP} verifications each, not measured)`);
  for (const server of servers)
    await pool(
      Array.from({ length: WARMUP }, (_, i) => i),
      8,
      (i) => verifyOnce(server, `warm-${i}`),
    );

  const floor: number[] = [];
  for (let i = 0; i < (flags.quick ? 20 : 200); i++) {
    const t0 = performance.now();
    await (await fetch(`${app.url}/healthz`)).arrayBuffer();
    floor.push(performance.now() - t0);
  }
  floor.sort((a, b) => a - b);
  floorMs = percentile(floor, 50);

  for (const concurrency of LEVELS) {
    step(
      `measuring: ${COUNT} verifications per server at concurrency ${concurrency}, stub latency ${LATENCY_MS} ms/call, ${ROUNDS} alternating round(s)`,
    );
    const level: Level = {
      concurrency,
      samples: { app: [], v2: [], guide: [] },
      elapsedMs: { app: 0, v2: 0, guide: 0 },
      calls: { app: { getToken: 0, getResult: 0 }, v2: { getToken: 0, getResult: 0 }, guide: { getToken: 0, getResult: 0 } },
      requestIds: { app: [], v2: [], guide: [] },
    };
    levels.push(level);
    const perRound = Math.ceil(COUNT / ROUNDS);
    const total = perRound * ROUNDS * servers.length;
    const progress = setInterval(
      () => {
        const done = level.samples.app.length + level.samples.v2.length + level.samples.guide.length;
        const text = `  ${done}/${total} verifications (${((100 * done) / total).toFixed(0)}%)`;
        if (tty) process.stdout.write(`\r${text}`);
        else console.log(text);
      },
      tty ? 300 : 5000,
    );
    for (let r = 0; r < ROUNDS; r++) {
      for (const server of r % 2 === 0 ? servers : [...servers].reverse()) {
        const people = await pool(
          Array.from({ length: perRound }, (_, i) => `c${concurrency}-r${r}-${i}`),
          8,
          (id) => ready(server, id),
        );
        level.requestIds[server.name].push(...people.map((p) => p.requestId));
        const before = callsOf(server);
        const work = async () => {
          const t0 = performance.now();
          await pool(people, concurrency, async (person) => level.samples[server.name].push(await submit(person)));
          return performance.now() - t0;
        };
        const profiled = server.inspectorPort && server.name === "app" && r === 0 && concurrency === LEVELS[LEVELS.length - 1];
        if (profiled) {
          let elapsed = 0;
          profile = await profileWorker(server.inspectorPort!, perRound, async () => (elapsed = await work()));
          level.elapsedMs[server.name] += elapsed;
        } else {
          level.elapsedMs[server.name] += await work();
        }
        const after = callsOf(server);
        level.calls[server.name].getToken += after.getToken - before.getToken;
        level.calls[server.name].getResult += after.getResult - before.getResult;
      }
    }
    clearInterval(progress);
    if (tty) process.stdout.write("\n");
  }
  await new Promise((r) => setTimeout(r, 500)); // let the last log lines arrive
} finally {
  for (const server of servers) {
    await server.stop();
    await server.stubServer.close();
  }
}

// ── Report ─────────────────────────────────────────────────────────────────────────────────────────────────────
function summarize(level: Level, name: Name) {
  const samples = level.samples[name];
  const lat = samples.map((s) => s.ms).sort((a, b) => a - b);
  const n = samples.length;
  const calls = level.calls[name];
  const logs = servers.find((server) => server.name === name)!.logs;
  const lines = level.requestIds[name].map((id) => logs.get(id)).filter((l): l is LogLine => !!l);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const upstreamWait = lines.map((l) => sum(l.upstream.map((u) => u.ms))).sort((a, b) => a - b);
  const inWorker = lines.map((l) => l.ms - sum(l.upstream.map((u) => u.ms)) - l.d1.ms).sort((a, b) => a - b);
  const d1Wait = lines.map((l) => l.d1.ms).sort((a, b) => a - b);
  // KV: a token found in KV is one read; a token fetched from i'mport is one read (a miss) and one write.
  const kvOps = sum(lines.flatMap((l) => l.token.map((t) => (t === "kv" ? 1 : t === "fetched" ? 2 : 0))));
  return {
    verifications: n,
    errors: samples.filter((s) => !s.ok).length,
    first_error: samples.find((s) => !s.ok)?.error,
    throughput_per_s: n / (level.elapsedMs[name] / 1000),
    latency_ms: { p50: percentile(lat, 50), p99: percentile(lat, 99) },
    upstream_calls_per_verification: (calls.getToken + calls.getResult) / n,
    get_token_per_verification: calls.getToken / n,
    ...(name !== "guide"
      ? {
          log_lines: lines.length,
          upstream_wait_ms_p50: percentile(upstreamWait, 50),
          d1_round_trips_per_verification: sum(lines.map((l) => l.d1.roundTrips)) / lines.length,
          d1_wait_ms_p50: percentile(d1Wait, 50),
          kv_ops_per_verification: kvOps / lines.length,
          worker_own_ms_p50: percentile(inWorker, 50),
        }
      : {}),
  };
}

const report = levels.map((level) => ({
  concurrency: level.concurrency,
  app: summarize(level, "app"),
  v2: summarize(level, "v2"),
  guide: summarize(level, "guide"),
}));
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const results = {
  date: new Date().toISOString(),
  machine,
  settings: { count: COUNT, concurrency: LEVELS, stub_latency_ms: LATENCY_MS, rounds: ROUNDS, quick: flags.quick },
  bundle: { raw_bytes: size.raw, gzip_bytes: size.gzip },
  startup_ms: { runs: startups, median: startups[1] },
  harness_floor_ms_p50: floorMs,
  storage,
  levels: report,
  profile,
};
writeFileSync("bench/results.json", `${JSON.stringify(results, null, 2)}\n`);

const f = (v: number | undefined, d = 1) => (v !== undefined && Number.isFinite(v) ? v.toFixed(d) : "–");
const ratio = (a: number, b: number) => (b ? `${f(a / b, 2)}×` : "–");
const verdict = (ok: boolean) => (ok ? "met" : "missed");
// Columns: measure, this app (v1), this app (v2), the guide's server, ratio v1 : guide, target (judged on v1).
const rows: string[][] = [];
for (const { concurrency: c, app: a, v2, guide: g } of report) {
  const single = c === 1;
  const row = (measure: string, pick: (x: typeof a) => number, target: string) => [
    measure,
    f(pick(a)),
    f(pick(v2)),
    f(pick(g)),
    ratio(pick(a), pick(g)),
    target,
  ];
  rows.push(
    row(
      `verify latency p50 (ms), concurrency ${c}`,
      (x) => x.latency_ms.p50,
      single ? `≤ 0.55×: ${verdict(a.latency_ms.p50 <= 0.55 * g.latency_ms.p50)}` : "",
    ),
    row(`verify latency p99 (ms), concurrency ${c}`, (x) => x.latency_ms.p99, single ? `≤ 1×: ${verdict(a.latency_ms.p99 <= g.latency_ms.p99)}` : ""),
    row(
      `throughput (verifications/s), concurrency ${c}`,
      (x) => x.throughput_per_s,
      c >= 16 ? `≥ 1.3×: ${verdict(a.throughput_per_s >= 1.3 * g.throughput_per_s)}` : "",
    ),
  );
}
const last = report[report.length - 1]!;
const noStorage = storage.pageViewsOk === storage.pageViews && storage.preparesOk === storage.prepares;
rows.push(
  [
    "upstream calls / verification",
    f(last.app.upstream_calls_per_verification, 3),
    f(last.v2.upstream_calls_per_verification, 3),
    f(last.guide.upstream_calls_per_verification, 3),
    ratio(last.app.upstream_calls_per_verification, last.guide.upstream_calls_per_verification),
    `≤ 1.01: ${verdict(last.app.upstream_calls_per_verification <= 1.01)}; v2 = 1: ${verdict(last.v2.upstream_calls_per_verification === 1)}`,
  ],
  [
    "D1 round-trips / verification",
    f(last.app.d1_round_trips_per_verification, 2),
    f(last.v2.d1_round_trips_per_verification, 2),
    "– (in memory)",
    "",
    "",
  ],
  ["KV operations / verification", f(last.app.kv_ops_per_verification, 3), f(last.v2.kv_ops_per_verification, 3), "–", "", ""],
  ["D1 and KV operations / page view and / prepare", noStorage ? "0" : "> 0", "", "–", "", `0: ${verdict(noStorage)}`],
  [
    "requests before the start button works",
    storage.attemptInPage ? "0" : "1 (prepare)",
    "",
    "0 (merchant_uid hard-coded)",
    "",
    `0: ${verdict(storage.attemptInPage)}`,
  ],
  ...report.map(({ concurrency: c, app: a, v2 }) => [
    `· concurrency ${c}: the Worker's own time / waiting for D1 / waiting for the provider, p50 (ms)`,
    `${f(a.worker_own_ms_p50)} / ${f(a.d1_wait_ms_p50)} / ${f(a.upstream_wait_ms_p50)}`,
    `${f(v2.worker_own_ms_p50)} / ${f(v2.d1_wait_ms_p50)} / ${f(v2.upstream_wait_ms_p50)}`,
    "",
    "",
    "",
  ]),
  ["errors", ...(["app", "v2", "guide"] as const).map((n) => String(report.reduce((sum, l) => sum + l[n].errors, 0))), "", ""],
);
const table = [
  `Machine: ${machine}. ${COUNT} timed verifications per server and concurrency level, stub latency ${LATENCY_MS} ms per call, ${ROUNDS} alternating round(s); ${results.date.slice(0, 10)}.`,
  "",
  "| measure | this app, V1 | this app, V2 | the guide's server (Express + axios) | ratio V1 : guide | target |",
  "|---|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.join(" | ")} |`),
  "",
  `Harness floor (GET /healthz through the same client, one at a time, p50): ${f(floorMs)} ms. Deployable bundle: ${f(size.raw / 1024)} KiB raw, ${f(size.gzip / 1024)} KiB gzip. Startup (wrangler check startup, active CPU, median of 3): ${f(startups[1])} ms.${profile ? ` Worker CPU per verification (profiled, upper bound): ${f(profile.busy_ms_per_verification, 2)} ms.` : ""}`,
].join("\n");
writeFileSync("bench/results.md", `${table}\n`);
console.log(`\n${table}\n\nresults: bench/results.json, bench/results.md`);
const errors = report.flatMap((l) => [l.app.first_error, l.v2.first_error, l.guide.first_error]).filter(Boolean);
if (errors.length > 0 || storage.pageViewsOk < storage.pageViews || storage.preparesOk < storage.prepares) {
  console.log(`errors, first: ${errors.slice(0, 3).join(" | ")}`);
  process.exit(1);
}
