// Before `npm test`: the browser tests drive Debian's Chromium. Install it when missing and we may (root + apt).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const path = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (existsSync(path)) process.exit(0);

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
if (!isRoot || !existsSync("/usr/bin/apt-get")) {
  console.error(`Chromium is needed for the browser tests and was not found at ${path}.`);
  console.error("Install it with `sudo apt-get install -y chromium`, or set CHROMIUM_PATH to a Chromium binary.");
  process.exit(1);
}
console.log("Chromium not found: installing Debian's chromium package for the browser tests (a minute or two)…");
const run = (args) => spawnSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
if (run(["update"]).status !== 0 || run(["install", "-y", "chromium"]).status !== 0) {
  console.error("Installing chromium failed; see the output above.");
  process.exit(1);
}
