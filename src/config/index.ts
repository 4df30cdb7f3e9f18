/**
 * Everything the app reads from its environment, parsed once into a typed Config: with the providers' own readers
 * (src/providers/*\/config.ts), the only place that knows the var names. A value that does not parse is a problem
 * that names the var, never silently replaced by a default; an empty string means unset. The providers come in as
 * an argument, so `npm run check` runs the same rules over wrangler.toml's [vars] (scripts/check-config.ts).
 */

import { isRandomKey } from "../lib/key-strength";
import { type Keyring, keyringOf } from "../lib/keyring";
import { logLine } from "../lib/log";
import { PGS, type PgProfile } from "../providers/pg";
import type { Provider, ProviderConfigurer, ProviderName } from "../providers/provider";
import type { AgeRule } from "../verification/age";
import { needsGuardian } from "../verification/rules";
import {
  importPublicJwk,
  importRsaSigningKey,
  importSigningKey,
  type OidcClient,
  type OidcVars,
  type PublicJwk,
  type RsaPublicJwk,
  readOidcVars,
  SANDBOX_OIDC,
  type SigningKey,
} from "./oidc";
import { type ConfigProblem, isOrigin, isServiceUrl, Reader, type Vars } from "./reader";

export type { AgeRule, ConfigProblem, OidcClient, PublicJwk, RsaPublicJwk, SigningKey };
export { isOrigin, isServiceUrl };

export interface Config {
  mode: "live" | "sandbox";
  /** The provider PORTONE_VERSION picks, configured: i'mport (PortOne V1) or PortOne V2. */
  provider: Provider;
  timeoutMs: number;
  minAge: number;
  ageRule: AgeRule;
  /** `SERVICE_NAME`: the site's name as people see it (the page, Danal's window, the OIDC pages). */
  serviceName?: string;
  sessionTtlSeconds: number;
  /**
   * `IDENTITY_HMAC_KEY` and, during a rotation, `IDENTITY_HMAC_PREVIOUS_KEYS`: everything sealed or keyed by the app
   * (identity keys, attempt ids, the binding cookie, sealed authorizations, guardians' links) goes through it.
   */
  keyring: Keyring;
  allowedOrigins: string[];
  rateLimit: boolean;
  /** After a withdrawal, how long the same person is refused a new account (0: nothing is kept). */
  rejoinCooldownDays: number;
  /** PIPA §22-2: people younger than this (만 나이) need a legal guardian's consent; 0 turns the flow off. */
  guardianConsentUnder: number;
  /** How long a guardian has to consent; after it nothing of the child is kept. */
  guardianConsentTtlSeconds: number;
  /** `VERIFY_METHOD`: the provider's window, the in-page SMS form (the API flow), or both. */
  verifyMethod: "window" | "sms" | "both";
  /** `WEBHOOK_RETRY_BASE_SECONDS`: the first retry's delay; each next one doubles it. */
  webhookRetryBaseSeconds: number;
  /** The operator console's Cloudflare Access application (`ADMIN_ACCESS_TEAM_URL`, `ADMIN_ACCESS_AUD`); unset: none. */
  adminAccess?: { teamUrl: string; aud: string };
  oidc: OidcConfig;
}

/** The OpenID Connect provider: its clients, issuer and keys. */
export interface OidcConfig {
  /** `PUBLIC_URL`'s origin: the issuer. Unset: the sandbox uses the origin the page was loaded from. */
  publicUrl?: string;
  /** OIDC_CLIENTS with their secrets, and in sandbox mode the built-in `sandbox` client. */
  clients: OidcClient[];
  /** False in live mode without OIDC_CLIENTS: /authorize and the site API answer 503. */
  configured: boolean;
  /** The EC key that signs access tokens and ES256 clients' ID tokens, imported; absent in live mode without SIGNING_KEY. */
  signingKey?: SigningKey;
  /** The RSA key that signs RS256 clients' ID tokens (the default), imported; absent without SIGNING_RSA_KEY. */
  rsaKey?: SigningKey;
  /** SIGNING_PREVIOUS_KEYS, imported: published in the JWKS and still accepted for access tokens. */
  previousKeys: { jwk: PublicJwk | RsaPublicJwk; key: CryptoKey }[];
}

export interface ConfigResult {
  config: Config;
  /** Empty when the app can serve verifications. */
  problems: ConfigProblem[];
}

/** The sandbox's own secrets (each provider keeps its simulator's credentials): public here, so live mode refuses them. */
export const SANDBOX_CREDENTIALS = {
  identityHmacKey: "sandbox-identity-hmac-key-not-for-production",
  ...SANDBOX_OIDC,
} as const;

/** The minimum length of IDENTITY_HMAC_KEY: a short key makes the stored identity keys guessable. */
const HMAC_KEY_MIN_LENGTH = 32;

/** A public key's material — an EC point, an RSA modulus and exponent — as Web Crypto exports it (one spelling per key), or null. */
async function materialOf(key: CryptoKey | null): Promise<string | null> {
  if (!key) return null;
  const { x, y, n, e } = (await crypto.subtle.exportKey("jwk", key)) as JsonWebKey;
  return n ? `${n}.${e}` : `${x}.${y}`;
}

