// What a request costs in CPU, the measure Workers bill and limit by and that caps one machine's throughput: each
// server process's user + system time from /proc (workerd holds the app's local D1 and KV too; the stubs run in
// the benchmark's own process, so they count for nobody), over many requests at concurrency 8, side by side in one
// run with the guide's server — its users in memory, as the guide leaves them, and in SQLite, as a site keeps them.
// Then throughput at concurrency 16. Attempts are prepared and certified before the CPU is read.
import { HttpClient, pool } from "../test/support/http-client.ts";
import { cpuMs } from "./cpu.ts";
import type { Server } from "./servers.ts";
import { ready, submit } from "./verification.ts";

export interface CpuCost {
  requests: number;
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

export async function measureCpu(servers: Server[], n: number): Promise<CpuCost> {
  const verification_ms: Record<string, number> = {};
  const throughput_16: Record<string, number> = {};
  let errors = 0;
  for (const server of servers) {
    for (const [concurrency, record] of [
      [8, (people: number, _ms: number, cpu: number) => (verification_ms[server.name] = cpu / people)],
      [16, (people: number, ms: number) => (throughput_16[server.name] = (people / ms) * 1000)],
    ] as const) {
      const people = await pool(
        Array.from({ length: n }, (_, i) => `cpu${concurrency}-${i}`),
        8,
        (id) => ready(server, id),
      );
      const before = cpuMs(server.pid);
      const t0 = performance.now();
      const samples = await pool(people, concurrency, submit);
      record(n, performance.now() - t0, cpuMs(server.pid) - before);
      errors += samples.filter((s) => !s.ok).length;
    }
  }
  const app = servers.find((s) => s.name === "app")!;
  const client = new HttpClient(app.url);
  const page_view_ms = await cpuPer(app.pid, n, async () => (await fetch(`${app.url}/`)).arrayBuffer());
  const prepare_ms = await cpuPer(app.pid, n, () => new HttpClient(app.url).prepare());
  const healthz_ms = await cpuPer(app.pid, n, async () => (await client.send("/healthz")).arrayBuffer());
  return { requests: n, verification_ms, throughput_16, page_view_ms, prepare_ms, healthz_ms, errors };
}
