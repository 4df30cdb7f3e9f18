/**
 * The OpenID Connect provider's configuration: the clients (OIDC_CLIENTS and their OIDC_CLIENT_SECRETS), the issuer
 * (PUBLIC_URL) and the keys that sign tokens (SIGNING_KEY, SIGNING_PREVIOUS_KEYS). Keys are checked by importing
 * them; secrets are never echoed in a problem.
 */
import { isRecord } from "../lib/records";
import { isServiceUrl, type Reader } from "./reader";

export type SubjectType = "public" | "pairwise";

export interface OidcClient {
  id: string;
  name: string;
  /** Exact redirect URIs; the sandbox's built-in client instead accepts any loopback http URI. */
  redirectUris: string[];
  /** Any `http://localhost[:port]/…` or `http://127.0.0.1[:port]/…` (the sandbox's client only). */
  loopback: boolean;
  subjectType: SubjectType;
  secret: string;
  /** `id_token_signed_response_alg`: RS256 unless the client asks for ES256 (OpenID Connect Registration §2). */
  idTokenAlg: IdTokenAlg;
  /**
   * `token_endpoint_auth_method: "none"`: a public client (a browser or mobile app) that holds no secret — its code is
   * bound by PKCE alone — and has no site API.
   */
  public: boolean;
  /** `require_pkce` (default true): false lets a confidential client whose library cannot do PKCE leave it out, with a nonce. */
  requirePkce: boolean;
  /** `post_logout_redirect_uris`: where RP-Initiated Logout may send the visitor back, exactly (the sandbox's: any loopback). */
  postLogoutRedirectUris: string[];
  /** `webhook_url` and its `WEBHOOK_SECRETS` entry: where this client's events go, signed (Standard Webhooks). */
  webhook?: Webhook;
  /**
   * `consent`: the client is a third party (PIPA §17): the person consents to what it receives, why and for how long,
   * on a page after the verification and before its code.
   */
  consent?: { purpose: string; retention: string };
}

/** A client's webhook: its URL and the bytes of its `whsec_…` secret. */
export interface Webhook {
  url: string;
  secret: Uint8Array;
}

export type IdTokenAlg = "RS256" | "ES256";

/** A signing key, imported once: its public half for the JWKS, its private half for Web Crypto, and its JWS alg. */
export interface SigningKey {
  kid: string;
  alg: IdTokenAlg;
  publicJwk: PublicJwk | RsaPublicJwk;
  privateKey: CryptoKey;
}

export interface PublicJwk {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
  kid: string;
}

/** An RSA public key (RS256), as the JWKS publishes it. */
export interface RsaPublicJwk {
  kty: "RSA";
  n: string;
  e: string;
  kid: string;
}

/** A private RSA JWK (at least 2048 bits), as `npm run keygen -- rsa` prints it. */
export interface RsaPrivateJwk extends RsaPublicJwk {
  d: string;
  p: string;
  q: string;
  dp: string;
  dq: string;
  qi: string;
}

/** A private EC P-256 JWK, as `npm run keygen` prints it. */
export interface PrivateJwk extends PublicJwk {
  d: string;
}

