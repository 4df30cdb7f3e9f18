import { env } from "cloudflare:workers";

export async function count(table: "users" | "attempts", where = "1 = 1", ...params: unknown[]): Promise<number> {
  const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`)
    .bind(...params)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** A snapshot of both tables, to assert that a rejected request changed nothing. */
export async function snapshot(): Promise<string> {
  const [users, attempts] = await Promise.all([
    env.DB.prepare("SELECT * FROM users ORDER BY id").all(),
    env.DB.prepare("SELECT * FROM attempts ORDER BY merchant_uid").all(),
  ]);
  return JSON.stringify([users.results, attempts.results]);
}
