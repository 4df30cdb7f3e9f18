/**
 * Everything the app reads from its environment, parsed once into a typed Config: the only place that knows the
 * var names. A value that does not parse is a problem that names the var, never silently replaced by a default;
 * an empty string means unset. This module imports nothing, so `npm run check` runs the same rules over
 * wrangler.toml's [vars] in Node (scripts/check-config.ts).
 */

export type AgeRule = "international" | "youth_act";

export interface Config {
  mode: "live" | "sandbox";
  /** `PORTONE_VERSION`: i'mport (PortOne V1) or PortOne V2. */
  provider: "v1" | "v2";
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
  /** PortOne V2: what the browser SDK and the REST API need. */
  portone: { storeId: string; channelKey: string; apiSecret: string; apiBase: string; sdkUrl: string };
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

/** A var that is wrong or missing, and what it should be. Never carries the value (it may be a secret). */
export interface ConfigProblem {
  name: string;
  expected: string;
}

export interface ConfigResult {
  config: Config;
  /** Empty when the app can serve verifications. */
  problems: ConfigProblem[];
}

/** Sandbox credentials: the simulator accepts exactly these, so sandbox mode needs no secrets. */
export const SANDBOX_CREDENTIALS = {
  impCode: "imp00000000",
  impKey: "sandbox_key",
  impSecret: "sandbox_secret",
  identityHmacKey: "sandbox-identity-hmac-key-not-for-production",
  /** The client calls the simulator in-process (a Worker cannot fetch its own hostname), so the host is moot. */
  apiBase: "https://sandbox.invalid/sandbox/api",
  portone: {
    storeId: "store-00000000-0000-0000-0000-000000000000",
    channelKey: "channel-key-00000000-0000-0000-0000-000000000000",
    apiSecret: "sandbox_portone_api_secret",
    // The V2 simulator answers at the root, as PortOne does (its own SDK keeps only the origin of a base URL).
    apiBase: "https://sandbox.invalid",
  },
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
  IMP_API_BASE: "https://api.iamport.kr",
  IMP_SDK_URL: "https://cdn.iamport.kr/v1/iamport.js",
  PORTONE_VERSION: "v1",
  PORTONE_API_BASE: "https://api.portone.io",
  PORTONE_SDK_URL: "https://cdn.portone.io/v2/browser-sdk.js",
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

/** The Worker's env (or wrangler.toml's [vars]): read by name, whatever else it holds. */
type Vars = object;

/** Reads one var at a time, collecting a problem for each value that does not parse. */
class Reader {
  readonly problems: ConfigProblem[] = [];
  private readonly env: Vars;
  constructor(env: Vars) {
    this.env = env;
  }

  /** The trimmed value, or undefined when unset or empty. A non-string (a JSON var) is a problem. */
  text(name: string): string | undefined {
    const value = (this.env as Record<string, unknown>)[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") {
      this.fail(name, "a string");
      return undefined;
    }
    return value.trim() === "" ? undefined : value.trim();
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.fail(name, `one of ${allowed.join(", ")}`);
    return fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    if (/^\d+$/.test(raw)) {
      const n = Number(raw);
      if (n >= min && n <= max) return n;
    }
    this.fail(name, `a whole number from ${min} to ${max}`);
    return fallback;
  }

  url(name: string, fallback: string): string {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    if (isServiceUrl(raw)) return raw.replace(/\/+$/, "");
    this.fail(name, "an absolute https URL (http only for localhost or 127.0.0.1)");
    return fallback;
  }

  origins(name: string): string[] {
    const raw = this.text(name);
    if (raw === undefined) return [];
    const origins = raw
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean);
    if (origins.every(isOrigin)) return origins;
    this.fail(name, "comma-separated origins, each exactly scheme://host[:port]");
    return [];
  }

  matching(name: string, pattern: RegExp, expected: string): string | undefined {
    const raw = this.text(name);
    if (raw === undefined || pattern.test(raw)) return raw;
    this.fail(name, expected);
    return undefined;
  }

  require(name: string, value: string | undefined, why: string): void {
    if (!value && !this.problems.some((p) => p.name === name)) this.fail(name, why);
  }

  fail(name: string, expected: string): void {
    this.problems.push({ name, expected });
  }
}

const isLocalHost = (host: string) => host === "localhost" || host === "127.0.0.1";

/** An absolute https URL without credentials; plain http only on this machine (tests, local stubs). */
export function isServiceUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.username || url.password) return false;
  return url.protocol === "https:" || (url.protocol === "http:" && isLocalHost(url.hostname));
}

