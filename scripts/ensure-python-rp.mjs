// Before `npm test`: the browser suite also signs in through a Python relying party built on Authlib (with its
// JOSE library, joserfc; `cryptography` and `requests` come from the system's Python). Installs those two pinned
// packages into .cache/python-rp when they are missing; nothing outside this repository is touched.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const TARGET = ".cache/python-rp";
const PACKAGES = ["authlib==1.8.0", "joserfc==1.7.5"];
const probe = () =>
  spawnSync("python3", ["-c", "import authlib, joserfc, cryptography, requests"], { env: { ...process.env, PYTHONPATH: TARGET } }).status === 0;

if (spawnSync("python3", ["--version"]).status !== 0) {
  console.error("python3 is needed for the browser suite's Python relying party (Authlib): install Python 3.10 or later.");
  process.exit(1);
}
if (existsSync(TARGET) && probe()) process.exit(0);
console.log(`Installing ${PACKAGES.join(", ")} into ${TARGET} for the Python relying party (pip; under a minute)…`);
const pip = spawnSync(
  "python3",
  ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--upgrade", "--target", TARGET, ...PACKAGES],
  { stdio: "inherit" },
);
if (pip.status !== 0 || !probe()) {
  console.error(`Installing ${PACKAGES.join(", ")} failed (see above); the system's Python must also provide cryptography and requests.`);
  process.exit(1);
}
