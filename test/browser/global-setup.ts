import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

const WRANGLER = join(process.cwd(), "node_modules", "wrangler", "bin", "wrangler.js");
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Serves the app with `wrangler dev` in sandbox mode, on 127.0.0.1, with its own fresh local D1 and KV. */
export default async function setup(project: TestProject) {
  const state = mkdtempSync(join(tmpdir(), "imp-browser-"));
  const migrate = spawnSync(process.execPath, [WRANGLER, "d1", "migrations", "apply", "DB", "--local", "--persist-to", state], {
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (migrate.status !== 0) throw new Error(`d1 migrations apply failed:\n${migrate.stdout}\n${migrate.stderr}`);

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let output = "";
  const dev: ChildProcess = spawn(
    process.execPath,
    [WRANGLER, "dev", "--var", "IMP_MODE:sandbox", "--var", "RATE_LIMIT:off", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", state, "--show-interactive-dev-session=false"],
    { env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  dev.stdout?.on("data", (d) => (output += d));
  dev.stderr?.on("data", (d) => (output += d));

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (dev.exitCode !== null) throw new Error(`wrangler dev exited (${dev.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.ok && ((await res.json()) as { mode: string }).mode === "sandbox") break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      process.kill(-dev.pid!, "SIGTERM");
      throw new Error(`wrangler dev did not become ready in 90 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  project.provide("baseUrl", baseUrl);

  return () => {
    try {
      process.kill(-dev.pid!, "SIGTERM");
    } catch {
      // already gone
    }
    rmSync(state, { recursive: true, force: true });
  };
}
