/**
 * Everything the app reads from its environment, parsed once into a typed Config: with the providers' own readers
 * (src/providers/*\/config.ts), the only place that knows the var names. A value that does not parse is a problem
 * that names the var, never silently replaced by a default; an empty string means unset. The providers come in as
 * an argument, so `npm run check` runs the same rules over wrangler.toml's [vars] (scripts/check-config.ts).
 */

import { logLine } from "../lib/log";
import type { Provider, ProviderConfigurer, ProviderName } from "../providers/provider";
import { type ConfigProblem, isOrigin, isServiceUrl, Reader, type Vars } from "./reader";

export type { ConfigProblem };
export { isOrigin, isServiceUrl };

export type AgeRule = "international" | "youth_act";

export interface Config {
  mode: "live" | "sandbox";
  /** The provider PORTONE_VERSION picks, configured: i'mport (PortOne V1) or PortOne V2. */
  provider: Provider;
  timeoutMs: number;
  minAge: number;
  ageRule: AgeRule;
  /** `SERVICE_NAME`: the site's name as people see it (the page, Danal's window). */
  serviceName?: string;
  sessionTtlSeconds: number;
  identityHmacKey: string;
  /** `IDENTITY_HMAC_PREVIOUS_KEYS`: earlier keys during a rotation; people stored under one are still found. */
  previousIdentityHmacKeys: string[];
  allowedOrigins: string[];
  rateLimit: boolean;
  /** Exact origins a verified visitor may be sent back to with a receipt. */
  returnOrigins: string[];
  /** The key that signs receipts, imported; absent in live mode without RECEIPT_PRIVATE_KEY. */
  receiptKey?: SigningKey;
  receiptTtlSeconds: number;
  /** Bearer key of the site API; absent: the site API answers 503 not_configured. */
  siteApiKey?: string;
  /** After a withdrawal, how long the same person is refused a new account (0: nothing is kept). */
  rejoinCooldownDays: number;
}

/** A signing key, imported once: its public half for the JWKS, its private half for Web Crypto. */
export interface SigningKey {
  kid: string;
  publicJwk: { kty: "EC"; crv: "P-256"; x: string; y: string };
  privateKey: CryptoKey;
}

/** A private EC P-256 JWK, as `npm run keygen` prints it. */
export interface ReceiptKey {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
  d: string;
  kid: string;
}

export interface ConfigResult {
  config: Config;
  /** Empty when the app can serve verifications. */
  problems: ConfigProblem[];
}

/** The sandbox's own secrets (each provider keeps its simulator's credentials): public here, so live mode refuses them. */
export const SANDBOX_CREDENTIALS = {
  identityHmacKey: "sandbox-identity-hmac-key-not-for-production",
  /** The site API's key in the sandbox, so a site's backend can be tried against `npm run dev`; refused live. */
  siteApiKey: "sandbox-site-api-key",
  /** Signs the sandbox's receipts. Public in this repository, so live mode refuses it. */
  receiptKey: {
    kty: "EC",
    crv: "P-256",
    x: "bThko755bYt_Ger5oScy_a4_Qt_Gf2VEWs474roql68",
    y: "aWX7CfJ9lnda7h2hJJOR2OdYAid2CVDSfNzrcvqyo5o",
    d: "O5UFhucOOuNCgZsUs3tOuA9p8ekQUo0RDM7INiPvptM",
    kid: "sandbox-receipt-key-1",
  },
} as const;

export const DEFAULTS = {
  IMP_MODE: "live",
  PORTONE_VERSION: "v1",
  IMP_TIMEOUT_MS: 5000,
  MIN_AGE: 19,
  AGE_RULE: "international",
  SESSION_TTL_SECONDS: 900,
  RATE_LIMIT: "on",
  RECEIPT_TTL_SECONDS: 300,
  REJOIN_COOLDOWN_DAYS: 0,
} as const;

/** The minimum length of IDENTITY_HMAC_KEY: a short key makes the stored identity keys guessable. */
const HMAC_KEY_MIN_LENGTH = 32;

const B64URL = /^[A-Za-z0-9_-]+$/;

