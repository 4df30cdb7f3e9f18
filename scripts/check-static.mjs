// Syntax-checks the browser scripts in static/ (they ship as written, with no build step).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const files = readdirSync("static", { recursive: true })
  .map(String)
  .filter((f) => f.endsWith(".js"))
  .map((f) => join("static", f));
let failed = false;
for (const file of files) {
  const result = spawnSync(process.execPath, ["--check", file], { stdio: "inherit" });
  failed ||= result.status !== 0;
}
console.log(`static scripts: ${files.length} checked${failed ? ", with errors" : ", ok"}`);
process.exit(failed ? 1 : 0);
