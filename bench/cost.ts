// What a request costs in CPU, the measure Workers bill and limit by and that caps one machine's throughput: each
// server process's user + system time from /proc (workerd holds the app's local D1 and KV too; the stubs run in
// the benchmark's own process, so they count for nobody), over many requests at concurrency 8, side by side in one
// run with the guide's server — its users in memory, as the guide leaves them, and in SQLite, as a site keeps them —
// in alternating rounds; and throughput at concurrency 16. Attempts are prepared and certified before the CPU is read.
import { HttpClient, pool } from "../test/support/http-client.ts";
import { cpuMs } from "./cpu.ts";
import { APP_ORIGIN, type Server } from "./servers.ts";
import { ready, submit } from "./verification.ts";

export interface CpuCost {
  requests: number;
  /** Alternating rounds the requests were spread over. */
  rounds: number;
  /** CPU ms per verification, by server. */
  verification_ms: Record<string, number>;
  /** Verifications per second at concurrency 16, by server. */
  throughput_16: Record<string, number>;
  /** The app's CPU ms per page view, prepare and /healthz. */
  page_view_ms: number;
  prepare_ms: number;
  healthz_ms: number;
  errors: number;
}

/** CPU ms per call of `call`, n calls at concurrency 8, read from `pid`. */
export async function cpuPer(pid: number, n: number, call: (i: number) => Promise<unknown>): Promise<number> {
  const before = cpuMs(pid);
  await pool(
    Array.from({ length: n }, (_, i) => i),
    8,
    call,
  );
  return (cpuMs(pid) - before) / n;
}

/**
 * Side by side in alternating rounds (the servers' order reversed every other round), each round `n / rounds`
 * verifications per server at concurrency 8 and as many at 16, then the app's page views, prepares and /healthz:
 * a drift of this machine's speed during the run weighs on every server alike. Figures are totals over the rounds.
 */
export async function measureCpu(servers: Server[], n: number, rounds: number): Promise<CpuCost> {
  const per = Math.ceil(n / rounds);
  const cpu: Record<string, number> = {};
  const elapsed: Record<string, number> = {};
  const app = servers.find((s) => s.name === "app")!;
  const client = new HttpClient(app.url, APP_ORIGIN);
  const appCost = { page: 0, prepare: 0, healthz: 0 };
  let errors = 0;
  for (let round = 0; round < rounds; round++) {
    for (const server of round % 2 ? [...servers].reverse() : servers) {
      for (const concurrency of [8, 16]) {
        const people = await pool(
          Array.from({ length: per }, (_, i) => `cpu${concurrency}-${round}-${i}`),
          8,
          (id) => ready(server, id),
        );
        const before = cpuMs(server.pid);
        const t0 = performance.now();
        const samples = await pool(people, concurrency, submit);
        if (concurrency === 8) cpu[server.name] = (cpu[server.name] ?? 0) + cpuMs(server.pid) - before;
        else elapsed[server.name] = (elapsed[server.name] ?? 0) + performance.now() - t0;
        errors += samples.filter((s) => !s.ok).length;
      }
    }
    appCost.page += await cpuPer(app.pid, per, async () => (await fetch(`${app.url}/`)).arrayBuffer());
    appCost.prepare += await cpuPer(app.pid, per, () => new HttpClient(app.url, APP_ORIGIN).prepare());
    appCost.healthz += await cpuPer(app.pid, per, async () => (await client.send("/healthz")).arrayBuffer());
  }
  const total = per * rounds;
  const byServer = (f: (name: string) => number) => Object.fromEntries(servers.map((s) => [s.name, f(s.name)]));
  return {
    requests: total,
    rounds,
    verification_ms: byServer((name) => cpu[name]! / total),
    throughput_16: byServer((name) => (total / elapsed[name]!) * 1000),
    page_view_ms: appCost.page / rounds,
    prepare_ms: appCost.prepare / rounds,
    healthz_ms: appCost.healthz / rounds,
    errors,
  };
}
