// The one-way order of src/, read by dependency-cruiser in `npm run check`: a module may import only from its own
// folder and the folders before it in LAYERS. An import the other way fails the check, naming both modules.
// Type-only imports are left out: a lower layer may name an upper layer's types (the Config it is handed, a Hono
// context's variables) without running any of its code.
//
// Why dependency-cruiser: it reads TypeScript's own resolution (tsconfig paths, `import type`), checks rules
// written as data and says which rule an import breaks, and finds cycles as well (dpdm, used before, only did that).
const LAYERS = [
  ["lib", "lib", "plain utilities: crypto, encodings, the log writer, the keyring"],
  ["kernel", "(errors|env)\\.ts", "the error table; the app's context types"],
  ["ports", "(providers|db)", "the ports: i'mport and PortOne (clients, vars, PG profiles), D1 (schema, queries)"],
  ["verification", "verification", "a verification's rules and its use-case: attempt ids, checks, identity keys, guardian links"],
  ["config", "config", "the environment, parsed and checked into one Config"],
  ["oidc", "oidc", "OpenID Connect as the specs say it: authorization requests, clients, tokens, JWTs"],
  ["views", "views", "HTML: the verification page and the result pages, their texts"],
  ["http", "http", "plumbing: context, cookies, validation, security headers, rate limits, logging, error pages"],
  ["flows", "flows", "what a request runs through: an attempt, a verification, an OIDC authorization, a guardian's consent"],
  ["routes", "routes", "the app's routes, one file per resource"],
  ["sandbox", "sandbox", "the offline simulator: providers' REST APIs, the carrier window, the SDK stand-ins"],
  ["app", "app\\.ts", "the Hono app"],
  ["entry", "index\\.ts", "the Worker's entry"],
];

const path = (pattern) => `^src/${pattern}(/|$)`;

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "modules that import each other (run-time imports)",
      from: { path: "^src/" },
      to: { circular: true, dependencyTypesNot: ["type-only"] },
    },
    ...LAYERS.map(([name, pattern, what], rank) => ({
      name: `layer-${name}`,
      severity: "error",
      comment: `${what}: imports only from itself and the layers before it (.dependency-cruiser.cjs)`,
      from: { path: path(pattern) },
      to: {
        path: LAYERS.slice(rank + 1)
          .map(([, upper]) => path(upper))
          .join("|"),
        dependencyTypesNot: ["type-only"],
      },
    })).filter((rule) => rule.to.path !== ""),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    includeOnly: "^src/",
  },
};
