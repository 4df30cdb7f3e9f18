import { PG_PROFILES } from "../providers/pg";

/**
 * Every variable the app reads, declared once: what it accepts, its default, and whether it is a secret. The
 * parser reads each var through its declaration (Reader.read), `npm run check` holds wrangler.toml to it, and
 * docs/configuration.md is generated from it (with each var's meaning, kept beside the generator in
 * scripts/configuration-doc.ts so that the Worker never ships prose).
 */
export type VarDecl =
  | { kind: "choice"; values: readonly string[]; default?: string; secret?: false }
  | { kind: "integer"; min: number; max: number; default: number; secret?: false }
  | { kind: "url"; default?: string; secret?: false }
  | { kind: "pattern"; pattern: RegExp; expected: string; secret?: boolean }
  | { kind: "origins"; secret?: false }
  /** Read as text and checked where it is used (a JSON list, a key Web Crypto must import, a name): docs/configuration.md says what it takes. */
  | { kind: "text"; secret?: boolean };

export const VARS = {
  IMP_MODE: { kind: "choice", values: ["live", "sandbox"], default: "live" },
  PORTONE_VERSION: { kind: "choice", values: ["v1", "v2"], default: "v1" },
  IMP_CODE: { kind: "pattern", pattern: /^imp\d+$/, expected: "the merchant code: imp followed by digits" },
  IMP_KEY: { kind: "text", secret: true },
  IMP_SECRET: { kind: "text", secret: true },
  IMP_API_BASE: { kind: "url", default: "https://api.iamport.kr" },
  IMP_SDK_URL: { kind: "url", default: "https://cdn.iamport.kr/v1/iamport.js" },
  IMP_CHANNEL_KEY: { kind: "text" },
  IMP_PG: { kind: "text" },
  IMP_COMPANY: { kind: "text" },
  PORTONE_STORE_ID: { kind: "pattern", pattern: /^store-[A-Za-z0-9-]+$/, expected: "the store id: store-…" },
  PORTONE_CHANNEL_KEY: { kind: "pattern", pattern: /^channel-key-[A-Za-z0-9-]+$/, expected: "the channel key: channel-key-…" },
  PORTONE_API_SECRET: { kind: "text", secret: true },
  PORTONE_API_BASE: { kind: "url", default: "https://api.portone.io" },
  PORTONE_SDK_URL: { kind: "url", default: "https://cdn.portone.io/v2/browser-sdk.js" },
  PORTONE_PG: { kind: "choice", values: PG_PROFILES },
  SERVICE_NAME: { kind: "pattern", pattern: /^[^<>"]{1,60}$/, expected: "the site's name as people see it: 1 to 60 characters, without < > \"" },
  IMP_TIMEOUT_MS: { kind: "integer", min: 100, max: 60_000, default: 5000 },
  MIN_AGE: { kind: "integer", min: 0, max: 100, default: 19 },
  AGE_RULE: { kind: "choice", values: ["international", "youth_act"], default: "international" },
  SESSION_TTL_SECONDS: { kind: "integer", min: 60, max: 86_400, default: 900 },
  IDENTITY_HMAC_KEY: { kind: "text", secret: true },
  IDENTITY_HMAC_PREVIOUS_KEYS: { kind: "text", secret: true },
  ALLOWED_ORIGINS: { kind: "origins" },
  RATE_LIMIT: { kind: "choice", values: ["on", "off"], default: "on" },
  PUBLIC_URL: { kind: "text" },
  OIDC_CLIENTS: { kind: "text" },
  OIDC_CLIENT_SECRETS: { kind: "text", secret: true },
  SIGNING_KEY: { kind: "text", secret: true },
  SIGNING_RSA_KEY: { kind: "text", secret: true },
  SIGNING_PREVIOUS_KEYS: { kind: "text" },
  REJOIN_COOLDOWN_DAYS: { kind: "integer", min: 0, max: 3650, default: 0 },
  GUARDIAN_CONSENT_UNDER: { kind: "integer", min: 0, max: 19, default: 14 },
  GUARDIAN_CONSENT_TTL_SECONDS: { kind: "integer", min: 600, max: 604_800, default: 86_400 },
  VERIFY_METHOD: { kind: "choice", values: ["window", "sms", "both"], default: "window" },
  WEBHOOK_SECRETS: { kind: "text", secret: true },
  WEBHOOK_RETRY_BASE_SECONDS: { kind: "integer", min: 1, max: 3600, default: 30 },
  SANDBOX_WEBHOOK_URL: { kind: "text" },
  ADMIN_ACCESS_TEAM_URL: { kind: "url" },
  ADMIN_ACCESS_AUD: { kind: "pattern", pattern: /^[0-9a-f]{64}$/, expected: "the Access application's audience tag: 64 hex digits" },
} as const satisfies Record<string, VarDecl>;

export type VarName = keyof typeof VARS;

/** What reading a var gives: its type follows its declaration (a default makes it always defined). */
export type VarValue<N extends VarName> = (typeof VARS)[N] extends { kind: "choice"; values: readonly (infer V)[]; default: string }
  ? V
  : (typeof VARS)[N] extends { kind: "choice"; values: readonly (infer V)[] }
    ? V | undefined
    : (typeof VARS)[N] extends { kind: "integer" }
      ? number
      : (typeof VARS)[N] extends { kind: "url"; default: string }
        ? string
        : (typeof VARS)[N] extends { kind: "origins" }
          ? string[]
          : string | undefined;

/** What a declaration accepts, in words (a problem's `expected`, and the generated docs). */
export function accepted(decl: VarDecl): string {
  switch (decl.kind) {
    case "choice":
      return `one of ${decl.values.join(", ")}`;
    case "integer":
      return `a whole number from ${decl.min} to ${decl.max}`;
    case "url":
      return "an absolute https URL (http only for localhost or 127.0.0.1)";
    case "origins":
      return "comma-separated origins, each exactly scheme://host[:port]";
    case "pattern":
      return decl.expected;
    case "text":
      return "text, checked as its meaning says";
  }
}
