// The app's Worker with its D1 binding served from another process (bench/isolate/d1-host.ts): the benchmark's
// build for measuring the Worker's own CPU. Everything else is the app as deployed: its entry, its bindings.
// workerd runs a local D1 on the thread of the Worker that calls it, so a profile of the app's isolate beside a
// local D1 counts SQLite's work as the app's; here SQLite runs in the other process, as D1 runs off the Worker's
// machine in production. What stays in this isolate is what a D1 binding costs a Worker: its statements and
// their results, serialised.
import app from "../../src/index";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface HostEnv {
  D1_HOST: Fetcher;
}

async function call(host: Fetcher, body: Json): Promise<unknown> {
  const res = await host.fetch("http://d1/", { method: "POST", body: JSON.stringify(body) });
  const answer = (await res.json()) as { ok: boolean; result?: unknown; error?: string };
  if (!answer.ok) throw new Error(answer.error ?? "D1 host failed");
  return answer.result;
}

class Statement {
  constructor(
    private readonly host: Fetcher,
    readonly sql: string,
    readonly params: unknown[] = [],
  ) {}
  bind(...params: unknown[]) {
    return new Statement(this.host, this.sql, params);
  }
  private run1(op: string, extra: Record<string, Json> = {}) {
    return call(this.host, { op, sql: this.sql, params: this.params as Json[], ...extra });
  }
  all() {
    return this.run1("all");
  }
  run() {
    return this.run1("run");
  }
  raw(options?: { columnNames?: boolean }) {
    return this.run1("raw", { columnNames: options?.columnNames ?? false });
  }
  first(column?: string) {
    return this.run1("first", column === undefined ? {} : { column });
  }
}

/** A D1Database whose statements run in the D1 host's process. */
function remoteD1(host: Fetcher): D1Database {
  const db = {
    prepare: (sql: string) => new Statement(host, sql),
    batch: (statements: Statement[]) => call(host, { op: "batch", statements: statements.map((s) => ({ sql: s.sql, params: s.params as Json[] })) }),
    exec: (sql: string) => call(host, { op: "exec", sql }),
    withSession: () => db,
    dump: () => Promise.reject(new Error("not served by the D1 host")),
  };
  return db as unknown as D1Database;
}

// One wrapped env per env object: the app parses its configuration once per env object.
const wrapped = new WeakMap<object, Env>();
const envOf = (env: Env & HostEnv) => {
  let e = wrapped.get(env);
  if (!e) {
    e = { ...env, DB: remoteD1(env.D1_HOST) };
    wrapped.set(env, e);
  }
  return e;
};

export default {
  fetch: (request: Request, env: Env & HostEnv, ctx: ExecutionContext) => app.fetch(request, envOf(env), ctx),
} satisfies ExportedHandler<Env & HostEnv>;