const HMAC_KEY_ADVICE = "32 random bytes, encoded, as `npm run keygen -- hmac` prints them (or `openssl rand -base64 32`)";

/**
 * Parses the environment, then imports every key it names: a key is checked by using it, never by its shape.
 * The same env always gives the same result.
 */
export async function parseConfig(env: Vars, providers: readonly ProviderConfigurer[]): Promise<ConfigResult> {
  const { config, reader, oidc } = parseVars(env, providers);
  const sandbox = config.mode === "sandbox";
  if (oidc.signingJwk) {
    const [imported, sandboxKey] = await Promise.all([importSigningKey(oidc.signingJwk), importSigningKey(SANDBOX_OIDC.signingKey)]);
    if (!imported) {
      reader.fail("SIGNING_KEY", "a private EC P-256 JWK with a kid that Web Crypto can import, as npm run keygen prints it");
    } else if (!sandbox && imported.d === sandboxKey?.d) {
      reader.fail("SIGNING_KEY", "a key of your own: the sandbox's key is public (npm run keygen)");
    } else {
      config.oidc.signingKey = imported.key;
    }
  }
  if (oidc.rsaJwk) {
    const [imported, sandboxKey] = await Promise.all([importRsaSigningKey(oidc.rsaJwk), importRsaSigningKey(SANDBOX_OIDC.rsaKey)]);
    if (!imported) {
      reader.fail("SIGNING_RSA_KEY", "a private RSA JWK of at least 2048 bits with a kid that Web Crypto can import (npm run keygen -- rsa)");
    } else if (!sandbox && imported.n === sandboxKey?.n) {
      reader.fail("SIGNING_RSA_KEY", "a key of your own: the sandbox's RSA key is public (npm run keygen -- rsa)");
    } else if (imported.key.kid === config.oidc.signingKey?.kid) {
      reader.fail("SIGNING_RSA_KEY", "a kid of its own: SIGNING_KEY has this one");
    } else {
      config.oidc.rsaKey = imported.key;
    }
  }
  const previous = await Promise.all(oidc.previousJwks.map(async (jwk) => ({ jwk, key: await importPublicJwk(jwk) })));
  const kids = new Set([config.oidc.signingKey?.kid, config.oidc.rsaKey?.kid]);
  // The sandbox's private keys are in this repository: published in the JWKS, their public halves would make anyone's
  // forged token verify. Compared by the key's material as Web Crypto exports it, not by how the JWK spells it.
  const sandboxMaterial = await Promise.all(
    [importPublicJwk(SANDBOX_OIDC.signingKey), importPublicJwk(SANDBOX_OIDC.rsaKey)].map(async (k) => materialOf(await k)),
  );
  const materials = await Promise.all(previous.map((p) => materialOf(p.key)));
  if (previous.some((p) => !p.key || kids.has(p.jwk.kid) || !kids.add(p.jwk.kid))) {
    reader.fail("SIGNING_PREVIOUS_KEYS", "public JWKs (EC P-256 or RSA) that Web Crypto can import, each with a kid of its own");
  } else if (!sandbox && materials.some((m) => sandboxMaterial.includes(m))) {
    reader.fail("SIGNING_PREVIOUS_KEYS", "keys of your own: the sandbox's signing keys are public");
  } else {
    config.oidc.previousKeys = previous as { jwk: PublicJwk | RsaPublicJwk; key: CryptoKey }[];
  }
  return { config, problems: reader.problems };
}