/** The sandbox's own client and key: public in this repository, so live mode refuses them. */
export const SANDBOX_OIDC = {
  client: { id: "sandbox", name: "Sandbox", secret: "sandbox-client-secret" },
  signingKey: {
    kty: "EC",
    crv: "P-256",
    x: "bThko755bYt_Ger5oScy_a4_Qt_Gf2VEWs474roql68",
    y: "aWX7CfJ9lnda7h2hJJOR2OdYAid2CVDSfNzrcvqyo5o",
    d: "O5UFhucOOuNCgZsUs3tOuA9p8ekQUo0RDM7INiPvptM",
    kid: "sandbox-signing-key-1",
  },
  rsaKey: {
    kty: "RSA",
    n: "1tczu0HrG5luZo9BjFaOAFfLpSPS0deLgPDQmf-PzH3hVLFTJevDJuCRcM-lyiM70SRzGNRXOZQwkiung_EXrsbh2VhiYr3zft8BnuHYTCQhdNg4hj7cesYpHOObCU4mWJJVph64GeI6jykGItixXtBSoNSphQmIw59iKbWN39HcXg03qQfi4Y3BGFCgmSTkDZPNtTQo_D3RrZUlNHx7iCkbqus6x3vPTERMP55DkF1EsBP54XzL8EkbnPZi7mWmI54dlYiR5vaRD6XHDoNWG9rXUsikkjehR_vz4UjKhcsssFe39pUwQZLBwQnKX0qzmqBHXymwZKj3wQri-DYwfQ",
    e: "AQAB",
    d: "BoLAeH3Pnec0WQGHzbSrAM6oU_ZcdriIa6o6Ob7sp2VVm7payzm0XdLAOM6wkKPCgpzCRWMPmHKc8DXh3m-pgixYmG-2kS7kskt-1WC0-RKLowQq3lw8VH1gR8kln_TeC6DpQ8U6Wt2n9nVNts07WHGJ94H9kZPcfa7J8kdxJ79UFERkwl79JLI6liowCgTNjLWMEyI9GhmS62BvI4oB5cpQO5BjObEV367eU7VpEoQGekKsiSBS9gpEk4oeeOLpm0Kv8hka2U4oV82yI5LwE0NwP_0Ecb6JstCWUW1iMRKiZCRnjlBELOR4PnyBU93mxSZut3xt2tDbDm7zrI434Q",
    p: "7k1eMaNBzgckym98Goh8T7hHs_nYI9fhujaKmsoLe4RZyyzLbqz5LoWf18t3WAoIV39NzsNetHXEBpM5UwQ3aA27lqCHZ9bXROkffkPHZVBuWsg0X9-Vz7okvx6iAQlY5EacQSJEewX0DwVBbvd52f0cpaA_KWWfkWG8fKnweO0",
    q: "5svHjIr0owOpBua0F86Hj3WZVkOJQgcGshhFIn2Tk_zSfsTpQ0iGUaNRyu7RPtOkzduX1LSy51CZZOAKlB9dcfGZ-9rEid6z6Hr42rgCMgQIdiugNnj9_9Vxskb5yyRAplRcpg3xFOEAFk-r3ojs5-qEJtQMk4t-P16scOm1c9E",
    dp: "QPH6-uI4e_L8duNdWknaP0vE1ur_mf0q-roEmlz4NiiC5FmH89jWbHRkdMZx9x982IPMa85ZECuMShJzrAlZJFWhy1JitM0bjB9QwvOr8xOxj7JCe-KOjLd5blDl7AxlGomX6jRxn2mm8zUGeTyfC-bsmMMMk7arf064tO0HqZ0",
    dq: "qDTUlqWfbj94rULu9nrbab73pltKagjc5Gez21NSf4S_lQzGRPdSjaVOM2yiq_tsHWxx1-BqkxO2-EIg85t4a1b-NwRWQXVCAam-PQnm77Toxdc9yPWdiRty5c-8tkURqSfK7msyzVi-y4P9aw64Or482l-pWs9Lj7vcSd7LFEE",
    qi: "jCZdmjBItbHkDsP9fH-HHnydInwEAkGvxL22_O3mTbcHmGtTVy4S2OSXAS7dE7EUT9MG09Qhi_sVP-12qvs-D1Y6Y5gEOl__q6kFvlj8mqvtWI7NKs_SwJRnhpzCXyJ4f14qliUvLbULBeW6KCYSU_mMYnkHUZnptKgXSoi5OQ4",
    kid: "sandbox-rsa-key-1",
  },
  /** The built-in client's webhook secret (its events go to SANDBOX_WEBHOOK_URL). */
  webhookSecret: "whsec_c2FuZGJveC13ZWJob29rLXNlY3JldC0wMDAwMDAwMA==",
} as const satisfies { client: object; signingKey: PrivateJwk; rsaKey: RsaPrivateJwk; webhookSecret: string };

