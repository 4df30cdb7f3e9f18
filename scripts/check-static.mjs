// Syntax-checks the browser scripts in static/ (they ship as written, with no build step), and checks that the
// libraries vendored into static/vendor/ are byte for byte the versions package.json pins (`--update` copies them).
import { spawnSync } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** static/vendor/ file → the file of the pinned package it is. */
const VENDORED = {
  "static/vendor/lean-qr/index.js": "node_modules/lean-qr/index.mjs",
  "static/vendor/lean-qr/svg.js": "node_modules/lean-qr/extras/svg.mjs",
  "static/vendor/lean-qr/LICENSE": "node_modules/lean-qr/LICENSE",
};

let failed = false;
for (const [copy, source] of Object.entries(VENDORED)) {
  if (process.argv.includes("--update")) copyFileSync(source, copy);
  else if (!readFileSync(copy).equals(readFileSync(source))) {
    console.error(`${copy} differs from ${source}: run node scripts/check-static.mjs --update`);
    failed = true;
  }
}

const files = readdirSync("static", { recursive: true })
  .map(String)
  .filter((f) => f.endsWith(".js"))
  .map((f) => join("static", f));
for (const file of files) {
  const result = spawnSync(process.execPath, ["--check", file], { stdio: "inherit" });
  failed ||= result.status !== 0;
}
console.log(`static scripts: ${files.length} checked, ${Object.keys(VENDORED).length} vendored files compared${failed ? ", with errors" : ", ok"}`);
process.exit(failed ? 1 : 0);
