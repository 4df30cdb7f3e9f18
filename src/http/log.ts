import type { Context } from "hono";
import type { D1Stats } from "../db/queries";
import type { AppEnv } from "../env";
import { toAppError } from "../errors";
import { logLine } from "../lib/log";
import type { UpstreamCall } from "../providers/provider";

/** What one request did, for its log line: only codes, counts and timings, never personal data or secrets. */
export interface RequestLog {
  outcome?: string;
  error_code?: string;
  upstream: UpstreamCall[];
  /** D1 round-trips (a batch is one) and the time spent on them. */
  d1: D1Stats;
  /** A provider's notes, such as where each REST token came from (`token: ["memory"]`). */
  notes: Record<string, string[]>;
}

export const newLog = (): RequestLog => ({ upstream: [], d1: { roundTrips: 0, ms: 0 }, notes: {} });

/**
 * The request's one line, once the route answered: its outcome or the error it ended with (whichever error handler
 * rendered it), upstream calls, D1 round-trips.
 */
export function logRequest<E extends AppEnv>(c: Context<E>, msg: string, log: RequestLog, started: number) {
  if (c.error) log.error_code = toAppError(c.error).code;
  const { notes, ...rest } = log;
  logLine("info", msg, {
    request_id: c.get("requestId"),
    route: `${c.req.method} ${withoutIds(c.req.path)}`,
    status: c.res.status,
    ms: Date.now() - started,
    ...rest,
    ...notes,
  });
}

/**
 * A path with its ids (imp_uids, attempt ids, user ids, pairwise subjects, a guardian's link) replaced: a log line
 * names the route, not whose it was.
 */
const withoutIds = (path: string) =>
  path
    .split("/")
    .map((part) => (/^(imp_\d+|usr_[\w-]+|p_[\w-]+|[A-Za-z0-9]{20,}|[\w-]{22}\.[0-9a-z]+\.[\w-]+)$/.test(part) ? ":id" : part))
    .join("/");

/** An unexpected fault: its name and our own message go to the log (never bound values); the client sees none. */
export function logUnexpected<E extends AppEnv>(c: Context<E>, err: unknown) {
  logLine("error", "unhandled_error", {
    request_id: c.get("requestId"),
    path: withoutIds(c.req.path),
    error: err instanceof Error ? err.name : typeof err,
    // Messages of our own and of D1 name constraints and columns, never bound values.
    detail: err instanceof Error ? err.message.slice(0, 200) : undefined,
  });
}