/** A client secret's minimum length (the same as the identity HMAC key's). */
export const CLIENT_SECRET_MIN_LENGTH = 32;

const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;

/** A redirect URI a client may register: absolute https (http only on this machine), no credentials, no fragment. */
export const isRedirectUri = (raw: string) => isServiceUrl(raw) && !raw.includes("#") && raw.length <= 2048;

/** `http://localhost[:port]/…` or `http://127.0.0.1[:port]/…`, without credentials or fragment. */
export function isLoopbackUri(raw: string): boolean {
  if (!URL.canParse(raw) || raw.includes("#") || raw.length > 2048) return false;
  const url = new URL(raw);
  return url.protocol === "http:" && (url.hostname === "localhost" || url.hostname === "127.0.0.1") && !url.username && !url.password;
}

const jsonOf = (raw: string): unknown => {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
};

/** An EC P-256 JWK with a kid (and `d` when private), by its shape only: importing it is what proves it. */
export function jwkOf(value: unknown, withPrivate: boolean): PrivateJwk | PublicJwk | undefined {
  if (!isRecord(value)) return undefined;
  const part = (v: unknown): v is string => typeof v === "string" && B64URL.test(v);
  const { kty, crv, x, y, d, kid } = value;
  if (kty !== "EC" || crv !== "P-256" || !part(x) || !part(y) || typeof kid !== "string" || !kid) return undefined;
  if (!withPrivate) return d === undefined ? { kty, crv, x, y, kid } : undefined;
  return part(d) ? { kty, crv, x, y, d, kid } : undefined;
}

const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;
const RS256 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;
/** 2048 bits: 256 bytes of modulus, 342 characters of unpadded base64url. */
const RSA_MIN_N_CHARS = 342;

/** An RSA JWK with a kid (and its private parts when private), by its shape only: importing it proves it. */
export function rsaJwkOf(value: unknown, withPrivate: boolean): RsaPrivateJwk | RsaPublicJwk | undefined {
  if (!isRecord(value)) return undefined;
  const part = (v: unknown): v is string => typeof v === "string" && B64URL.test(v);
  const { kty, n, e, kid } = value;
  if (kty !== "RSA" || !part(n) || n.length < RSA_MIN_N_CHARS || !part(e) || typeof kid !== "string" || !kid) return undefined;
  const { d, p, q, dp, dq, qi } = value;
  if (!withPrivate) return d === undefined ? { kty, n, e, kid } : undefined;
  return [d, p, q, dp, dq, qi].every(part) ? ({ kty, n, e, kid, d, p, q, dp, dq, qi } as RsaPrivateJwk) : undefined;
}

/** A public JWK Web Crypto accepts (a point on the curve, an RSA key), or null. */
export async function importPublicJwk(jwk: PublicJwk | RsaPublicJwk): Promise<CryptoKey | null> {
  try {
    if (jwk.kty === "RSA") return await crypto.subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e }, RS256, true, ["verify"]);
    const { kty, crv, x, y } = jwk;
    return await crypto.subtle.importKey("jwk", { kty, crv, x, y }, ECDSA_P256, true, ["verify"]);
  } catch {
    return null;
  }
}

/**
 * The RSA key, imported and proven to work (it signs, and its own n/e verify it). Its `n` comes back in Web Crypto's
 * spelling, so keys are compared by their material.
 */
