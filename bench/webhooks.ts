// What a webhook costs a verification: the same verification inside an authorization of a client without a webhook
// and of one with a webhook (whose batch also writes the grant and the outbox row, whose answer hands the event to
// the queue, and whose consumer then claims, signs, posts and records it), one at a time, alternating for latency;
// then the Worker's CPU over blocks of each, the webhook's blocks counted until every event was delivered.
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { percentile } from "../test/support/http-client.ts";
import { cpuMs } from "./cpu.ts";
import { authorizedVerification, BENCH_CLIENT } from "./oidc.ts";
import type { Server } from "./servers.ts";

export const HOOKED_CLIENT = {
  id: "bench-hooked",
  secret: "bench-hooked-secret-of-at-least-32-chars",
  redirectUri: "https://hooked.bench.example/cb",
  webhookSecret: `whsec_${Buffer.from("bench-webhook-secret-0123456789abc").toString("base64")}`,
};

/** The site's receiver: answers every delivery 204 and counts them. */
export interface Receiver {
  url: string;
  delivered: number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const receiver = { url: "", delivered: 0, close: async () => {} };
  const server: HttpServer = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      receiver.delivered++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}

export interface WebhookCost {
  verifications: number;
  without_p50_ms: number;
  with_p50_ms: number;
  /** The Worker's CPU ms per verification, the delivery of its event included for the client with a webhook. */
  without_cpu_ms: number;
  with_cpu_ms: number;
  delivered: number;
  errors: number;
}

export async function measureWebhooks(server: Server & { receiver: Receiver }, n: number, rounds: number): Promise<WebhookCost> {
  const without: number[] = [];
  const withHook: number[] = [];
  let errors = 0;
  for (let i = 0; i < n; i++) {
    const a = await authorizedVerification(server, BENCH_CLIENT, `CI-hook-a-${i}`);
    const b = await authorizedVerification(server, HOOKED_CLIENT, `CI-hook-b-${i}`);
    if (a) without.push(a.ms);
    else errors++;
    if (b) withHook.push(b.ms);
    else errors++;
  }
  await waitForDeliveries(server.receiver, n);

  const cpu = { without: 0, with: 0 };
  const block = Math.max(10, Math.floor(n / 2));
  for (let r = 0; r < rounds; r++) {
    for (const kind of r % 2 === 0 ? (["without", "with"] as const) : (["with", "without"] as const)) {
      const client = kind === "with" ? HOOKED_CLIENT : BENCH_CLIENT;
      const expected = server.receiver.delivered + (kind === "with" ? block : 0);
      const before = cpuMs(server.pid);
      for (let i = 0; i < block; i++) if (!(await authorizedVerification(server, client, `CI-hook-cpu-${kind}-${r}-${i}`))) errors++;
      await waitForDeliveries(server.receiver, expected);
      cpu[kind] += cpuMs(server.pid) - before;
    }
  }
  const p50 = (xs: number[]) =>
    percentile(
      [...xs].sort((x, y) => x - y),
      50,
    );
  return {
    verifications: n,
    without_p50_ms: p50(without),
    with_p50_ms: p50(withHook),
    without_cpu_ms: cpu.without / (block * rounds),
    with_cpu_ms: cpu.with / (block * rounds),
    delivered: server.receiver.delivered,
    errors,
  };
}

/** Until the receiver took `count` deliveries in all (bounded: 60 s). */
async function waitForDeliveries(receiver: Receiver, count: number) {
  const deadline = Date.now() + 60_000;
  while (receiver.delivered < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (receiver.delivered < count) throw new Error(`webhooks: ${receiver.delivered} of ${count} delivered within 60 s`);
}
