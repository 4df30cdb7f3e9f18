import { AppError } from "./verification/errors";

export type AgeRule = "international" | "youth_act";

/** Everything the app reads from its environment, validated once; the only place that knows the var names. */
export interface Config {
  mode: "live" | "sandbox";
  impCode: string;
  impKey: string;
  impSecret: string;
  apiBase: string;
  sdkUrl: string;
  channelKey?: string;
  pg?: string;
  company?: string;
  timeoutMs: number;
  minAge: number;
  ageRule: AgeRule;
  sessionTtlSeconds: number;
  identityHmacKey: string;
  allowedOrigins: string[];
  rateLimit: boolean;
  /** `TOKEN_CACHE=off` fetches a new token for every verification, as the seed's sample does (benchmark baseline). */
  tokenCache: boolean;
}

/** Sandbox credentials: the simulator accepts exactly these, so sandbox mode needs no secrets. */
export const SANDBOX_CREDENTIALS = {
  impCode: "imp00000000",
  impKey: "sandbox_key",
  impSecret: "sandbox_secret",
  identityHmacKey: "sandbox-identity-hmac-key-not-for-production",
  /** The client calls the simulator in-process (a Worker cannot fetch its own hostname), so the host is moot. */
  apiBase: "https://sandbox.invalid/sandbox/api",
} as const;

type Vars = Partial<Record<keyof Env, unknown>>;

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;

function integer(value: unknown, fallback: number, min: number, max: number): number {
  const raw = text(value);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  return Number.isInteger(n) && n >= min && n <= max ? n : fallback;
}

const DEFAULT_SDK_URL = "https://cdn.iamport.kr/v1/iamport.js";

/** An absolute http(s) URL, or undefined (the page's CSP is built from its origin). */
const httpUrl = (value: string | undefined) =>
  value && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol) ? value : undefined;

const cache = new WeakMap<object, Config>();

export function readConfig(env: Vars): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const mode = text(env.IMP_MODE) === "sandbox" ? "sandbox" : "live";
  const sandbox = mode === "sandbox";
  const config: Config = {
    mode,
    impCode: text(env.IMP_CODE) ?? (sandbox ? SANDBOX_CREDENTIALS.impCode : ""),
    // In sandbox mode the simulator's own credentials are used, whatever .dev.vars holds, so that live keys
    // are never sent to the simulator and the simulator never accepts live keys.
    impKey: sandbox ? SANDBOX_CREDENTIALS.impKey : (text(env.IMP_KEY) ?? ""),
    impSecret: sandbox ? SANDBOX_CREDENTIALS.impSecret : (text(env.IMP_SECRET) ?? ""),
    apiBase: sandbox ? SANDBOX_CREDENTIALS.apiBase : (text(env.IMP_API_BASE) ?? "https://api.iamport.kr").replace(/\/+$/, ""),
    sdkUrl: httpUrl(text(env.IMP_SDK_URL)) ?? DEFAULT_SDK_URL,
    channelKey: text(env.IMP_CHANNEL_KEY),
    pg: text(env.IMP_PG),
    company: text(env.IMP_COMPANY),
    timeoutMs: integer(env.IMP_TIMEOUT_MS, 5000, 100, 60_000),
    minAge: integer(env.MIN_AGE, 19, 0, 150),
    ageRule: text(env.AGE_RULE) === "youth_act" ? "youth_act" : "international",
    sessionTtlSeconds: integer(env.SESSION_TTL_SECONDS, 900, 60, 86_400),
    identityHmacKey: text(env.IDENTITY_HMAC_KEY) ?? (sandbox ? SANDBOX_CREDENTIALS.identityHmacKey : ""),
    allowedOrigins: (text(env.ALLOWED_ORIGINS) ?? "")
      .split(",")
      .map((o) => o.trim().replace(/\/+$/, ""))
      .filter(Boolean),
    rateLimit: text(env.RATE_LIMIT) !== "off",
    tokenCache: text(env.TOKEN_CACHE) !== "off",
  };
  cache.set(env, config);
  return config;
}

/** Live mode needs all four credentials; it never falls back to the sandbox. */
export function assertConfigured(config: Config): void {
  if (config.mode === "sandbox") return;
  const missing = [
    ["IMP_CODE", config.impCode],
    ["IMP_KEY", config.impKey],
    ["IMP_SECRET", config.impSecret],
    ["IDENTITY_HMAC_KEY", config.identityHmacKey],
  ].filter(([, value]) => !value);
  if (missing.length > 0) {
    throw new AppError("not_configured", `missing ${missing.map(([name]) => name).join(", ")}`);
  }
}