export async function importRsaSigningKey(jwk: RsaPrivateJwk): Promise<{ key: SigningKey; n: string } | null> {
  try {
    const { kty, n, e, d, p, q, dp, dq, qi } = jwk;
    const privateKey = await crypto.subtle.importKey("jwk", { kty, n, e, d, p, q, dp, dq, qi }, RS256, true, ["sign"]);
    const publicKey = await importPublicJwk(jwk);
    if (!publicKey) return null;
    const probe = new TextEncoder().encode(jwk.kid);
    const signature = await crypto.subtle.sign(RS256, privateKey, probe);
    if (!(await crypto.subtle.verify(RS256, publicKey, signature, probe))) return null;
    const pub = (await crypto.subtle.exportKey("jwk", publicKey)) as JsonWebKey;
    if (!pub.n || !pub.e) return null;
    return { key: { kid: jwk.kid, alg: "RS256", publicJwk: { kty: "RSA", n: pub.n, e: pub.e, kid: jwk.kid }, privateKey }, n: pub.n };
  } catch {
    return null;
  }
}

/**
 * The key, imported and proven to work: it signs, and its own x/y verify what it signed. `null` when Web Crypto
 * refuses it (a point off the curve, a `d` out of range, an x/y of another key). Its `d` comes back in Web Crypto's
 * own spelling, so comparing keys compares their material, not how a JWK happens to write it.
 */
export async function importSigningKey(jwk: PrivateJwk): Promise<{ key: SigningKey; d: string } | null> {
  try {
    const { kty, crv, x, y, d } = jwk;
    const privateKey = await crypto.subtle.importKey("jwk", { kty, crv, x, y, d }, ECDSA_P256, true, ["sign"]);
    const publicKey = await importPublicJwk(jwk);
    if (!publicKey) return null;
    const probe = new TextEncoder().encode(jwk.kid);
    const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, privateKey, probe);
    if (!(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, signature, probe))) return null;
    const own = (await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey;
    const pub = (await crypto.subtle.exportKey("jwk", publicKey)) as JsonWebKey;
    if (!own.d || !pub.x || !pub.y) return null;
    return { key: { kid: jwk.kid, alg: "ES256", publicJwk: { kty: "EC", crv: "P-256", x: pub.x, y: pub.y, kid: jwk.kid }, privateKey }, d: own.d };
  } catch {
    return null;
  }
}

export interface OidcVars {
  /** PUBLIC_URL's origin; unset: the sandbox uses the page's origin, live mode has no issuer. */
  publicUrl?: string;
  clients: OidcClient[];
  /** Set in live mode when OIDC_CLIENTS is: a live deployment without clients answers the OIDC routes 503. */
  configured: boolean;
  signingJwk?: PrivateJwk;
  rsaJwk?: RsaPrivateJwk;
  previousJwks: (PublicJwk | RsaPublicJwk)[];
}

const CLIENTS_SHAPE = 'a JSON array of {"client_id", "name", "redirect_uris": [absolute https URLs], "subject_type"?: "public"|"pairwise"}';

/** OIDC_CLIENTS: each entry checked; a wrong one is a problem naming the var (and, for a client's own error, which client). */
type ListedClient = Omit<OidcClient, "loopback" | "secret" | "webhook"> & { webhookUrl?: string };

