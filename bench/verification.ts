// One verification, as a site's page makes it: prepared and certified before the clock starts, then timed.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { HttpClient } from "../test/support/http-client.ts";
import { APP_ORIGIN, type Server } from "./servers.ts";
import { OUT } from "./settings.ts";

export interface Sample {
  ms: number;
  ok: boolean;
  error?: string;
}

let sequence = 0;

/** A person certified by the stub for a fresh attempt (the app's from prepare), ready to submit: not timed. */
export async function ready(server: Server, requestId: string) {
  const client = new HttpClient(server.url, APP_ORIGIN);
  if (server.portone) {
    const { identity_verification_id: id } = (await client.prepare()) as unknown as { identity_verification_id: string };
    server.portone.verify(id, { ci: `CI-${server.name}-${requestId}` });
    return { client, body: JSON.stringify({ identity_verification_id: id }), requestId };
  }
  // The guide issues no attempt (its page hard-codes a merchant_uid); the app's comes from prepare.
  const app = server.name.startsWith("app");
  const merchant_uid = app ? (await client.prepare()).merchant_uid : `ORD${Date.now()}${sequence++}`;
  const cert = server.stub.certify({ merchant_uid, unique_key: `CI-${server.name}-${requestId}`, birthday: "1990-01-01", birth: 631119600 });
  const body = JSON.stringify(app ? { imp_uid: cert.imp_uid, merchant_uid } : { imp_uid: cert.imp_uid });
  return { client, body, requestId };
}

/** The timed part: POST /certifications and its whole answer. */
export async function submit({ client, body, requestId }: Awaited<ReturnType<typeof ready>>): Promise<Sample> {
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

export const verifyOnce = async (server: Server, requestId: string) => submit(await ready(server, requestId));

/** A CPU profile of the Worker's isolate over `work`, through workerd's inspector (Chrome DevTools Protocol). */
export async function profileWorker(port: number, verifications: number, work: () => Promise<number>, intervalUs = 100) {
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
  await send("Profiler.setSamplingInterval", { interval: intervalUs });
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
  const nodes = new Map<number, { callFrame: { functionName: string; url: string; lineNumber: number } }>(profile.nodes.map((n) => [n.id, n]));
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
  // "(program)": the thread was in workerd's own C++ (its HTTP work, the bindings' I/O), not in this isolate's JS.
  const program = [...self.entries()].filter(([k]) => k.startsWith("(program)")).reduce((a, [, v]) => a + v, 0);
  const jsMs = (total - idle - program) / 1000;
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
  return {
    busy_ms_per_verification: busyMs / verifications,
    js_ms_per_verification: jsMs / verifications,
    top: top.map(([key, us]) => ({ key, share: us / (total - idle) })),
  };
}
