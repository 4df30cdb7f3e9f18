// What Cloudflare bills a verification: the CPU of the Worker's own isolate. A local D1 runs on the thread of the
// Worker that calls it, so /proc cannot tell SQLite's work from the app's, and a V8 profile of the isolate samples
// wall-clock time (workerd never tells V8 when it waits: a profile counts more than its whole process uses). So:
// 1. the app's bundle runs with its D1 in another workerd process (bench/isolate/entry.ts, d1-host.js), as D1 runs
//    off the Worker's machine in production: its process then holds the isolate and workerd's own work (its HTTP in
//    and out, the bindings' I/O);
// 2. a baseline Worker in the same setup does only the same exchanges — the request in, the provider's GET, the D1
//    round-trip with the same batch (answered without running it), the same answer out (bench/isolate/baseline.js);
// 3. the isolate's CPU per verification is the app's process less the baseline's, both from /proc over the same
//    number of requests at concurrency 8, alternating in rounds with the guide's server with its users in SQLite
//    (its whole process, Node's HTTP server included, as a site pays for it).
// What the difference leaves out: workerd's HTTP and I/O work (the baseline does it too). What it keeps: the app's
// JavaScript, its garbage collection and Web Crypto, and the D1 binding's serialisation (a real binding serialises
// too). A V8 profile over the same verifications says where the isolate's time goes (shares, not milliseconds).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { pool } from "../test/support/http-client.ts";
import { freePort } from "../test/support/wrangler-dev.ts";
import { cpuMs, spawnedBy } from "./cpu.ts";
import { APP_VARS, migrations, newStub, type Server } from "./servers.ts";
import { OUT, step, wrangler } from "./settings.ts";
import { profileWorker, ready, submit } from "./verification.ts";

export interface IsolateCost {
  verifications: number;
  /** The isolate's CPU per verification: the app's process (SQLite elsewhere) less the baseline's, /proc. */
  worker_isolate_ms: number;
  /** The app's workerd process, SQLite elsewhere: the isolate, workerd's HTTP and bindings' work (/proc). */
  worker_process_ms: number;
  /** The baseline Worker's process, the same exchanges and nothing else (/proc). */
  baseline_process_ms: number;
  /** The D1 host's process (/proc): SQLite, and its own HTTP. */
  d1_host_process_ms: number;
  /** The guide's server with its users in SQLite (/proc), the same verifications. */
  guide_sqlite_ms: number;
  /** Where the isolate's time goes: the profile's top self-time entries (wall-clock samples, so shares only). */
  top: { key: string; share: number }[];
  errors: number;
}

function buildIsolateBundle() {
  // Unminified, so the profile's entries read as the source's names (minifying changes names, not work).
  const out = join(OUT, "isolate-bundle");
  const build = wrangler(["deploy", "--dry-run", "--minify=false", "--outdir", out, "bench/isolate/entry.ts"]);
  if (build.status !== 0) throw new Error(`isolate build failed:\n${build.stdout}\n${build.stderr}`);
  return join(out, "entry.js");
}

async function startD1Host() {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      name: "d1-host",
      modules: true,
      script: readFileSync("bench/isolate/d1-host.js", "utf8"),
      compatibilityDate: "2026-11-01",
      host: "127.0.0.1",
      port: await freePort(),
      d1Databases: { DB: "bench-isolate" },
    }),
  );
  const url = new URL(await mf.ready);
  const db = await mf.getD1Database("DB");
  for (const q of migrations) await db.prepare(q).run();
  return { mf, address: `127.0.0.1:${url.port}` };
}