function readClients(r: Reader): ListedClient[] {
  const raw = r.text("OIDC_CLIENTS");
  if (raw === undefined) return [];
  const list = jsonOf(raw);
  if (!Array.isArray(list) || list.length === 0) {
    r.fail("OIDC_CLIENTS", CLIENTS_SHAPE);
    return [];
  }
  const bad = (expected: string): ListedClient[] => {
    r.fail("OIDC_CLIENTS", expected);
    return [];
  };
  const clients: ListedClient[] = [];
  for (const entry of list) {
    if (!isRecord(entry)) return bad(CLIENTS_SHAPE);
    const {
      client_id: id,
      name,
      redirect_uris: uris,
      subject_type: subjectType = "public",
      id_token_signed_response_alg: alg = "RS256",
      token_endpoint_auth_method: authMethod = "client_secret_basic",
      require_pkce: requirePkce = true,
      post_logout_redirect_uris: logoutUris = [],
      webhook_url: webhookUrl,
      consent,
    } = entry;
    const label = typeof id === "string" && CLIENT_ID.test(id) ? `client ${id}: ` : "";
    if (typeof id !== "string" || !CLIENT_ID.test(id)) return bad(`${CLIENTS_SHAPE}; client_id of [A-Za-z0-9._-], 1 to 64`);
    if (id === SANDBOX_OIDC.client.id) return bad(`client_id "${id}" is the sandbox's own: choose another`);
    if (clients.some((c) => c.id === id)) return bad(`${label}client_id listed twice`);
    if (typeof name !== "string" || !/^[^<>"]{1,60}$/.test(name)) return bad(`${label}a name of 1 to 60 characters, without < > "`);
    if (!Array.isArray(uris) || uris.length === 0 || !uris.every((u) => typeof u === "string" && isRedirectUri(u))) {
      return bad(`${label}redirect_uris: absolute https URLs (http only for localhost/127.0.0.1), without a fragment`);
    }
    if (subjectType !== "public" && subjectType !== "pairwise") return bad(`${label}subject_type: public or pairwise`);
    if (alg !== "RS256" && alg !== "ES256") return bad(`${label}id_token_signed_response_alg: RS256 (the default) or ES256`);
    if (authMethod !== "client_secret_basic" && authMethod !== "client_secret_post" && authMethod !== "none") {
      return bad(`${label}token_endpoint_auth_method: client_secret_basic (the default), client_secret_post or none (a public client)`);
    }
    if (typeof requirePkce !== "boolean" || (!requirePkce && authMethod === "none")) {
      return bad(`${label}require_pkce: true (the default), or false for a confidential client only`);
    }
    if (!Array.isArray(logoutUris) || !logoutUris.every((u) => typeof u === "string" && isRedirectUri(u))) {
      return bad(`${label}post_logout_redirect_uris: absolute https URLs (http only for localhost/127.0.0.1), without a fragment`);
    }
    if (webhookUrl !== undefined && (typeof webhookUrl !== "string" || !isRedirectUri(webhookUrl))) {
      return bad(`${label}webhook_url: an absolute https URL (http only for localhost/127.0.0.1), without a fragment`);
    }
    if (webhookUrl !== undefined && authMethod === "none") return bad(`${label}webhook_url: a public client has no webhooks (no secret to sign for)`);
    const text = (v: unknown) => typeof v === "string" && /^[^<>"]{1,300}$/.test(v);
    if (consent !== undefined && !(isRecord(consent) && text(consent.purpose) && text(consent.retention) && Object.keys(consent).length === 2)) {
      return bad(`${label}consent: {"purpose", "retention"}, each 1 to 300 characters without < > "`);
    }
    clients.push({
      id,
      name,
      redirectUris: uris as string[],
      postLogoutRedirectUris: logoutUris as string[],
      webhookUrl: webhookUrl as string | undefined,
      ...(consent ? { consent: consent as { purpose: string; retention: string } } : {}),
      subjectType: subjectType as SubjectType,
      idTokenAlg: alg,
      public: authMethod === "none",
      requirePkce,
    });
  }
  return clients;
}

/** OIDC_CLIENT_SECRETS: one secret of ≥ 32 characters for every client, for no other. */
function readSecrets(r: Reader, ids: string[]): Map<string, string> {
  const secrets = new Map<string, string>();
  const raw = r.text("OIDC_CLIENT_SECRETS");
  if (raw === undefined) return secrets;
  const value = jsonOf(raw);
  const expected = `a JSON object {"<client_id>": "<secret of at least ${CLIENT_SECRET_MIN_LENGTH} characters>"} for every client of OIDC_CLIENTS`;
  const bad = (why = ""): Map<string, string> => {
    r.fail("OIDC_CLIENT_SECRETS", `${expected}${why}`);
    return new Map();
  };
  if (!isRecord(value)) return bad();
  for (const [id, secret] of Object.entries(value)) {
    if (!ids.includes(id)) return bad("; a secret for a client that OIDC_CLIENTS does not list");
    if (typeof secret !== "string" || secret.length < CLIENT_SECRET_MIN_LENGTH) return bad();
    secrets.set(id, secret);
  }
  return secrets;
}

/** The minimum and maximum length of a webhook secret's bytes (Standard Webhooks: 24 to 64). */
const WEBHOOK_SECRET_BYTES = { min: 24, max: 64 } as const;

/** The bytes of a `whsec_<base64>` secret, or undefined when it is not one. */
export function webhookSecretBytes(secret: unknown): Uint8Array | undefined {
  if (typeof secret !== "string" || !/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret)) return undefined;
  try {
    const bytes = Uint8Array.from(atob(secret.slice(6)), (c) => c.charCodeAt(0));
    return bytes.length >= WEBHOOK_SECRET_BYTES.min && bytes.length <= WEBHOOK_SECRET_BYTES.max ? bytes : undefined;
  } catch {
    return undefined;
  }
}

