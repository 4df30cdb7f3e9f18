import type { Context } from "hono";
import type { AppEnv } from "../env";
import { type ErrorCode, toAppError } from "../errors";
import { resultPage } from "../views/result-page";
import { logUnexpected } from "./log";

/**
 * The error handler of the HTML routes: whatever was thrown becomes a page with the table's status and
 * `data-error-code`, never JSON; an unexpected fault is logged and shown as `internal_error`.
 */
export function errorPage<E extends AppEnv>(
  c: Context<E>,
  err: unknown,
  options: { cancelled?: boolean; back?: (code: ErrorCode) => string | undefined } = {},
) {
  const error = toAppError(err);
  if (error.code === "internal_error") logUnexpected(c, err);
  return resultPage(c, { error: error.code, cancelled: options.cancelled, back: options.back?.(error.code) });
}
