import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { AppError } from "../errors";
import { logLine } from "../lib/log";

/**
 * Per-client rate limit through a Workers Rate Limiting binding; throws 429 `rate_limited` with Retry-After (the
 * binding's period). A limiter that fails lets the request through: it guards cost, not correctness.
 */
export async function enforceRateLimit<E extends AppEnv>(c: Context<E>, limiter: RateLimit | undefined, scope: string) {
  if (!c.get("config").rateLimit || !limiter) return;
  const client = c.req.header("CF-Connecting-IP") ?? "local";
  let allowed = true;
  try {
    allowed = (await limiter.limit({ key: `${scope}:${client}` })).success;
  } catch {
    logLine("warn", "rate_limiter_error", { scope, request_id: c.get("requestId") });
  }
  if (!allowed) {
    c.header("Retry-After", String(RATE_LIMIT_PERIOD_SECONDS));
    throw new AppError("rate_limited");
  }
}

/** Every limiter in wrangler.toml uses a 60-second period. */
const RATE_LIMIT_PERIOD_SECONDS = 60;

export const rateLimit = (pick: (env: Env) => RateLimit | undefined, scope: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    await enforceRateLimit(c, pick(c.env), scope);
    await next();
  });

/** Attempts issued (the page and prepare), and verifications tried (every verifying route), per client. */
export const prepareLimit = rateLimit((env) => env.PREPARE_LIMITER, "prepare");
export const verifyLimit = rateLimit((env) => env.VERIFY_LIMITER, "verify");
/** SMS codes asked for, per client (each is a text message someone pays for). */
export const smsLimit = rateLimit((env) => env.SMS_LIMITER, "sms");