/** The app's bundle in workerd, its D1 in the host's process, its profile open on an inspector port. */
async function startIsolateApp(scriptPath: string, d1Address: string) {
  const { stub, stubServer } = await newStub("app_isolate");
  const inspectorPort = await freePort();
  const { result: mf, pid } = await spawnedBy(async () => {
    const mf = new Miniflare(
      convertV4MiniflareOptions({
        name: "app",
        inspectorPort,
        inspectorHost: "127.0.0.1",
        modules: true,
        scriptPath,
        compatibilityDate: "2026-11-01",
        host: "127.0.0.1",
        port: 0,
        bindings: { ...APP_VARS, IMP_KEY: stub.impKey, IMP_SECRET: "bench_secret", IMP_API_BASE: stubServer.url },
        kvNamespaces: { CACHE: "bench-isolate" },
        serviceBindings: { D1_HOST: { external: { address: d1Address, http: {} } } },
        // Its log lines are not read here.
        handleStructuredLogs: () => {},
      }),
    );
    await mf.ready;
    return mf;
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const server: Server = { name: "app_isolate", stub, stubServer, url, logs: new Map(), pid, inspectorPort, stop: () => mf.dispose() };
  return server;
}

/** The baseline Worker, fed what the app's verification exchanged: the result's URL and token, the batch, the answer. */
async function startBaseline(d1Address: string, feed: { resultUrl: string; token: string; batch: string; answer: string }) {
  const { result: mf, pid } = await spawnedBy(async () => {
    const mf = new Miniflare(
      convertV4MiniflareOptions({
        name: "baseline",
        modules: true,
        script: readFileSync("bench/isolate/baseline.js", "utf8"),
        compatibilityDate: "2026-11-01",
        host: "127.0.0.1",
        port: 0,
        bindings: { RESULT_URL: feed.resultUrl, RESULT_TOKEN: feed.token, BATCH: feed.batch, ANSWER: feed.answer },
        serviceBindings: { D1_HOST: { external: { address: d1Address, http: {} } } },
      }),
    );
    await mf.ready;
    return mf;
  });
  return { mf, pid, url: (await mf.ready).toString().replace(/\/$/, "") };
}

export async function measureIsolate(guideSqlite: Server, n: number, rounds: number): Promise<IsolateCost> {
  step("the Worker's isolate: building the app with its D1 in another process (bench/isolate/)");
  const scriptPath = buildIsolateBundle();
  const host = await spawnedBy(startD1Host);
  const app = await startIsolateApp(scriptPath, host.result.address);
  let baseline: Awaited<ReturnType<typeof startBaseline>> | undefined;
  let errors = 0;
  try {
    const readyAll = (server: Server, tag: string, count: number) =>
      pool(
        Array.from({ length: count }, (_, i) => `${tag}-${i}`),
        8,
        (id) => ready(server, id),
      );
    const run = async (people: Awaited<ReturnType<typeof ready>>[]) => {
      const samples = await pool(people, 8, submit);
      errors += samples.filter((s) => !s.ok).length;
    };
    await run(await readyAll(app, "iso-warm", 20));
    // One verification more, whose exchanges the baseline repeats.
    const [one] = await readyAll(app, "iso-feed", 1);
    const answer = await (
      await one!.client.send("/certifications", { method: "POST", headers: { "Content-Type": "application/json" }, body: one!.body })
    ).text();
    const last = (await (await fetch(`http://${host.result.address}/`, { method: "POST", body: '{"op":"last"}' })).json()) as { request: string };
    const token = (await (
      await fetch(`${app.stubServer.url}/users/getToken`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ imp_key: app.stub.impKey, imp_secret: "bench_secret" }),
      })
    ).json()) as { response: { access_token: string } };
    const impUid = (JSON.parse(one!.body) as { imp_uid: string }).imp_uid;
    baseline = await startBaseline(host.result.address, {
      resultUrl: `${app.stubServer.url}/certifications/${impUid}`,
      token: token.response.access_token,
      batch: last.request,
      answer,
    });
    const base = baseline;
    const warmBase = await pool(
      Array.from({ length: 20 }, (_, i) => i),
      8,
      async () => (await fetch(base.url, { method: "POST", body: one!.body })).arrayBuffer(),
    );
    void warmBase;
    step(
      `the Worker's isolate: ${n} verifications each for the app (D1 elsewhere), the baseline and the guide with SQLite, concurrency 8, ${rounds} alternating round(s), /proc`,
    );
    const per = Math.ceil(n / rounds);
    const cpu = { app: 0, host: 0, baseline: 0, guide: 0 };
    const order = ["app", "baseline", "guide"] as const;
    for (let round = 0; round < rounds; round++) {
      for (const which of round % 2 ? [...order].reverse() : order) {
        if (which === "baseline") {
          const before = cpuMs(base.pid);
          await pool(
            Array.from({ length: per }, (_, i) => i),
            8,
            async () => {
              const res = await fetch(base.url, { method: "POST", headers: { "Content-Type": "application/json" }, body: one!.body });
              await res.arrayBuffer();
              if (res.status !== 200) errors++;
            },
          );
          cpu.baseline += cpuMs(base.pid) - before;
          continue;
        }
        const server = which === "app" ? app : guideSqlite;
        const people = await readyAll(server, `iso${round}`, per);
        const before = { self: cpuMs(server.pid), host: cpuMs(host.pid) };
        await run(people);
        if (which === "app") {
          cpu.app += cpuMs(app.pid) - before.self;
          cpu.host += cpuMs(host.pid) - before.host;
        } else cpu.guide += cpuMs(server.pid) - before.self;
      }
    }
    const total = per * rounds;
    step(`the Worker's isolate: where its time goes, a V8 CPU profile over ${total} more verifications of the app`);
    const people = await readyAll(app, "iso-profile", total);
    const profile = await profileWorker(
      app.inspectorPort!,
      total,
      async () => {
        const t0 = performance.now();
        await run(people);
        return performance.now() - t0;
      },
      1000,
    );
    const result: IsolateCost = {
      verifications: total,
      worker_isolate_ms: (cpu.app - cpu.baseline) / total,
      worker_process_ms: cpu.app / total,
      baseline_process_ms: cpu.baseline / total,
      d1_host_process_ms: cpu.host / total,
      guide_sqlite_ms: cpu.guide / total,
      top: profile.top,
      errors,
    };
    console.log(
      `  per verification (/proc): the isolate ${result.worker_isolate_ms.toFixed(2)} ms = the app's process without SQLite ${result.worker_process_ms.toFixed(2)} ms − the baseline's ${result.baseline_process_ms.toFixed(2)} ms; the D1 host's ${result.d1_host_process_ms.toFixed(2)} ms; the guide with SQLite ${result.guide_sqlite_ms.toFixed(2)} ms`,
    );
    return result;
  } finally {
    await baseline?.mf.dispose();
    await app.stop();
    await app.stubServer.close();
    await host.result.mf.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { guideServer } = await import("./servers.ts");
  const guide = await guideServer("sqlite");
  try {
    const { top, ...figures } = await measureIsolate(guide, 400, 4);
    console.log(JSON.stringify(figures, null, 2));
  } finally {
    await guide.stop();
    await guide.stubServer.close();
  }
}
