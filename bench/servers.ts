// The servers side by side: this app's bundle in workerd (V1 and V2), and the guide's Express + axios server.
import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { ImpStub } from "../test/support/iamport-stub.ts";
import { PortOneStub, STUB_CHANNEL_KEY } from "../test/support/portone-stub.ts";
import { type StubServer, startStubServer } from "../test/support/stub-server.ts";
import { freePort } from "../test/support/wrangler-dev.ts";
import { spawnedBy } from "./cpu.ts";
import { BENCH_CLIENT } from "./oidc.ts";
import { flags, LATENCY_MS, OUT } from "./settings.ts";
import { HOOKED_CLIENT, type Receiver, startReceiver } from "./webhooks.ts";

export interface LogLine {
  ms: number;
  upstream: Array<{ op: string; ms: number }>;
  token: string[];
  d1: { roundTrips: number; ms: number };
}

/** The servers of the main rounds. */
export type Name = "app" | "v2" | "guide";

export interface Server<N extends string = Name | "guide_sqlite" | "app_isolate" | "app_before"> {
  /** This app with i'mport (V1), this app with PortOne V2, the guide's server (users in memory, or in SQLite). */
  name: N;
  stub: ImpStub;
  /** V2's upstream, for the app with PORTONE_VERSION=v2. */
  portone?: PortOneStub;
  stubServer: StubServer;
  url: string;
  /** The app's verification log lines by request id (the guide logs nothing). */
  logs: Map<string, LogLine>;
  stop(): Promise<void>;
  inspectorPort?: number;
  /** The server's process (workerd for the app; its CPU time is read from /proc). */
  pid: number;
  /** The app's webhook client's receiver (the V1 app only). */
  receiver?: Receiver;
}

/** The statements of a migrations folder, in order. */
export const migrationsOf = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /^\d+_.*\.sql$/.test(f))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), "utf8").split("--> statement-breakpoint"))
    .map((q) => q.trim())
    .filter(Boolean);

export const migrations = migrationsOf("migrations");

// A signing key and a client, as a site's OIDC integration sets them (the verification benchmark itself runs the
// page's own flow; the OIDC flow's cost is measured on top of it).
const signingJwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });

/** The app's PUBLIC_URL: the origin its page is served from, which its browsers' POSTs come from. */
export const APP_ORIGIN = "https://verify.bench.example";

export const APP_VARS = {
  IMP_MODE: "live",
  IMP_CODE: "imp12345678",
  IDENTITY_HMAC_KEY: "CYLi0EMF9yR4PNORjIHAF7onXPe0Rmphdcw7zMMfhEk",
  IMP_TIMEOUT_MS: "5000",
  RATE_LIMIT: "off",
  SIGNING_KEY: JSON.stringify({ ...signingJwk, kid: "bench" }),
  // The client's ID tokens are RS256, the default (what a site that names no algorithm gets).
  SIGNING_RSA_KEY: JSON.stringify({ ...generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }), kid: "bench-rsa" }),
  PUBLIC_URL: APP_ORIGIN,
  OIDC_CLIENTS: JSON.stringify([{ client_id: BENCH_CLIENT.id, name: "Bench", redirect_uris: [BENCH_CLIENT.redirectUri] }]),
  OIDC_CLIENT_SECRETS: JSON.stringify({ [BENCH_CLIENT.id]: BENCH_CLIENT.secret }),
};

export async function newStub(name: string) {
  const stub = new ImpStub(`bench_${name}`, "bench_secret");
  stub.latencyMs = LATENCY_MS;
  return { stub, stubServer: await startStubServer(stub) };
}