/** A private EC P-256 JWK with a kid, or undefined (its value is a secret: never echoed). */
function receiptKeyOf(raw: string): ReceiptKey | undefined {
  let jwk: unknown;
  try {
    jwk = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof jwk !== "object" || jwk === null) return undefined;
  const k = jwk as Record<string, unknown>;
  const part = (v: unknown) => typeof v === "string" && B64URL.test(v);
  if (k.kty !== "EC" || k.crv !== "P-256" || !part(k.x) || !part(k.y) || !part(k.d) || typeof k.kid !== "string" || !k.kid) {
    return undefined;
  }
  return { kty: "EC", crv: "P-256", x: k.x as string, y: k.y as string, d: k.d as string, kid: k.kid };
}

const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;

/**
 * The key, imported and proven to work: it signs, and its own x/y verify what it signed. `null` when Web Crypto
 * refuses it (a point off the curve, a `d` out of range, an x/y of another key). Its `d` comes back in Web Crypto's
 * own spelling, so comparing keys compares their material, not how a JWK happens to write it.
 */
async function importSigningKey(jwk: ReceiptKey): Promise<{ key: SigningKey; d: string } | null> {
  try {
    const { kty, crv, x, y, d } = jwk;
    const privateKey = await crypto.subtle.importKey("jwk", { kty, crv, x, y, d }, ECDSA_P256, true, ["sign"]);
    const publicKey = await crypto.subtle.importKey("jwk", { kty, crv, x, y }, ECDSA_P256, true, ["verify"]);
    const probe = new TextEncoder().encode(jwk.kid);
    const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, privateKey, probe);
    if (!(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, signature, probe))) return null;
    const own = (await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey;
    const pub = (await crypto.subtle.exportKey("jwk", publicKey)) as JsonWebKey;
    if (!own.d || !pub.x || !pub.y) return null;
    return { key: { kid: jwk.kid, publicJwk: { kty: "EC", crv: "P-256", x: pub.x, y: pub.y }, privateKey }, d: own.d };
  } catch {
    return null;
  }
}

/**
 * Parses the environment, then imports every key it names: a key is checked by using it, never by its shape.
 * The same env always gives the same result.
 */
export async function parseConfig(env: Vars, providers: readonly ProviderConfigurer[]): Promise<ConfigResult> {
  const { config, reader, receiptJwk } = parseVars(env, providers);
  if (receiptJwk) {
    const sandbox = config.mode === "sandbox";
    const [imported, sandboxKey] = await Promise.all([importSigningKey(receiptJwk), importSigningKey(SANDBOX_CREDENTIALS.receiptKey)]);
    if (!imported) {
      reader.fail("RECEIPT_PRIVATE_KEY", "a private EC P-256 JWK with a kid that Web Crypto can import, as npm run keygen prints it");
    } else if (!sandbox && imported.d === sandboxKey?.d) {
      reader.fail("RECEIPT_PRIVATE_KEY", "a key of your own: the sandbox's key is public (npm run keygen)");
    } else {
      config.receiptKey = imported.key;
    }
  }
  return { config, problems: reader.problems };
}

