import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { preparedBatch, value } from "../../src/db/prepared";
import { openDb } from "../../src/db/queries";

/** The SQL texts sent to D1, recorded. */
function recording(d1: D1Database, texts: string[]): D1Database {
  return new Proxy(d1, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => (texts.push(query), target.prepare(query));
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

describe("prepared batches", () => {
  it("bind a value used twice in both of its places, and each value to its own", async () => {
    const texts: string[] = [];
    const run = preparedBatch(
      (db) => [
        db
          .select({
            a: sql<string>`${value("a")}`.as("a"),
            b: sql<string>`${value("b")}`.as("b"),
            again: sql<string>`${value("a")}`.as("again"),
          })
          .from(sql`(SELECT 1)`),
      ],
      () => "",
    );
    const [rows] = await run(openDb(recording(env.DB, texts)), undefined, { a: "first", b: "second" });
    expect(rows).toEqual([{ a: "first", b: "second", again: "first" }]);
    expect(texts).toHaveLength(1);
  });

  it("leave a statement whose text holds a ? of its own as Drizzle built it", async () => {
    const texts: string[] = [];
    const run = preparedBatch(
      (db) => [db.select({ mark: sql<string>`'?'`.as("mark"), a: sql<string>`${value("a")}`.as("a") }).from(sql`(SELECT 1)`)],
      () => "",
    );
    const [rows] = await run(openDb(recording(env.DB, texts)), undefined, { a: "x" });
    expect(rows).toEqual([{ mark: "?", a: "x" }]);
    expect(texts[0]).toContain("'?'");
  });
});
