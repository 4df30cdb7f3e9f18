// The one-way order of src/ (.dependency-cruiser.cjs), as `npm run check` enforces it: the tree as it is passes,
// and the same tree with one import the other way fails, naming the rule.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const DEPCRUISE = resolve("node_modules/.bin/depcruise");
const CONFIG = resolve(".dependency-cruiser.cjs");
const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** A copy of src/ (and tsconfig.json) inside the project, so packages still resolve; `change` edits it first. */
function cruiseCopy(change: (root: string) => void) {
  const root = mkdtempSync(join(resolve("node_modules"), ".layers-"));
  copies.push(root);
  cpSync("src", join(root, "src"), { recursive: true });
  cpSync("tsconfig.json", join(root, "tsconfig.json"));
  change(root);
  return spawnSync(DEPCRUISE, ["src", "--config", CONFIG], { cwd: root, encoding: "utf8" });
}

describe("the layers of src/", () => {
  it("hold for the tree as it is", () => {
    const run = spawnSync(DEPCRUISE, ["src", "--config", CONFIG], { encoding: "utf8" });
    expect(run.stdout).toContain("no dependency violations found");
    expect(run.status).toBe(0);
  });

  it("an import from a port up to a route fails, naming the layer it breaks", () => {
    const run = cruiseCopy((root) => {
      const file = join(root, "src/db/schema.ts");
      writeFileSync(file, `${readFileSync(file, "utf8")}\nimport { page } from "../routes/page";\nexport const upward = page;\n`);
    });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toContain("error layer-ports: src/db/schema.ts → src/routes/page.ts");
  });

  it("a type-only import upwards is allowed (a lower layer may name the types it is handed)", () => {
    const run = cruiseCopy((root) => {
      const file = join(root, "src/db/schema.ts");
      writeFileSync(file, `${readFileSync(file, "utf8")}\nimport type { Config } from "../config";\nexport type Upward = Config;\n`);
    });
    expect(run.stdout).toContain("no dependency violations found");
  });
});
