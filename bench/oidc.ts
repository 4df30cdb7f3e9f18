// What OpenID Connect adds to a verification: the same person verified through the page's own flow and inside an
// authorization (whose batch also writes the code and the grant), one at a time, alternating; then the code
// exchanged at /token (one D1 batch and two ES256 signatures). Not timed: /authorize and the stub's certification.
import { createHash, randomBytes } from "node:crypto";
import { percentile } from "../test/support/http-client.ts";
import { cpuMs } from "./cpu.ts";
import { APP_ORIGIN, type Server } from "./servers.ts";
import { ready, submit } from "./verification.ts";

export const BENCH_CLIENT = { id: "bench", secret: "bench-client-secret-of-at-least-32-chars", redirectUri: "https://site.bench.example/cb" };

const b64url = (bytes: Buffer) => bytes.toString("base64url");

/** A browser with a whole cookie jar (the authorization's cookie rides beside the binding cookie). */
function jar(base: string) {
  const cookies = new Map<string, string>();
  return async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (cookies.size) headers.set("Cookie", [...cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    if (init.method === "POST") headers.set("Origin", APP_ORIGIN);
    const res = await fetch(`${base}${path}`, { ...init, headers, redirect: "manual" });
    for (const set of res.headers.getSetCookie()) {
      const [pair = ""] = set.split(";");
      const at = pair.indexOf("=");
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return res;
  };
}

/**
 * A person verified inside an authorization of `client` (a browser's whole cookie jar): /authorize and the stub's
 * certification untimed, then POST /certifications timed. The code and verifier to redeem, or null.
 */
export async function authorizedVerification(
  server: Server,
  client: { id: string; redirectUri: string },
  uniqueKey: string,
): Promise<{ ms: number; code: string; verifier: string } | null> {
  const send = jar(server.url);
  const verifier = b64url(randomBytes(32));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: client.id,
    redirect_uri: client.redirectUri,
    scope: "openid profile",
    state: b64url(randomBytes(12)),
    nonce: b64url(randomBytes(12)),
    code_challenge: b64url(createHash("sha256").update(verifier).digest()),
    code_challenge_method: "S256",
  });
  const html = await (await send(`/authorize?${query}`)).text();
  const merchant_uid = /"merchant_uid":"([A-Za-z0-9]{40})"/.exec(html)?.[1] ?? "";
  const cert = server.stub.certify({ merchant_uid, unique_key: uniqueKey, birthday: "1990-01-01", birth: 631119600 });
  const t0 = performance.now();
  const verified = await send("/certifications", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ imp_uid: cert.imp_uid, merchant_uid }),
  });
  const body = (await verified.json()) as { redirect_to?: string };
  const ms = performance.now() - t0;
  const code = body.redirect_to ? new URL(body.redirect_to).searchParams.get("code") : null;
  return code ? { ms, code, verifier } : null;
}

export interface OidcCost {
  verifications: number;
  plain_p50_ms: number;
  in_authorization_p50_ms: number;
  token_p50_ms: number;
  /** The Worker's CPU ms per code exchange (read from /proc over all of them). */
  token_cpu_ms: number;
  errors: number;
}

export async function measureOidc(server: Server, n: number): Promise<OidcCost> {
  const plain: number[] = [];
  const inAuthorization: number[] = [];
  const token: number[] = [];
  let errors = 0;
  const codes: Array<{ code: string; verifier: string }> = [];
  for (let i = 0; i < n; i++) {
    const sample = await submit(await ready(server, `oidc-plain-${i}`));
    if (sample.ok) plain.push(sample.ms);
    else errors++;

    const done = await authorizedVerification(server, BENCH_CLIENT, `CI-oidc-${i}`);
    if (!done) {
      errors++;
      continue;
    }
    inAuthorization.push(done.ms);
    const { code, verifier } = done;
    codes.push({ code, verifier });
  }
  // The exchanges, one after the other once every code is issued (each lives 60 s), with the Worker's CPU around them.
  const cpuBefore = cpuMs(server.pid);
  for (const { code, verifier } of codes) {
    const t0 = performance.now();
    const exchanged = await fetch(`${server.url}/token`, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Authorization: `Basic ${Buffer.from(`${BENCH_CLIENT.id}:${BENCH_CLIENT.secret}`).toString("base64")}`,
      },
      body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: BENCH_CLIENT.redirectUri, code_verifier: verifier }),
    });
    await exchanged.arrayBuffer();
    if (exchanged.status === 200) token.push(performance.now() - t0);
    else errors++;
  }
  const token_cpu_ms = codes.length ? (cpuMs(server.pid) - cpuBefore) / codes.length : Number.NaN;
  const p50 = (xs: number[]) =>
    percentile(
      [...xs].sort((a, b) => a - b),
      50,
    );
  return {
    verifications: n,
    plain_p50_ms: p50(plain),
    in_authorization_p50_ms: p50(inAuthorization),
    token_p50_ms: p50(token),
    token_cpu_ms,
    errors,
  };
}
