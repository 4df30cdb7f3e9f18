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

/** Ports this process has handed out: servers started at once must never be given the same one. */
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function wrangler(args: string[]) {
  return spawnSync(process.execPath, [WRANGLER, ...args], { env: ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
}

/**
 * `vars` may depend on the server's own address (PUBLIC_URL). Several may start at once (each file starts what it
 * needs in parallel): a port another program took between our choice and wrangler's bind is chosen again, once.
 */
export async function startWranglerDev(
  vars: Record<string, string> | ((baseUrl: string) => Record<string, string>),
  options: { timeoutMs?: number } = {},
): Promise<WranglerDev> {
  try {
    return await startOnce(vars, options);
  } catch (err) {
    if (!(err instanceof PortTaken)) throw err;
    return startOnce(vars, options);
  }
}

class PortTaken extends Error {}

async function startOnce(
  vars: Record<string, string> | ((baseUrl: string) => Record<string, string>),
  options: { timeoutMs?: number },
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

  // Generous: a busy two-core machine starting several at once takes far longer than an idle one.
  const deadline = Date.now() + (options.timeoutMs ?? 240_000);
  for (;;) {
    if (dev.exitCode !== null) {
      stop();
      const output = lines.join("\n");
      if (/EADDRINUSE|address already in use/i.test(output)) throw new PortTaken(output);
      throw new Error(`wrangler dev exited (${dev.exitCode}):\n${output}`);
    }
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
