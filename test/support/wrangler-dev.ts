// Runs the real Worker with `wrangler dev` (workerd) on 127.0.0.1, with a fresh local D1/KV state of its own.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const WRANGLER = join(process.cwd(), "node_modules", "wrangler", "bin", "wrangler.js");
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" };

export interface WranglerDev {
  baseUrl: string;
  /** Every line the Worker printed (its JSON log lines among them). */
  lines: string[];
  /** Runs SQL against the local D1 and returns the rows. */
  query<T = Record<string, unknown>>(sql: string): T[];
  stop(): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function wrangler(args: string[]) {
  return spawnSync(process.execPath, [WRANGLER, ...args], { env: ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
}

/** `vars` may depend on the server's own address (PUBLIC_URL). */
export async function startWranglerDev(
  vars: Record<string, string> | ((baseUrl: string) => Record<string, string>),
  options: { timeoutMs?: number } = {},
): Promise<WranglerDev> {
  const state = mkdtempSync(join(tmpdir(), "imp-dev-"));
  const migrate = wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", state]);
  if (migrate.status !== 0) throw new Error(`d1 migrations apply failed:\n${migrate.stdout}\n${migrate.stderr}`);

  const port = await freePort();
  // Its own inspector port too: two servers at once would both take the default one.
  const inspectorPort = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const varArgs = Object.entries(typeof vars === "function" ? vars(baseUrl) : vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  const dev = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      ...varArgs,
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      state,
      "--show-interactive-dev-session=false",
      "--log-level",
      "log",
    ],
    { env: ENV, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  const lines: string[] = [];
  let partial = "";
  const collect = (chunk: Buffer) => {
    const text = partial + chunk.toString("utf8");
    const parts = text.split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
  };
  dev.stdout.on("data", collect);
  dev.stderr.on("data", collect);

  const stop = () => {
    try {
      process.kill(-dev.pid!, "SIGTERM");
    } catch {
      // already gone
    }
    rmSync(state, { recursive: true, force: true });
  };
  // Never leave a server behind, even when interrupted.
  process.once("exit", stop);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      stop();
      process.exit(130);
    });
  }

  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  for (;;) {
    if (dev.exitCode !== null) throw new Error(`wrangler dev exited (${dev.exitCode}):\n${lines.join("\n")}`);
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      stop();
      throw new Error(`wrangler dev did not become ready:\n${lines.join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    baseUrl,
    lines,
    stop,
    query(sql) {
      const out = wrangler(["d1", "execute", "DB", "--local", "--persist-to", state, "--json", "--command", sql]);
      if (out.status !== 0) throw new Error(`d1 execute failed: ${out.stderr}`);
      const parsed = JSON.parse(out.stdout) as Array<{ results: unknown[] }>;
      return (parsed[0]?.results ?? []) as never[];
    },
  };
}
