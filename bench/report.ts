// The report: results.json and results.md, each target judged from the data in TARGETS.
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { percentile } from "../test/support/http-client.ts";
import type { CpuCost } from "./cost.ts";
import type { CountersCost } from "./counters.ts";
import type { IsolateCost } from "./isolate.ts";
import type { LighthouseRun, PageScore } from "./lighthouse.ts";
import type { OidcCost } from "./oidc.ts";
import type { LogLine, Name, Server } from "./servers.ts";
import { COUNT, flags, LATENCY_MS, LEVELS, ROUNDS } from "./settings.ts";
import type { SmsCost } from "./sms.ts";
import type { Sample } from "./verification.ts";
import type { WebhookCost } from "./webhooks.ts";

export interface Level {
  concurrency: number;
  samples: Record<Name, Sample[]>;
  elapsedMs: Record<Name, number>;
  /** Calls to the server's provider stub: getToken and the result's GET. */
  calls: Record<Name, { getToken: number; getResult: number }>;
  requestIds: Record<Name, string[]>;
}

/** Everything one run measured. */
export interface Run {
  servers: Server[];
  levels: Level[];
  storage: { pageViews: number; pageViewsOk: number; prepares: number; preparesOk: number; attemptInPage: boolean };
  floorMs: number;
  profile?: { busy_ms_per_verification: number; top: { key: string; share: number }[] };
  size: { raw: number; gzip: number };
  startups: number[];
  oidc?: OidcCost;
  sms?: SmsCost;
  cpu?: CpuCost;
  webhooks?: WebhookCost;
  isolate?: IsolateCost;
  counters?: CountersCost | { skipped: string };
  lighthouse?: LighthouseRun;
}

/** What a verification costs where it runs, and the page on a phone (issue: the Worker's own CPU, Lighthouse). */
export const EDGE_TARGETS = {
  isolate_vs_guide_sqlite: 0.4,
  lighthouse_performance: 95,
  transfer_vs_seed: 0.5,
} as const;

/** The isolate's CPU, the console's counts and Lighthouse: a table each, targets judged. */
function edgeTables(run: Run): string {
  const f = (x: number | undefined, d = 2) => (x === undefined || Number.isNaN(x) ? "–" : x.toFixed(d));
  const out: string[] = [];
  const i = run.isolate;
  if (i) {
    const ratio = i.worker_isolate_ms / i.guide_sqlite_ms;
    out.push(
      "",
      `The Worker's own CPU (bench/isolate.ts: the app with its D1 in another process, less a baseline Worker doing the same HTTP exchanges; /proc, ${i.verifications} verifications each at concurrency 8, alternating):`,
      "",
      "| measure | ms per verification | target |",
      "|---|---|---|",
      `| the Worker's isolate (cpu.worker_isolate_ms_per_verification) | ${f(i.worker_isolate_ms)} | ≤ ${EDGE_TARGETS.isolate_vs_guide_sqlite}× the guide+SQLite: ${f(ratio)}×, ${verdict(ratio <= EDGE_TARGETS.isolate_vs_guide_sqlite)} |`,
      `| the guide's server with its users in SQLite, whole process (cpu.guide_sqlite_ms_per_verification) | ${f(i.guide_sqlite_ms)} | |`,
      `| the app's workerd process, SQLite elsewhere (whole process) | ${f(i.worker_process_ms)} | |`,
      `| the baseline Worker's process (workerd's HTTP and I/O alone) | ${f(i.baseline_process_ms)} | |`,
      `| the D1 host's process (SQLite, and its HTTP) | ${f(i.d1_host_process_ms)} | |`,
      "",
      `Where the isolate's time goes (V8 profile, self time, wall-clock samples): ${i.top
        .slice(0, 8)
        .map((t) => `${t.key.trim()} ${(100 * t.share).toFixed(1)} %`)
        .join("; ")}.`,
    );
  }
  const c = run.counters;
  if (c && "skipped" in c) out.push("", `The console's counts beside the app before them: skipped (${c.skipped}).`);
  else if (c)
    out.push(
      "",
      `The console's counts (issue 36) beside the app before them (commit ${c.baseline_commit}), ${c.verifications} verifications each: p50 ${f(c.before_p50_ms, 1)} → ${f(c.with_counts_p50_ms, 1)} ms one at a time; CPU ${f(c.before_cpu_ms)} → ${f(c.with_counts_cpu_ms)} ms per verification (whole workerd process, local D1 included).`,
    );
  const l = run.lighthouse;
  if (l) {
    const row = (name: string, p: PageScore | undefined, target = "") =>
      p ? `| ${name} | ${p.performance} | ${p.lcp_ms} | ${p.tbt_ms} | ${p.transfer_bytes} | ${target} |` : `| ${name} | – | – | – | – | |`;
    const transfer = l.app.transfer_bytes / l.seed.transfer_bytes;
    out.push(
      "",
      `The page on a phone: Lighthouse ${"12.2.3"} (mobile preset, simulated slow 4G and a mid-range CPU) in ${l.chromium}, median of 3 alternating runs; transfer without the provider's SDK (the app's stand-in ${l.app.sdk_bytes} B, the seed's ${l.seed.sdk_bytes} B):`,
      "",
      "| page | performance | LCP (ms) | TBT (ms) | transfer (bytes) | target |",
      "|---|---|---|---|---|---|",
      row(
        "this app's page (`npm run dev`)",
        l.app,
        `performance ≥ ${EDGE_TARGETS.lighthouse_performance}: ${verdict(l.app.performance >= EDGE_TARGETS.lighthouse_performance)}; transfer ≤ ${EDGE_TARGETS.transfer_vs_seed}× the seed's: ${f(transfer)}×, ${verdict(transfer <= EDGE_TARGETS.transfer_vs_seed)}`,
      ),
      row("the seed's page (jQuery 1.12.4 + the SDK tag)", l.seed),
      row("the consent page (once)", l.consent),
      row("the operator console (once)", l.console),
    );
  }
  return out.join("\n");
}