/** The vars, read and checked one by one; the keys they name are imported by parseConfig. */
function parseVars(env: Vars, providers: readonly ProviderConfigurer[]): { config: Config; reader: Reader; oidc: OidcVars } {
  const r = new Reader(env);
  const mode = r.read("IMP_MODE");
  const names = providers.map((p) => p.name);
  // The declaration names the versions; the registry given must hold each (test/unit/config.test.ts checks they agree).
  const chosen: ProviderName = r.read("PORTONE_VERSION");
  const sandbox = mode === "sandbox";
  const identityHmacKey = r.text("IDENTITY_HMAC_KEY");
  // The sandbox's key is in this repository: with it, anyone could mint attempt ids, binding cookies and sealed
  // authorizations offline — in whichever slot it sits.
  const isSandboxKey = (key: string) => !sandbox && key === SANDBOX_CREDENTIALS.identityHmacKey;
  if (identityHmacKey !== undefined && isSandboxKey(identityHmacKey)) {
    r.fail("IDENTITY_HMAC_KEY", `a key of your own: the sandbox's key is public (${HMAC_KEY_ADVICE})`);
  } else if (identityHmacKey !== undefined && !isRandomKey(identityHmacKey)) {
    r.fail("IDENTITY_HMAC_KEY", HMAC_KEY_ADVICE);
  }
  const previousRaw = r.text("IDENTITY_HMAC_PREVIOUS_KEYS");
  const previousIdentityHmacKeys = (previousRaw ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  // Earlier keys are only checked for length: one chosen before the rule above must still be rotated away from.
  if (previousIdentityHmacKeys.some((k) => k.length < HMAC_KEY_MIN_LENGTH || k === identityHmacKey || isSandboxKey(k))) {
    r.fail(
      "IDENTITY_HMAC_PREVIOUS_KEYS",
      `earlier IDENTITY_HMAC_KEYs, comma-separated, each at least ${HMAC_KEY_MIN_LENGTH} characters, not the current key and not the sandbox's`,
    );
  }
  const timeoutMs = r.read("IMP_TIMEOUT_MS");
  const minAge = r.read("MIN_AGE");
  const ageRule: AgeRule = r.read("AGE_RULE");
  const serviceName = r.read("SERVICE_NAME");
  // Every provider's vars are checked, whichever runs: a wrong value waiting in wrangler.toml is still wrong.
  const shared = { sandbox, timeoutMs, minAge, ageRule, serviceName };
  const configured = providers.map((p) => p.configure(r, { ...shared, active: p.name === chosen }));
  const provider = configured[names.indexOf(chosen)] ?? configured[0]!;
  const oidc = readOidcVars(r, sandbox);
  const config: Config = {
    mode,
    provider,
    timeoutMs,
    minAge,
    ageRule,
    serviceName,
    sessionTtlSeconds: r.read("SESSION_TTL_SECONDS"),
    keyring: keyringOf(identityHmacKey ?? (sandbox ? SANDBOX_CREDENTIALS.identityHmacKey : ""), previousIdentityHmacKeys),
    allowedOrigins: r.read("ALLOWED_ORIGINS"),
    rejoinCooldownDays: r.read("REJOIN_COOLDOWN_DAYS"),
    rateLimit: r.read("RATE_LIMIT") === "on",
    guardianConsentUnder: r.read("GUARDIAN_CONSENT_UNDER"),
    guardianConsentTtlSeconds: r.read("GUARDIAN_CONSENT_TTL_SECONDS"),
    verifyMethod: readVerifyMethod(r, provider.pgProfile, sandbox),
    webhookRetryBaseSeconds: r.read("WEBHOOK_RETRY_BASE_SECONDS"),
    adminAccess: readAdminAccess(r),
    oidc: { publicUrl: oidc.publicUrl, clients: oidc.clients, configured: oidc.configured, previousKeys: [] },
  };
  if (!sandbox) {
    // Live mode never falls back to the sandbox: what it lacks is a problem like a wrong value (the providers
    // name theirs).
    r.require("IDENTITY_HMAC_KEY", identityHmacKey, "required in live mode: the key of the identity HMAC (a secret)");
    // The guardian's link is an absolute URL: never built from the request's Host.
    if (needsGuardian(config, minAge)) {
      r.require("PUBLIC_URL", oidc.publicUrl, "required in live mode when MIN_AGE is below GUARDIAN_CONSENT_UNDER: the guardian's link is under it");
    }
  }
  return { config, reader: r, oidc };
}

/**
 * The Cloudflare Access application in front of /admin: its team domain (an https origin; plain http only on
 * loopback, for tests) and its audience tag, both or neither.
 */
function readAdminAccess(r: Reader): Config["adminAccess"] {
  let teamUrl = r.read("ADMIN_ACCESS_TEAM_URL");
  const aud = r.read("ADMIN_ACCESS_AUD");
  if (teamUrl !== undefined && new URL(teamUrl).origin !== teamUrl) {
    r.fail("ADMIN_ACCESS_TEAM_URL", "the Access team domain alone, https://<team>.cloudflareaccess.com, without a path");
    teamUrl = undefined;
  }
  if (r.text("ADMIN_ACCESS_TEAM_URL") === undefined && aud !== undefined) r.require("ADMIN_ACCESS_TEAM_URL", undefined, BOTH);
  if (r.text("ADMIN_ACCESS_AUD") === undefined && teamUrl !== undefined) r.require("ADMIN_ACCESS_AUD", undefined, BOTH);
  return teamUrl && aud ? { teamUrl, aud } : undefined;
}

const BOTH = "ADMIN_ACCESS_TEAM_URL and ADMIN_ACCESS_AUD go together: the console's Access application needs both";

/**
 * The in-page SMS form needs the API flow, which only Danal and KCP have: a PG profile of theirs (V1 `IMP_PG`, V2
 * `PORTONE_PG`). The sandbox with no PG named stands for Danal.
 */
function readVerifyMethod(r: Reader, pg: PgProfile | undefined, sandbox: boolean): Config["verifyMethod"] {
  const method: Config["verifyMethod"] = r.read("VERIFY_METHOD");
  if (method !== "window" && !(pg === undefined ? sandbox : PGS[pg].apiFlow)) {
    r.fail("VERIFY_METHOD", "window, unless the PG has an API flow: sms and both need IMP_PG (v1) or PORTONE_PG (v2) of danal or kcp_v2");
    return "window";
  }
  return method;
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
