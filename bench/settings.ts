// The benchmark's settings (npm run bench -- --help) and the helpers every part shares.
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

export const { values: flags } = parseArgs({
  options: {
    count: { type: "string" },
    concurrency: { type: "string" },
    latency: { type: "string" },
    rounds: { type: "string" },
    quick: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (flags.help) {
  console.log("npm run bench -- [--count 400] [--concurrency 1,16] [--latency 20] [--rounds 2] [--quick] [--profile]");
  console.log("  --count: timed verifications per server and concurrency level");
  console.log("  --profile: also record a CPU profile of the Worker and list where its time goes");
  process.exit(0);
}
export const COUNT = Number(flags.count ?? (flags.quick ? 60 : 400));
export const LEVELS = (flags.concurrency ?? "1,16").split(",").map(Number);
export const LATENCY_MS = Number(flags.latency ?? 20);
export const ROUNDS = Number(flags.rounds ?? (flags.quick ? 1 : 2));
export const WARMUP = flags.quick ? 10 : 50;
export const PROBES = flags.quick ? 20 : 100;
for (const [name, v] of Object.entries({ COUNT, LATENCY_MS, ROUNDS, ...Object.fromEntries(LEVELS.map((l, i) => [`concurrency${i}`, l])) })) {
  if (!Number.isFinite(v) || v < 0 || (name !== "LATENCY_MS" && v < 1)) throw new Error(`bad --${name.toLowerCase()}: ${v}`);
}
if (COUNT > 100_000 || LEVELS.some((l) => l > 256)) throw new Error("bounded: --count ≤ 100000, --concurrency ≤ 256");

export const OUT = "bench/out";
export const tty = process.stdout.isTTY;
export const step = (s: string) => console.log(`\n▶ ${s}`);
export const wrangler = (args: string[]) =>
  spawnSync(process.execPath, ["node_modules/wrangler/bin/wrangler.js", ...args], {
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
  });