/** The vars, read and checked one by one; the keys they name are imported by parseConfig. */
function parseVars(env: Vars, providers: readonly ProviderConfigurer[]): { config: Config; reader: Reader; receiptJwk?: ReceiptKey } {
  const r = new Reader(env);
  const mode = r.oneOf("IMP_MODE", ["live", "sandbox"], DEFAULTS.IMP_MODE);
  const names = providers.map((p) => p.name);
  const chosen = r.oneOf<ProviderName>("PORTONE_VERSION", names, DEFAULTS.PORTONE_VERSION);
  const sandbox = mode === "sandbox";
  const identityHmacKey = r.text("IDENTITY_HMAC_KEY");
  if (identityHmacKey !== undefined && identityHmacKey.length < HMAC_KEY_MIN_LENGTH) {
    r.fail("IDENTITY_HMAC_KEY", `at least ${HMAC_KEY_MIN_LENGTH} characters (e.g. openssl rand -base64 32)`);
  } else if (!sandbox && identityHmacKey === SANDBOX_CREDENTIALS.identityHmacKey) {
    // The sandbox's key is in this repository: with it, anyone could mint attempt ids and binding cookies offline.
    r.fail("IDENTITY_HMAC_KEY", "a key of your own: the sandbox's key is public (e.g. openssl rand -base64 32)");
  }
  const previousRaw = r.text("IDENTITY_HMAC_PREVIOUS_KEYS");
  const previousIdentityHmacKeys = (previousRaw ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  if (previousIdentityHmacKeys.some((k) => k.length < HMAC_KEY_MIN_LENGTH || k === identityHmacKey)) {
    r.fail(
      "IDENTITY_HMAC_PREVIOUS_KEYS",
      `earlier IDENTITY_HMAC_KEYs, comma-separated, each at least ${HMAC_KEY_MIN_LENGTH} characters and not the current key`,
    );
  }
  const timeoutMs = r.integer("IMP_TIMEOUT_MS", DEFAULTS.IMP_TIMEOUT_MS, 100, 60_000);
  const minAge = r.integer("MIN_AGE", DEFAULTS.MIN_AGE, 0, 100);
  const ageRule = r.oneOf<AgeRule>("AGE_RULE", ["international", "youth_act"], DEFAULTS.AGE_RULE);
  const serviceName = r.matching("SERVICE_NAME", /^[^<>"]{1,60}$/, "the site's name as people see it: 1 to 60 characters, without < > \"");
  // Every provider's vars are checked, whichever runs: a wrong value waiting in wrangler.toml is still wrong.
  const shared = { sandbox, timeoutMs, minAge, ageRule, serviceName };
  const configured = providers.map((p) => p.configure(r, { ...shared, active: p.name === chosen }));
  const provider = configured[names.indexOf(chosen)] ?? configured[0]!;
  const config: Config = {
    mode,
    provider,
    timeoutMs,
    minAge,
    ageRule,
    serviceName,
    sessionTtlSeconds: r.integer("SESSION_TTL_SECONDS", DEFAULTS.SESSION_TTL_SECONDS, 60, 86_400),
    identityHmacKey: identityHmacKey ?? (sandbox ? SANDBOX_CREDENTIALS.identityHmacKey : ""),
    previousIdentityHmacKeys,
    allowedOrigins: r.origins("ALLOWED_ORIGINS"),
    returnOrigins: r.origins("RETURN_ORIGINS"),
    receiptKey: undefined,
    receiptTtlSeconds: r.integer("RECEIPT_TTL_SECONDS", DEFAULTS.RECEIPT_TTL_SECONDS, 30, 3600),
    siteApiKey: undefined,
    rejoinCooldownDays: r.integer("REJOIN_COOLDOWN_DAYS", DEFAULTS.REJOIN_COOLDOWN_DAYS, 0, 3650),
    rateLimit: r.oneOf("RATE_LIMIT", ["on", "off"], DEFAULTS.RATE_LIMIT) === "on",
  };
  const rawReceiptKey = r.text("RECEIPT_PRIVATE_KEY");
  let receiptJwk: ReceiptKey | undefined = sandbox ? SANDBOX_CREDENTIALS.receiptKey : undefined;
  if (rawReceiptKey !== undefined) {
    receiptJwk = receiptKeyOf(rawReceiptKey);
    if (!receiptJwk) r.fail("RECEIPT_PRIVATE_KEY", "a private EC P-256 JWK with a kid, as npm run keygen prints it");
  }
  const siteApiKey = r.text("SITE_API_KEY");
  if (siteApiKey === undefined) {
    config.siteApiKey = sandbox ? SANDBOX_CREDENTIALS.siteApiKey : undefined;
  } else if (siteApiKey.length < HMAC_KEY_MIN_LENGTH || (!sandbox && siteApiKey === SANDBOX_CREDENTIALS.siteApiKey)) {
    r.fail("SITE_API_KEY", `a key of your own, at least ${HMAC_KEY_MIN_LENGTH} characters (e.g. openssl rand -base64 32)`);
  } else {
    config.siteApiKey = siteApiKey;
  }
  if (!sandbox) {
    // Live mode never falls back to the sandbox: what it lacks is a problem like a wrong value (the providers
    // name theirs).
    r.require("IDENTITY_HMAC_KEY", identityHmacKey, "required in live mode: the key of the identity HMAC (a secret)");
  }
  return { config, reader: r, receiptJwk };
}

const parsed = new WeakMap<object, Promise<ConfigResult>>();

/**
 * The config of this env, parsed once per env object (one per isolate in workerd); the first parse logs one
 * warning line per wrong var, with what it expects and never its value.
 */
export function readConfig(env: Vars, providers: readonly ProviderConfigurer[]): Promise<ConfigResult> {
  let result = parsed.get(env);
  if (!result) {
    result = parseConfig(env, providers).then((parsedConfig) => {
      for (const problem of parsedConfig.problems) {
        logLine("warn", "config_problem", { var: problem.name, expected: problem.expected });
      }
      return parsedConfig;
    });
    parsed.set(env, result);
  }
  return result;
}
