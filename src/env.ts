import type { Config, ConfigProblem } from "./config";
import type { D1Stats, Db } from "./db/queries";
import type { TokenSource } from "./providers/iamport/token-cache";
import type { IdentityProvider, UpstreamCall } from "./providers/provider";

/** One structured line per verification; only codes, counts and timings, never personal data or secrets. */
export interface VerificationLog {
  route: string;
  outcome?: string;
  error_code?: string;
  upstream: UpstreamCall[];
  token: TokenSource[];
  /** D1 round-trips (a batch is one) and the time spent on them. */
  d1: D1Stats;
}

/**
 * The Hono context of every route: the Worker's bindings and the variables the app's middleware sets. Read them
 * with `c.get(name)`: Hono's `c.var` builds a new object on every access.
 */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    config: Config;
    configProblems: ConfigProblem[];
    requestId: string;
    /** Per request, on the routes that verify: D1 through Drizzle, counted into `log`. */
    db: Db;
    /** Per request, on the routes that verify: the identity provider's client. */
    provider: IdentityProvider;
    log: VerificationLog;
  };
};