/**
 * WEBHOOK_SECRETS: a `whsec_…` secret for every client with a `webhook_url`, for no other; never the sandbox's, by its
 * bytes, in live mode.
 */
function readWebhookSecrets(r: Reader, ids: string[], sandbox: boolean): Map<string, Uint8Array> {
  const secrets = new Map<string, Uint8Array>();
  const raw = r.text("WEBHOOK_SECRETS");
  const expected = `a JSON object {"<client_id>": "whsec_<base64 of ${WEBHOOK_SECRET_BYTES.min} to ${WEBHOOK_SECRET_BYTES.max} random bytes>"} for every client with a webhook_url (npm run keygen -- webhook)`;
  if (raw === undefined) return secrets;
  const value = jsonOf(raw);
  const bad = (why = ""): Map<string, Uint8Array> => {
    r.fail("WEBHOOK_SECRETS", `${expected}${why}`);
    return new Map();
  };
  if (!isRecord(value)) return bad();
  const sandboxBytes = webhookSecretBytes(SANDBOX_OIDC.webhookSecret)!.join();
  for (const [id, secret] of Object.entries(value)) {
    if (!ids.includes(id)) return bad("; a secret for a client without a webhook_url");
    const bytes = webhookSecretBytes(secret);
    if (!bytes) return bad();
    if (!sandbox && bytes.join() === sandboxBytes) return bad("; the sandbox's secret is public and refused in live mode");
    secrets.set(id, bytes);
  }
  return secrets;
}

