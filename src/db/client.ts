import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";

export type Db = DrizzleD1Database<Record<string, never>> & { $client: D1Database };

/** Requests to D1 (a batch is one) and the time spent waiting for them, for the log line and the benchmark. */
export interface D1Stats {
  roundTrips: number;
  ms: number;
}

export const openDb = (d1: D1Database, stats?: D1Stats): Db => drizzle(stats ? counting(d1, stats) : d1);

type CountedStatement = D1PreparedStatement & { readonly real: D1PreparedStatement };

function counting(d1: D1Database, stats: D1Stats): D1Database {
  const counted = async <T>(run: () => Promise<T>) => {
    stats.roundTrips++;
    const started = Date.now();
    try {
      return await run();
    } finally {
      stats.ms += Date.now() - started;
    }
  };
  const wrap = (real: D1PreparedStatement): CountedStatement => {
    return {
      real,
      bind: (...values: unknown[]) => wrap(real.bind(...values)),
      first: (column?: string) => counted(() => (column === undefined ? real.first() : real.first(column))),
      run: () => counted(() => real.run()),
      all: () => counted(() => real.all()),
      raw: (options?: { columnNames?: boolean }) => counted(() => real.raw(options as { columnNames: true })),
    } as CountedStatement;
  };
  return {
    prepare: (query: string) => wrap(d1.prepare(query)),
    batch: (statements: D1PreparedStatement[]) => counted(() => d1.batch(statements.map((s) => (s as CountedStatement).real ?? s))),
    exec: (query: string) => counted(() => d1.exec(query)),
    withSession: d1.withSession.bind(d1),
    dump: d1.dump.bind(d1),
  } as D1Database;
}
