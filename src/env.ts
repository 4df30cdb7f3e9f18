import type { Config, ConfigProblem } from "./config";

/**
 * The Hono context of every route: the Worker's bindings and the variables the app's first middleware sets. Read
 * them with `c.get(name)`: Hono's `c.var` builds a new object on every access. D1 and the provider's client are
 * not here: a route asks for them with the middleware of http/context.ts, whose type adds them.
 */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    config: Config;
    configProblems: ConfigProblem[];
    requestId: string;
    /** Where the provider's client sends its requests: the real API, the in-process simulator, or a test's stub. */
    upstream: typeof fetch;
  };
};