/** The OIDC vars, read and checked; parseConfig imports the keys. */
export function readOidcVars(r: Reader, sandbox: boolean): OidcVars {
  const rawUrl = r.text("PUBLIC_URL");
  let publicUrl: string | undefined;
  if (rawUrl !== undefined) {
    if (isServiceUrl(rawUrl) && new URL(rawUrl).pathname === "/" && !new URL(rawUrl).search) publicUrl = new URL(rawUrl).origin;
    else r.fail("PUBLIC_URL", "the app's public origin: an absolute https URL without a path (http only for localhost/127.0.0.1)");
  }
  const listed = readClients(r);
  // A public client holds no secret: one listed for it is a configuration error, as for a client not listed at all.
  const secrets = readSecrets(
    r,
    listed.filter((c) => !c.public).map((c) => c.id),
  );
  const hooked = listed.filter((c) => c.webhookUrl !== undefined);
  const webhookSecrets = readWebhookSecrets(
    r,
    hooked.map((c) => c.id),
    sandbox,
  );
  const clients: OidcClient[] = [];
  for (const { webhookUrl, ...client } of listed) {
    let webhook: Webhook | undefined;
    if (webhookUrl !== undefined) {
      const secret = webhookSecrets.get(client.id);
      if (secret === undefined) r.fail("WEBHOOK_SECRETS", `a whsec_ secret for client ${client.id}, which has a webhook_url`);
      else webhook = { url: webhookUrl, secret };
    }
    if (client.public) {
      clients.push({ ...client, loopback: false, secret: "", webhook });
      continue;
    }
    const secret = secrets.get(client.id);
    if (secret === undefined) {
      r.fail("OIDC_CLIENT_SECRETS", `a secret for client ${client.id}`);
      continue;
    }
    clients.push({ ...client, loopback: false, secret, webhook });
  }
  const sandboxHook = r.text("SANDBOX_WEBHOOK_URL");
  if (sandboxHook !== undefined && (!sandbox || !isLoopbackUri(sandboxHook))) {
    r.fail("SANDBOX_WEBHOOK_URL", "sandbox mode only: a loopback URL, http://localhost[:port]/… or http://127.0.0.1[:port]/…");
  }
  if (sandbox) {
    const { id, name, secret } = SANDBOX_OIDC.client;
    clients.push({
      id,
      name,
      redirectUris: [],
      postLogoutRedirectUris: [],
      loopback: true,
      subjectType: "public",
      secret,
      idTokenAlg: "RS256",
      public: false,
      requirePkce: true,
      ...(sandboxHook !== undefined && isLoopbackUri(sandboxHook)
        ? { webhook: { url: sandboxHook, secret: webhookSecretBytes(SANDBOX_OIDC.webhookSecret)! } }
        : {}),
    });
  }

  const rawKey = r.text("SIGNING_KEY");
  let signingJwk: PrivateJwk | undefined = sandbox ? SANDBOX_OIDC.signingKey : undefined;
  if (rawKey !== undefined) {
    signingJwk = jwkOf(jsonOf(rawKey), true) as PrivateJwk | undefined;
    if (!signingJwk) r.fail("SIGNING_KEY", "a private EC P-256 JWK with a kid, as npm run keygen prints it");
  }
  const rawRsa = r.text("SIGNING_RSA_KEY");
  let rsaJwk: RsaPrivateJwk | undefined = sandbox ? SANDBOX_OIDC.rsaKey : undefined;
  if (rawRsa !== undefined) {
    rsaJwk = rsaJwkOf(jsonOf(rawRsa), true) as RsaPrivateJwk | undefined;
    if (!rsaJwk) r.fail("SIGNING_RSA_KEY", "a private RSA JWK of at least 2048 bits with a kid, as npm run keygen -- rsa prints it");
  }
  const rawPrevious = r.text("SIGNING_PREVIOUS_KEYS");
  let previousJwks: (PublicJwk | RsaPublicJwk)[] = [];
  if (rawPrevious !== undefined) {
    const list = jsonOf(rawPrevious);
    const jwks = Array.isArray(list) ? list.map((k) => jwkOf(k, false) ?? rsaJwkOf(k, false)) : [];
    if (!Array.isArray(list) || jwks.some((k) => !k))
      r.fail("SIGNING_PREVIOUS_KEYS", "a JSON array of public JWKs (EC P-256 or RSA), each with a kid (no private parts)");
    else previousJwks = jwks as (PublicJwk | RsaPublicJwk)[];
  }

  const configured = sandbox || listed.length > 0;
  if (!sandbox && listed.length > 0) {
    r.require("PUBLIC_URL", publicUrl, "required in live mode with OIDC_CLIENTS: the app's public origin, the issuer");
    r.require("SIGNING_KEY", rawKey, "required in live mode with OIDC_CLIENTS: a private JWK (npm run keygen), a secret");
    if (listed.some((c) => c.idTokenAlg === "RS256")) {
      r.require(
        "SIGNING_RSA_KEY",
        rawRsa,
        "required in live mode when a client's ID tokens are RS256 (the default): npm run keygen -- rsa, a secret",
      );
    }
  }
  return { publicUrl, clients, configured, signingJwk, rsaJwk, previousJwks };
}