/** The CPU and size targets (issue: what a verification costs), judged in the CPU table. */
export const CPU_TARGETS = {
  verification_vs_guide_sqlite: 1.0,
  verification_stretch: 0.8,
  throughput_16_vs_guide_sqlite: 1.0,
  page_view_ms: 0.85,
  bundle_gzip_kib: 70,
  startup_ms: 30,
} as const;

/** The CPU table: each server's CPU per request, read from /proc, and the targets met or missed. */
function cpuTable(run: Run): string {
  const c = run.cpu;
  if (!c) return "";
  const f = (x: number | undefined, d = 2) => (x === undefined || Number.isNaN(x) ? "–" : x.toFixed(d));
  const { app, guide, guide_sqlite: sqlite } = c.verification_ms as Record<string, number>;
  const ratio = app! / sqlite!;
  const tRatio = c.throughput_16.app! / c.throughput_16.guide_sqlite!;
  const gzipKiB = run.size.gzip / 1024;
  const rows = [
    [
      "CPU per verification, concurrency 8 (ms)",
      f(app),
      `${f(guide)} / ${f(sqlite)}`,
      `${f(ratio)}×`,
      `≤ ${CPU_TARGETS.verification_vs_guide_sqlite}× (stretch ${CPU_TARGETS.verification_stretch}×): ${verdict(ratio <= CPU_TARGETS.verification_vs_guide_sqlite)}${ratio <= CPU_TARGETS.verification_stretch ? ", stretch met" : ""}`,
    ],
    [
      "verifications per second, concurrency 16",
      f(c.throughput_16.app, 0),
      `${f(c.throughput_16.guide, 0)} / ${f(c.throughput_16.guide_sqlite, 0)}`,
      `${f(tRatio)}×`,
      `≥ 1×: ${verdict(tRatio >= CPU_TARGETS.throughput_16_vs_guide_sqlite)}`,
    ],
    ["CPU per page view (ms)", f(c.page_view_ms), "", "", `≤ ${CPU_TARGETS.page_view_ms} ms: ${verdict(c.page_view_ms <= CPU_TARGETS.page_view_ms)}`],
    ["CPU per prepare (ms)", f(c.prepare_ms), "", "", ""],
    ["CPU per GET /healthz (ms)", f(c.healthz_ms), "", "", ""],
    ["CPU per OIDC code exchange, POST /token (ms)", f(run.oidc?.token_cpu_ms), "", "", ""],
    ["CPU per SMS confirm, verification included (ms)", f(run.sms?.confirm_cpu_ms), "", "", ""],
    [
      "CPU per verification in an authorization: without / with a webhook (its delivery included) (ms)",
      `${f(run.webhooks?.without_cpu_ms)} / ${f(run.webhooks?.with_cpu_ms)}`,
      "",
      run.webhooks ? `${f(run.webhooks.with_cpu_ms / run.webhooks.without_cpu_ms, 2)}×` : "",
      "",
    ],
    [
      "deployable bundle, gzip (KiB)",
      f(gzipKiB, 1),
      "",
      "",
      `≤ ${CPU_TARGETS.bundle_gzip_kib} KiB: ${verdict(gzipKiB <= CPU_TARGETS.bundle_gzip_kib)}`,
    ],
    [
      "startup CPU (ms)",
      f(run.startups[1], 1),
      "",
      "",
      `≤ ${CPU_TARGETS.startup_ms} ms: ${verdict((run.startups[1] ?? Infinity) <= CPU_TARGETS.startup_ms)}`,
    ],
  ];
  return [
    "",
    `CPU from /proc (user + system, process tree; workerd holds the app's local D1 and KV, the stubs count for nobody), ${c.requests} requests per measure, in ${c.rounds} alternating round(s):`,
    "",
    "| measure | this app, V1 | the guide: users in memory / in SQLite | ratio app : guide+SQLite | target |",
    "|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

type Summary = ReturnType<typeof summarize>;

/**
 * The targets against the guide's server, as data: this app (V1) beside the guide at the same concurrency, `factor`
 * times the guide's figure at most (`≤`) or at least (`≥`); `at` says which concurrency levels each one judges.
 */
export const TARGETS = {
  latency_p50: { at: (c: number) => c === 1, pick: (x: Summary) => x.latency_ms.p50, rule: "≤", factor: 0.55 },
  latency_p99: { at: (c: number) => c === 1, pick: (x: Summary) => x.latency_ms.p99, rule: "≤", factor: 1 },
  throughput: { at: (c: number) => c >= 16, pick: (x: Summary) => x.throughput_per_s, rule: "≥", factor: 1.3 },
} as const;

const verdict = (ok: boolean) => (ok ? "met" : "missed");

function judge(target: keyof typeof TARGETS, concurrency: number, app: Summary, guide: Summary): string {
  const t = TARGETS[target];
  if (!t.at(concurrency)) return "";
  const [ours, theirs] = [t.pick(app), t.pick(guide) * t.factor];
  return `${t.rule} ${t.factor}×: ${verdict(t.rule === "≤" ? ours <= theirs : ours >= theirs)}`;
}

function summarize(level: Level, name: Name, servers: Server[]) {
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
  const kvOps = sum(lines.flatMap((l) => (l.token ?? []).map((t) => (t === "kv" ? 1 : t === "fetched" ? 2 : 0))));
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

/** Writes bench/results.json and bench/results.md and prints the table; false when any verification failed. */
export function writeReport(run: Run): boolean {
  const report = run.levels.map((level) => ({
    concurrency: level.concurrency,
    app: summarize(level, "app", run.servers),
    v2: summarize(level, "v2", run.servers),
    guide: summarize(level, "guide", run.servers),
  }));
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const results = {
    date: new Date().toISOString(),
    machine,
    settings: { count: COUNT, concurrency: LEVELS, stub_latency_ms: LATENCY_MS, rounds: ROUNDS, quick: flags.quick },
    bundle: { raw_bytes: run.size.raw, gzip_bytes: run.size.gzip },
    startup_ms: { runs: run.startups, median: run.startups[1] },
    harness_floor_ms_p50: run.floorMs,
    storage: run.storage,
    levels: report,
    profile: run.profile,
    oidc: run.oidc,
    sms: run.sms,
    cpu: run.cpu && {
      ...run.cpu,
      worker_isolate_ms_per_verification: run.isolate?.worker_isolate_ms,
      guide_sqlite_ms_per_verification: run.isolate?.guide_sqlite_ms,
      isolate: run.isolate,
    },
    webhooks: run.webhooks,
    counters: run.counters,
    page: run.lighthouse && { lighthouse: run.lighthouse },
  };
  writeFileSync("bench/results.json", `${JSON.stringify(results, null, 2)}\n`);

  const f = (v: number | undefined, d = 1) => (v !== undefined && Number.isFinite(v) ? v.toFixed(d) : "–");
  const ratio = (a: number, b: number) => (b ? `${f(a / b, 2)}×` : "–");
  // Columns: measure, this app (v1), this app (v2), the guide's server, ratio v1 : guide, target (judged on v1).
  const rows: string[][] = [];
  for (const { concurrency: c, app: a, v2, guide: g } of report) {
    const row = (measure: string, pick: (x: typeof a) => number, target: string) => [
      measure,
      f(pick(a)),
      f(pick(v2)),
      f(pick(g)),
      ratio(pick(a), pick(g)),
      target,
    ];
    rows.push(
      row(`verify latency p50 (ms), concurrency ${c}`, (x) => x.latency_ms.p50, judge("latency_p50", c, a, g)),
      row(`verify latency p99 (ms), concurrency ${c}`, (x) => x.latency_ms.p99, judge("latency_p99", c, a, g)),
      row(`throughput (verifications/s), concurrency ${c}`, (x) => x.throughput_per_s, judge("throughput", c, a, g)),
    );
  }
  const last = report[report.length - 1]!;
  const noStorage = run.storage.pageViewsOk === run.storage.pageViews && run.storage.preparesOk === run.storage.prepares;
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
      run.storage.attemptInPage ? "0" : "1 (prepare)",
      "",
      "0 (merchant_uid hard-coded)",
      "",
      `0: ${verdict(run.storage.attemptInPage)}`,
    ],
    ...report.map(({ concurrency: c, app: a, v2 }) => [
      `· concurrency ${c}: the Worker's own time / waiting for D1 / waiting for the provider, p50 (ms)`,
      `${f(a.worker_own_ms_p50)} / ${f(a.d1_wait_ms_p50)} / ${f(a.upstream_wait_ms_p50)}`,
      `${f(v2.worker_own_ms_p50)} / ${f(v2.d1_wait_ms_p50)} / ${f(v2.upstream_wait_ms_p50)}`,
      "",
      "",
      "",
    ]),
    ...(run.oidc
      ? [
          [
            "OIDC: verify p50 in the page's own flow / inside an authorization (code + grant in the batch), concurrency 1 (ms)",
            `${f(run.oidc.plain_p50_ms)} / ${f(run.oidc.in_authorization_p50_ms)}`,
            "",
            "–",
            "",
            `+${f(run.oidc.in_authorization_p50_ms - run.oidc.plain_p50_ms)} ms`,
          ],
          ["OIDC: POST /token p50, concurrency 1 (ms)", f(run.oidc.token_p50_ms), "", "–", "", ""],
        ]
      : []),
    ...(run.webhooks
      ? [
          [
            "Webhooks: verify p50 in an authorization, client without / with a webhook (outbox row in the batch, queue hand-over after the answer), concurrency 1 (ms)",
            `${f(run.webhooks.without_p50_ms)} / ${f(run.webhooks.with_p50_ms)}`,
            "",
            "–",
            "",
            `+${f(run.webhooks.with_p50_ms - run.webhooks.without_p50_ms)} ms`,
          ],
        ]
      : []),
    ...(run.sms
      ? [
          [
            "SMS: POST /certifications/sms/send / confirm p50, concurrency 1 (ms; confirm includes the verification)",
            `${f(run.sms.send_p50_ms)} / ${f(run.sms.confirm_p50_ms)}`,
            "",
            "–",
            "",
            "",
          ],
        ]
      : []),
    ["errors", ...(["app", "v2", "guide"] as const).map((n) => String(report.reduce((sum, l) => sum + l[n].errors, 0))), "", ""],
  );
  const table = [
    `Machine: ${machine}. ${COUNT} timed verifications per server and concurrency level, stub latency ${LATENCY_MS} ms per call, ${ROUNDS} alternating round(s); ${results.date.slice(0, 10)}.`,
    "",
    "| measure | this app, V1 | this app, V2 | the guide's server (Express + axios) | ratio V1 : guide | target |",
    "|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
    "",
    `Harness floor (GET /healthz through the same client, one at a time, p50): ${f(run.floorMs)} ms. Deployable bundle: ${f(run.size.raw / 1024)} KiB raw, ${f(run.size.gzip / 1024)} KiB gzip. Startup (wrangler check startup, active CPU, median of 3): ${f(run.startups[1])} ms.${run.profile ? ` Worker CPU per verification (profiled, upper bound): ${f(run.profile.busy_ms_per_verification, 2)} ms.` : ""}`,
    cpuTable(run),
    edgeTables(run),
  ].join("\n");
  writeFileSync("bench/results.md", `${table}\n`);
  console.log(`\n${table}\n\nresults: bench/results.json, bench/results.md`);
  const errors = report.flatMap((l) => [l.app.first_error, l.v2.first_error, l.guide.first_error]).filter(Boolean);
  if (run.oidc?.errors) errors.push(`${run.oidc.errors} OIDC errors`);
  if (run.sms?.errors) errors.push(`${run.sms.errors} SMS errors`);
  if (run.webhooks?.errors) errors.push(`${run.webhooks.errors} webhook errors`);
  if (run.cpu?.errors) errors.push(`${run.cpu.errors} errors in the CPU measures`);
  if (run.isolate?.errors) errors.push(`${run.isolate.errors} errors in the isolate's measure`);
  if (run.counters && "errors" in run.counters && run.counters.errors) errors.push(`${run.counters.errors} errors beside the app before its counts`);
  if (errors.length > 0 || run.storage.pageViewsOk < run.storage.pageViews || run.storage.preparesOk < run.storage.prepares) {
    console.log(`errors, first: ${errors.slice(0, 3).join(" | ")}`);
    return false;
  }
  return true;
}
