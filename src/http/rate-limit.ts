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
  const client = clientOf(c.req.header("CF-Connecting-IP"));
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

/**
 * Who a client is to a limit: its IPv4 address, or its IPv6 /64 — the block one subscriber is given and may rotate
 * addresses within at will, so counting each address would multiply its budget by 2^64.
 */
export function clientOf(address: string | undefined): string {
  if (!address) return "local";
  if (!address.includes(":")) return address;
  const ip = address.toLowerCase().split("%")[0]!;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (mapped) return mapped[1]!;
  const groups = (part: string) => (part ? part.split(":").flatMap((g) => (g.includes(".") ? ["0", "0"] : [g])) : []);
  const [head = "", tail] = ip.split("::");
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${all
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
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
