/// <reference types="node" />
// `npm run check`: the app's own configuration rules (src/config.ts) over wrangler.toml's [vars], so that a typo
// fails here, before a deploy, instead of as a 503 afterwards. Secrets are not in wrangler.toml: what live mode
// still lacks is printed as a reminder, not an error.
import { unstable_readConfig } from "wrangler";
import { parseConfig } from "../src/config/index.ts";
import { VARS, type VarDecl } from "../src/config/vars.ts";

const declared = VARS as Record<string, VarDecl>;

import { PROVIDERS } from "../src/providers/registry.ts";

// The configuration file: wrangler.toml, or another given as the first argument (the tests give one).
const file = process.argv[2] ?? "wrangler.toml";
const config = unstable_readConfig({ config: file });
const secrets = new Set<string>(config.secrets?.required ?? []);
let failed = false;

const check = async (where: string, vars: Record<string, unknown>) => {
  // A var the app does not declare is a typo (MIN_AGES) or a leftover: the app would never read it.
  for (const name of Object.keys(vars).filter((name) => !(name in declared))) {
    console.error(`  error: ${name} in ${where} is no var of the app's (src/config/vars.ts; docs/configuration.md)`);
    failed = true;
  }
  for (const name of Object.keys(vars).filter((name) => declared[name]?.secret === true)) {
    console.error(`  error: ${name} in ${where} is a secret: set it with wrangler secret put, never in wrangler.toml`);
    failed = true;
  }
  const { problems } = await parseConfig(vars, PROVIDERS);
  for (const { name, expected } of problems) {
    // A var that is simply unset here may be a secret or come with `--var`; a value that is there must be right.
    const unset = vars[name] === undefined || vars[name] === "";
    if (unset) {
      const what = secrets.has(name) ? "a secret (wrangler secret put / .dev.vars)" : `unset in ${where}`;
      console.log(`  note: ${name} is ${what}; ${expected}`);
    } else {
      console.error(`  error: ${name} in ${where} must be ${expected}`);
      failed = true;
    }
  }
};

for (const name of secrets) {
  const decl = declared[name];
  if (!decl?.secret) {
    console.error(`  error: [secrets] required lists ${name}, which is not a secret the app declares (src/config/vars.ts)`);
    failed = true;
  }
}
await check("[vars]", config.vars);
// Named environments ([env.NAME]) take no vars from the top level: wrangler reads theirs alone.
const raw = config as unknown as { env?: Record<string, { vars?: Record<string, unknown> }> };
for (const [name, env] of Object.entries(raw.env ?? {})) await check(`[env.${name}.vars]`, env.vars ?? {});

if (failed) {
  console.error(`${file}: configuration errors (see above)`);
  process.exit(1);
}
console.log(`${file}: [vars] are valid`);
