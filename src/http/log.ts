import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv, VerificationLog } from "../env";
import { toAppError } from "../errors";

export const newLog = (route: string): VerificationLog => ({ route, upstream: [], token: [], d1: { roundTrips: 0, ms: 0 } });

/**
 * The one line per verification, written here and only here: the route's outcome or the error it ended with
 * (whichever error handler rendered it), upstream calls, token sources, D1 round-trips. No personal data.
 */
export const logVerification = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  const log = c.get("log");
  log.route = `${c.req.method} ${new URL(c.req.url).pathname}`;
  await next();
  if (c.error) log.error_code = toAppError(c.error).code;
  console.log(JSON.stringify({ level: "info", msg: "verification", request_id: c.get("requestId"), ms: Date.now() - started, ...log }));
});

/** An unexpected fault: its name and our own message go to the log (never bound values); the client sees none. */
export function logUnexpected(c: Context<AppEnv>, err: unknown) {
  console.error(
    JSON.stringify({
      level: "error",
      msg: "unhandled_error",
      request_id: c.get("requestId"),
      path: new URL(c.req.url).pathname,
      error: err instanceof Error ? err.name : typeof err,
      // Messages of our own and of D1 name constraints and columns, never bound values.
      detail: err instanceof Error ? err.message.slice(0, 200) : undefined,
    }),
  );
}
