// `npm run check`'s configuration step (scripts/check-config.ts) over a wrangler.toml as a user would write it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "check-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the check over wrangler.toml with `edit` applied to its text. */
function checkWith(edit: (toml: string) => string) {
  const file = join(dir, `wrangler-${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(
    file,
    edit(readFileSync("wrangler.toml", "utf8")).replace('main = "src/index.ts"', `main = "${join(process.cwd(), "src/index.ts")}"`),
  );
  return spawnSync(process.execPath, ["--import", "tsx", "scripts/check-config.ts", file], { encoding: "utf8" });
}

describe("the configuration check over wrangler.toml", () => {
  it("passes the project's own wrangler.toml", () => {
    const run = checkWith((toml) => toml);
    expect(run.stdout).toContain("[vars] are valid");
    expect(run.status).toBe(0);
  });

  it("fails on a var the app does not declare (a typo of a name), naming it", () => {
    const run = checkWith((toml) => toml.replace('MIN_AGE = "19"', 'MIN_AGES = "19"'));
    expect(run.stderr).toContain("MIN_AGES in [vars] is no var of the app's");
    expect(run.status).toBe(1);
  });

  it("fails on a value its declaration refuses, saying what it accepts", () => {
    const run = checkWith((toml) => toml.replace('MIN_AGE = "19"', 'MIN_AGE = "nineteen"'));
    expect(run.stderr).toContain("MIN_AGE in [vars] must be a whole number from 0 to 100");
    expect(run.status).toBe(1);
  });

  it("fails on a secret written into [vars] (one that [secrets] does not list, which wrangler would refuse itself)", () => {
    const run = checkWith((toml) => toml.replace("[vars]\n", '[vars]\nOIDC_CLIENT_SECRETS = "{}"\n'));
    expect(run.stderr).toContain("OIDC_CLIENT_SECRETS in [vars] is a secret");
    expect(run.status).toBe(1);
  });
});
