import type { Context } from "hono";
import type { AppEnv } from "../env";
import { AppError } from "../errors";
import { isRecord } from "../lib/records";
import { jwsParts, verifyJwt } from "../oidc/jwt";

/**
 * Who may use the operator console. Live mode: Cloudflare Access signs in front of the app, and the app checks the
 * application token Access adds (`Cf-Access-Jwt-Assertion`) itself — RS256 under a key of the team's certs, `iss` the
 * team domain, `aud` this application's tag, unexpired — never trusting the header's presence. Sandbox mode: open,
 * to loopback addresses only.
 */

/** Who acted, as the audit log names them: the Access identity's email (a service token's client id). */
export type Operator = { actor: string };

/** The team's keys are kept this long; an unknown `kid` fetches them again, at most once a minute (a flood of made-up ids is not a flood of fetches). */
const CERTS_TTL_MS = 3_600_000;
const REFETCH_MIN_MS = 60_000;

interface Certs {
  keys: Map<string, CryptoKey>;
  fetchedAt: number;
}

const teams = new Map<string, Promise<Certs>>();

async function fetchCerts(teamUrl: string, fetcher: typeof fetch, now: number): Promise<Certs> {
  const res = await fetcher(`${teamUrl}/cdn-cgi/access/certs`, { headers: { Accept: "application/json" } });
  if (!res.ok) throw new Error(`Access certs answered ${res.status}`);
  const body: unknown = await res.json();
  const keys = new Map<string, CryptoKey>();
  for (const jwk of isRecord(body) && Array.isArray(body.keys) ? body.keys : []) {
    if (!isRecord(jwk) || jwk.kty !== "RSA" || typeof jwk.kid !== "string" || typeof jwk.n !== "string" || typeof jwk.e !== "string") continue;
    const key = await crypto.subtle
      .importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e }, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"])
      .catch(() => null);
    if (key) keys.set(jwk.kid, key);
  }
  return { keys, fetchedAt: now };
}

/** The key with this `kid` of the team's certs: cached, fetched when stale or when the kid is new (rate-limited). */
async function certKey(teamUrl: string, kid: string, fetcher: typeof fetch, now: number): Promise<CryptoKey | undefined> {
  let certs = await teams.get(teamUrl)?.catch(() => undefined);
  const stale = !certs || now - certs.fetchedAt > CERTS_TTL_MS || (!certs.keys.has(kid) && now - certs.fetchedAt > REFETCH_MIN_MS);
  if (stale) {
    const fetching = fetchCerts(teamUrl, fetcher, now);
    teams.set(teamUrl, fetching);
    certs = await fetching;
  }
  return certs?.keys.get(kid);
}

/** Forgets the cached certs (tests rotate the team's keys). */
export const forgetAccessCerts = () => teams.clear();

/** The loopback addresses a sandbox console answers. */
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * The operator behind this request, or `forbidden` (`not_found` when a live deployment has no Access application
 * configured). Cloudflare sets `CF-Connecting-IP` on every request; a request without it did not come through
 * Cloudflare's edge or wrangler dev.
 */
export async function operatorOf<E extends AppEnv>(c: Context<E>, fetcher: typeof fetch, now = Date.now()): Promise<Operator> {
  const config = c.get("config");
  if (config.mode === "sandbox") {
    if (!LOOPBACK.test(c.req.header("CF-Connecting-IP") ?? "")) throw new AppError("forbidden", "sandbox console: not loopback");
    return { actor: "sandbox (loopback)" };
  }
  const access = config.adminAccess;
  if (!access) throw new AppError("not_found");
  const token = c.req.header("Cf-Access-Jwt-Assertion");
  const jws = token ? jwsParts(token) : null;
  const kid = jws?.header.kid;
  if (!token || jws?.header.alg !== "RS256" || typeof kid !== "string") throw new AppError("forbidden", "no Access token");
  let key: CryptoKey | undefined;
  try {
    key = await certKey(access.teamUrl, kid, fetcher, now);
  } catch (err) {
    throw new AppError("forbidden", `Access certs unavailable: ${err instanceof Error ? err.message.slice(0, 80) : "fault"}`);
  }
  // Access's application tokens are typed JWT, or not typed at all.
  const typ = jws.header.typ === undefined ? undefined : "JWT";
  const claims = key && (await verifyJwt(token, key, { typ, alg: "RS256", issuer: access.teamUrl, audience: access.aud }, now));
  if (!claims) throw new AppError("forbidden", "Access token refused");
  const actor = typeof claims.email === "string" ? claims.email : typeof claims.common_name === "string" ? claims.common_name : undefined;
  if (!actor) throw new AppError("forbidden", "Access token names nobody");
  return { actor };
}
