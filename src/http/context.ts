import { createMiddleware } from "hono/factory";
import { countRefusal } from "../db/console";
import { type Db, openDb } from "../db/queries";
import type { AppEnv } from "../env";
import { toAppError } from "../errors";
import { logLine } from "../lib/log";
import type { ResultSource } from "../providers/provider";
import { tallyOf } from "../verification/verify";
import { logRequest, newLog, type RequestLog } from "./log";

/**
 * The per-request objects, set up only where a route asks for them. Each middleware's type adds what it sets, so a
 * handler that did not mount it cannot reach `db` or `results` (tsc says so), and every D1 round-trip of the app —
 * verification, site API, sandbox — is counted into one log line per request.
 */
export type StorageVariables = { db: Db; log: RequestLog };
export type VerificationVariables = StorageVariables & { results: ResultSource };

function storage(d1: D1Database) {
  const log = newLog();
  return { log, db: openDb(d1, log.d1) };
}

/** D1 through Drizzle, counted into the request's log line, whose `msg` names the part of the app. */
export const withStorage = (msg: "site_api" | "sandbox" | "oidc" | "guardian" | "admin") =>
  createMiddleware<AppEnv & { Variables: StorageVariables }>(async (c, next) => {
    const started = Date.now();
    const { log, db } = storage(c.env.DB);
    c.set("log", log);
    c.set("db", db);
    await next();
    logRequest(c, msg, log, started);
  });

/** D1 and this request's client of the configured provider: the routes that verify (`msg: "verification"`). */
export const withVerification = createMiddleware<AppEnv & { Variables: VerificationVariables }>(async (c, next) => {
  const started = Date.now();
  const { log, db } = storage(c.env.DB);
  c.set("log", log);
  c.set("db", db);
  const requestId = c.get("requestId");
  c.set(
    "results",
    c.get("config").provider.client({
      fetch: c.get("upstream"),
      timeoutMs: c.get("config").timeoutMs,
      onCall: (call) => log.upstream.push(call),
      cache: c.env.CACHE,
      waitUntil: (promise) => c.executionCtx.waitUntil(promise),
      note: (key, value) => {
        log.notes[key] ??= [];
        log.notes[key].push(value);
      },
      warn: (msg, fields) => logLine("warn", msg, { ...fields, request_id: requestId }),
    }),
  );
  await next();
  logRequest(c, "verification", log, started);
  // A refusal is counted for the console by one write after the answer (a success was counted in its own batch).
  // The rate limiter's own refusals never get here: a stranger cannot make the app write for each request they send.
  if (c.error) {
    const error = toAppError(c.error);
    if (error.code !== "rate_limited") {
      const counted = countRefusal(db, tallyOf(c.get("config"), Date.now()), error.code, error.pgCode).catch((err: unknown) =>
        logLine("error", "count_fault", { request_id: requestId, error: err instanceof Error ? err.name : typeof err }),
      );
      c.executionCtx.waitUntil(counted);
    }
  }
});
