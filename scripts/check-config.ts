/// <reference types="node" />
// `npm run check`: the app's own configuration rules (src/config.ts) over wrangler.toml's [vars], so that a typo
// fails here, before a deploy, instead of as a 503 afterwards. Secrets are not in wrangler.toml: what live mode
// still lacks is printed as a reminder, not an error.
import { unstable_readConfig } from "wrangler";
import { parseConfig } from "../src/config/index.ts";
import { PROVIDERS } from "../src/providers/registry.ts";

const config = unstable_readConfig({ config: "wrangler.toml" });
const secrets = new Set<string>(config.secrets?.required ?? []);
let failed = false;

const check = async (where: string, vars: Record<string, unknown>) => {
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

await check("[vars]", config.vars);
// Named environments ([env.NAME]) take no vars from the top level: wrangler reads theirs alone.
const raw = config as unknown as { env?: Record<string, { vars?: Record<string, unknown> }> };
for (const [name, env] of Object.entries(raw.env ?? {})) await check(`[env.${name}.vars]`, env.vars ?? {});

if (failed) {
  console.error("wrangler.toml: configuration errors (see above)");
  process.exit(1);
}
console.log("wrangler.toml: [vars] are valid");