/** Exactly `scheme://host[:port]`, as a browser sends it in `Origin`. */
export function isOrigin(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value;
}

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
export async function parseConfig(env: Vars): Promise<ConfigResult> {
  const { config, reader, receiptJwk } = parseVars(env);
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
function parseVars(env: Vars): { config: Config; reader: Reader; receiptJwk?: ReceiptKey } {
  const r = new Reader(env);
  const mode = r.oneOf("IMP_MODE", ["live", "sandbox"], DEFAULTS.IMP_MODE);
  const provider = r.oneOf("PORTONE_VERSION", ["v1", "v2"], DEFAULTS.PORTONE_VERSION);
  const sandbox = mode === "sandbox";
  // In sandbox mode the simulator's own credentials are used, whatever .dev.vars holds, so that live keys are
  // never sent to the simulator and the simulator never accepts live keys.
  const impKey = r.text("IMP_KEY");
  const impSecret = r.text("IMP_SECRET");
  const identityHmacKey = r.text("IDENTITY_HMAC_KEY");
  if (identityHmacKey !== undefined && identityHmacKey.length < HMAC_KEY_MIN_LENGTH) {
    r.fail("IDENTITY_HMAC_KEY", `at least ${HMAC_KEY_MIN_LENGTH} characters (e.g. openssl rand -base64 32)`);
  } else if (!sandbox && identityHmacKey === SANDBOX_CREDENTIALS.identityHmacKey) {
    // The sandbox's key is in this repository: with it, anyone could mint attempt ids and binding cookies offline.
    r.fail("IDENTITY_HMAC_KEY", "a key of your own: the sandbox's key is public (e.g. openssl rand -base64 32)");
  }
  const impCode = r.matching("IMP_CODE", /^imp\d+$/, "the merchant code: imp followed by digits");
  const apiBase = r.url("IMP_API_BASE", DEFAULTS.IMP_API_BASE);
  const storeId = r.matching("PORTONE_STORE_ID", /^store-[A-Za-z0-9-]+$/, "the store id: store-…");
  const channelKey = r.matching("PORTONE_CHANNEL_KEY", /^channel-key-[A-Za-z0-9-]+$/, "the channel key: channel-key-…");
  const apiSecret = r.text("PORTONE_API_SECRET");
  const portoneApiBase = r.url("PORTONE_API_BASE", DEFAULTS.PORTONE_API_BASE);
  const portoneSdkUrl = r.url("PORTONE_SDK_URL", DEFAULTS.PORTONE_SDK_URL);
  const sandboxV2 = SANDBOX_CREDENTIALS.portone;
  const config: Config = {
    mode,
    provider,
    impCode: impCode ?? (sandbox ? SANDBOX_CREDENTIALS.impCode : ""),
    impKey: sandbox ? SANDBOX_CREDENTIALS.impKey : (impKey ?? ""),
    impSecret: sandbox ? SANDBOX_CREDENTIALS.impSecret : (impSecret ?? ""),
    apiBase: sandbox ? SANDBOX_CREDENTIALS.apiBase : apiBase,
    sdkUrl: r.url("IMP_SDK_URL", DEFAULTS.IMP_SDK_URL),
    channelKey: r.text("IMP_CHANNEL_KEY"),
    pg: r.text("IMP_PG"),
    company: r.text("IMP_COMPANY"),
    timeoutMs: r.integer("IMP_TIMEOUT_MS", DEFAULTS.IMP_TIMEOUT_MS, 100, 60_000),
    minAge: r.integer("MIN_AGE", DEFAULTS.MIN_AGE, 0, 100),
    ageRule: r.oneOf("AGE_RULE", ["international", "youth_act"], DEFAULTS.AGE_RULE),
    sessionTtlSeconds: r.integer("SESSION_TTL_SECONDS", DEFAULTS.SESSION_TTL_SECONDS, 60, 86_400),
    identityHmacKey: identityHmacKey ?? (sandbox ? SANDBOX_CREDENTIALS.identityHmacKey : ""),
    portone: sandbox
      ? { ...sandboxV2, storeId: storeId ?? sandboxV2.storeId, channelKey: channelKey ?? sandboxV2.channelKey, sdkUrl: portoneSdkUrl }
      : { storeId: storeId ?? "", channelKey: channelKey ?? "", apiSecret: apiSecret ?? "", apiBase: portoneApiBase, sdkUrl: portoneSdkUrl },
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
    // Live mode never falls back to the sandbox: what it lacks is a problem like a wrong value.
    if (provider === "v1") {
      r.require("IMP_CODE", impCode, "required in live mode with v1: the merchant code (imp…)");
      r.require("IMP_KEY", impKey, "required in live mode with v1: the REST API key (a secret)");
      r.require("IMP_SECRET", impSecret, "required in live mode with v1: the REST API secret (a secret)");
    } else {
      r.require("PORTONE_STORE_ID", storeId, "required in live mode with v2: the store id (store-…)");
      r.require("PORTONE_CHANNEL_KEY", channelKey, "required in live mode with v2: the identity-verification channel key");
      r.require("PORTONE_API_SECRET", apiSecret, "required in live mode with v2: the API secret (a secret)");
    }
    r.require("IDENTITY_HMAC_KEY", identityHmacKey, "required in live mode: the key of the identity HMAC (a secret)");
  }
  return { config, reader: r, receiptJwk };
}

const parsed = new WeakMap<object, Promise<ConfigResult>>();

/**
 * The config of this env, parsed once per env object (one per isolate in workerd); the first parse logs one
 * warning line per wrong var, with what it expects and never its value.
 */
export function readConfig(env: Vars): Promise<ConfigResult> {
  let result = parsed.get(env);
  if (!result) {
    result = parseConfig(env).then((parsedConfig) => {
      for (const problem of parsedConfig.problems) {
        console.warn(JSON.stringify({ level: "warn", msg: "config_problem", var: problem.name, expected: problem.expected }));
      }
      return parsedConfig;
    });
    parsed.set(env, result);
  }
  return result;
}
