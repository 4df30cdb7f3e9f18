// `npm run check`: every bare import of the project's own code names a package that package.json declares, so
// nothing resolves only through another package's dependencies (which an upgrade can take away).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";

const pkg = JSON.parse(readFileSync("package.json", "utf8"));
const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);
const builtins = new Set(builtinModules);
const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "out" || name === "node_modules" ? [] : files(path);
    return /\.(ts|mts|mjs|js)$/.test(name) ? [path] : [];
  });

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^\s*import\s+["']([^"']+)["']/gm;
const problems = [];
let checked = 0;
for (const file of [...["src", "test", "bench", "scripts"].flatMap(files), "vitest.config.ts", "drizzle.config.ts"]) {
  for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
    const spec = match[1] ?? match[2] ?? match[3];
    if (spec.startsWith(".") || spec.startsWith("node:") || spec.startsWith("cloudflare:") || builtins.has(spec)) continue;
    const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
    checked++;
    if (!declared.has(name)) problems.push(`${file}: "${spec}" is not declared in package.json`);
  }
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`bare imports: ${checked} checked, all declared`);
