import { is, Param, Placeholder, sql } from "drizzle-orm";
import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import type { Db } from "./client";

/**
 * Statements of the hot path, built by Drizzle once per isolate and then only bound: their shape never changes from
 * one request to the next, only their values, and building a query (Drizzle walks every chunk and column of it) was
 * a measurable share of a verification's CPU time (5.0 → 3.4 ms per verification when this came in; numbering the
 * `?`s so that a value used twice is sent once was tried after, measured as noise, and taken out). Every value is a named placeholder (`value("name")`); a batch's
 * build function gets the shape — whatever changes the SQL's text, such as how many keys an `IN (…)` lists — and
 * is run once per shape.
 */

/** A placeholder for the value named `name`, filled per request. */
export const value = (name: string) => sql.placeholder(name);

export type Values = Record<string, string | number | null>;

type Statement = BatchItem<"sqlite"> & {
  prepare(): { getQuery(): { sql: string; params: unknown[] }; mapResult(response: unknown, isFromBatch?: boolean): unknown };
};

interface Built {
  sql: string;
  /** The statement's parameters from this request's values, in their order. */
  params: (values: Values) => unknown[];
  mapResult: (response: unknown) => unknown;
}

// The statements are built against no database at all: only their SQL, parameters and result mapping are kept.
const builder = drizzle({ prepare: () => ({}) } as unknown as D1Database);

function build(statement: Statement): Built {
  const prepared = statement.prepare();
  const { sql: text, params } = prepared.getQuery();
  // Each parameter is a placeholder (with the column's encoder when it stands for a column's value) or a constant.
  const plan = params.map((p): ((values: Values) => unknown) => {
    const placeholder = is(p, Placeholder) ? p : is(p, Param) && is(p.value, Placeholder) ? (p.value as Placeholder) : undefined;
    if (!placeholder) return () => p;
    const encoder = is(p, Param) ? p.encoder : undefined;
    return (values) => {
      if (!(placeholder.name in values)) throw new Error(`no value for the statement's placeholder "${placeholder.name}"`);
      const v = values[placeholder.name];
      return v === null ? null : encoder ? encoder.mapToDriverValue(v) : v;
    };
  });
  return { sql: text, params: (values) => plan.map((fill) => fill(values)), mapResult: (response) => prepared.mapResult(response, true) };
}

/**
 * A batch of prepared statements: `run(db, shape, values)` binds this request's values into the statements of its
 * shape (built on first use) and sends them to D1 as one batch, its results mapped as Drizzle's `db.batch` maps them.
 */
export function preparedBatch<Shape, Q extends readonly Statement[]>(statements: (db: Db, shape: Shape) => Q, keyOf: (shape: Shape) => string) {
  const shapes = new Map<string, Built[]>();
  return async (db: Db, shape: Shape, values: Values): Promise<BatchResponse<Q>> => {
    const key = keyOf(shape);
    let built = shapes.get(key);
    if (!built) {
      built = statements(builder, shape).map(build);
      shapes.set(key, built);
    }
    const d1 = db.$client;
    const results = await d1.batch(built.map((s) => d1.prepare(s.sql).bind(...s.params(values))));
    return results.map((result, i) => built[i]!.mapResult(result)) as BatchResponse<Q>;
  };
}