/** The app's bundle in workerd. `storage: false` starts it with no D1 and no KV binding at all. */
export async function startApp(options: {
  storage: boolean;
  inspectorPort?: number;
  logs?: Map<string, LogLine>;
  apiBase: string;
  impKey: string;
  vars?: Record<string, string>;
  persist?: string;
  /** Another build of the app (bench/counters.ts: the app before a change), with its own migrations. */
  build?: { scriptPath: string; migrations: string[] };
}) {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      name: "app",
      ...(options.inspectorPort ? { inspectorPort: options.inspectorPort, inspectorHost: "127.0.0.1" } : {}),
      modules: true,
      scriptPath: options.build?.scriptPath ?? join(OUT, options.inspectorPort ? "bundle-debug" : "bundle", "index.js"),
      compatibilityDate: "2026-11-01",
      host: "127.0.0.1",
      port: 0,
      bindings: { ...APP_VARS, IMP_KEY: options.impKey, IMP_SECRET: "bench_secret", IMP_API_BASE: options.apiBase, ...options.vars },
      ...(options.storage
        ? {
            d1Databases: { DB: options.persist ?? "bench-app" },
            kvNamespaces: { CACHE: options.persist ?? "bench-app" },
            // The events' queue, as wrangler.toml declares it.
            queueProducers: { EVENTS: "imp-events", EVENTS_DEAD: "imp-events-dead" },
            queueConsumers: { "imp-events": { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 10, deadLetterQueue: "imp-events-dead" } },
          }
        : {}),
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
    for (const q of options.build?.migrations ?? migrations) await db.prepare(q).run();
  }
  return { mf, url };
}

export async function appServer(): Promise<Server<Name>> {
  const { stub, stubServer } = await newStub("app");
  const logs = new Map<string, LogLine>();
  const inspectorPort = flags.profile ? await freePort() : undefined;
  // Beside the bench client, one with a webhook (bench/webhooks.ts), whose receiver answers every delivery.
  const receiver = await startReceiver();
  const vars = {
    OIDC_CLIENTS: JSON.stringify([
      { client_id: BENCH_CLIENT.id, name: "Bench", redirect_uris: [BENCH_CLIENT.redirectUri] },
      { client_id: HOOKED_CLIENT.id, name: "Bench hooked", redirect_uris: [HOOKED_CLIENT.redirectUri], webhook_url: receiver.url },
    ]),
    OIDC_CLIENT_SECRETS: JSON.stringify({ [BENCH_CLIENT.id]: BENCH_CLIENT.secret, [HOOKED_CLIENT.id]: HOOKED_CLIENT.secret }),
    WEBHOOK_SECRETS: JSON.stringify({ [HOOKED_CLIENT.id]: HOOKED_CLIENT.webhookSecret }),
  };
  const { result, pid } = await spawnedBy(() => startApp({ storage: true, inspectorPort, logs, apiBase: stubServer.url, impKey: stub.impKey, vars }));
  const { mf, url } = result;
  const stop = async () => {
    await mf.dispose();
    await receiver.close();
  };
  return { name: "app", stub, stubServer, url, logs, inspectorPort, pid, receiver, stop };
}

/** The same bundle with PORTONE_VERSION=v2, against its own PortOne stub. */
export async function appV2Server(): Promise<Server<Name>> {
  const stub = new ImpStub("bench_v2_unused", "bench_secret"); // V2 needs no token: never called
  const portone = new PortOneStub("bench_portone_secret");
  portone.latencyMs = LATENCY_MS;
  const stubServer = await startStubServer(portone);
  const logs = new Map<string, LogLine>();
  const { result, pid } = await spawnedBy(() =>
    startApp({
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
    }),
  );
  const { mf, url } = result;
  return { name: "v2", stub, portone, stubServer, url, logs, pid, stop: () => mf.dispose() };
}

/** The guide's server, its users in memory (as the guide leaves them) or in SQLite (as a deployed site keeps them). */
export async function guideServer(): Promise<Server<Name>>;
export async function guideServer(store: "sqlite"): Promise<Server>;
export async function guideServer(store: "memory" | "sqlite" = "memory"): Promise<Server> {
  const name = store === "sqlite" ? ("guide_sqlite" as const) : ("guide" as const);
  const { stub, stubServer } = await newStub(name);
  const port = await freePort();
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `guide-users-${process.pid}.sqlite`);
  const args = ["bench/guide-server.mjs", String(port), stubServer.url, ...(store === "sqlite" ? ["sqlite", file] : [])];
  const child: ChildProcess = spawn(process.execPath, ["--no-warnings", ...args], {
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
    name,
    stub,
    stubServer,
    url,
    logs: new Map(),
    pid: child.pid!,
    stop: async () => {
      child.kill();
      await new Promise((r) => child.once("exit", r));
      if (store === "sqlite") for (const suffix of ["", "-wal", "-shm"]) rmSync(`${file}${suffix}`, { force: true });
    },
  };
}
