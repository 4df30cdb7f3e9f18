import { is, Param, Placeholder, sql } from "drizzle-orm";
import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import type { Db } from "./client";

/**
 * Statements of the hot path, built by Drizzle once per isolate and then only bound: their shape never changes from
 * one request to the next, only their values, and building a query (Drizzle walks every chunk and column of it) was
 * a measurable share of a verification's CPU time. Every value is a named placeholder (`value("name")`); a batch's
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
  const slots = params.map((p) => {
    if (is(p, Placeholder)) return { name: p.name, encode: undefined };
    if (is(p, Param) && is(p.value, Placeholder)) return { name: (p.value as Placeholder).name, encode: p.encoder };
    return undefined;
  });
  // Each value is sent once however often the statement uses it: its `?`s become numbered (`?1`, `?2`, … as D1
  // and SQLite allow), one number per placeholder and encoder — half of the completion's parameters were repeats.
  // Only when the text's `?`s are exactly its parameters (no `?` in a literal); otherwise it stays as built.
  const numbered = (text.match(/\?/g) ?? []).length === params.length;
  // `order`: the parameter each number sends; `numbers`: each `?`'s number.
  const order: number[] = [];
  const numbers = slots.map((slot, i) => {
    const same = slot ? order.findIndex((j) => slots[j]?.name === slot.name && slots[j]?.encode === slot.encode) : -1;
    return same >= 0 ? same + 1 : order.push(i);
  });
  let next = 0;
  const sqlText = numbered ? text.replace(/\?/g, () => `?${numbers[next++]}`) : text;
  const sent = numbered ? order : params.map((_, i) => i);
  const plan = sent.map((i): ((values: Values) => unknown) => {
    const slot = slots[i];
    if (!slot) return () => params[i];
    const encode = slot.encode;
    return (values) => {
      if (!(slot.name in values)) throw new Error(`no value for the statement's placeholder "${slot.name}"`);
      const v = values[slot.name];
      return v === null ? null : encode ? encode.mapToDriverValue(v) : v;
    };
  });
  return { sql: sqlText, params: (values) => plan.map((fill) => fill(values)), mapResult: (response) => prepared.mapResult(response, true) };
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
