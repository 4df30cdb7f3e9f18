import { sha256Hex } from "../../lib/crypto";

/** An i'mport REST access token and when it stops working, on our clock. */
export interface Token {
  accessToken: string;
  expiredAt: number; // UNIX seconds
}

/** Stop handing a token out this long before i'mport says it expires (covers clock skew and slow calls). */
const REFRESH_MARGIN_SECONDS = 60;
/** A KV read slower than this counts as a miss: a direct getToken is faster than a sick KV. */
const KV_READ_TIMEOUT_MS = 1000;
/** A KV write (in waitUntil) is abandoned after this, so a sick KV cannot hold the invocation open. */
const KV_WRITE_TIMEOUT_MS = 2000;
/** KV rejects an `expirationTtl` under 60 seconds. */
const KV_MIN_TTL_SECONDS = 60;

export interface TokenScope {
  apiBase: string;
  impKey: string;
}

export type TokenSource = "memory" | "kv" | "fetched" | "joined";

// Isolate-wide state: shared by every request this isolate serves, so a warm isolate needs neither KV nor
// i'mport for a token, and concurrent requests wait on one getToken instead of each starting their own.
const memory = new Map<string, Token>();
const inflight = new Map<string, Promise<Token>>();
const kvKeys = new Map<string, string>();

/** Forget the isolate's tokens (tests use it to stand for a fresh isolate). */
export function clearTokenMemory(): void {
  memory.clear();
  inflight.clear();
}

const usable = (token: Token | null | undefined, rejected?: string): token is Token =>
  !!token && token.accessToken !== rejected && token.expiredAt - Date.now() / 1000 > REFRESH_MARGIN_SECONDS;

/**
 * The access-token cache: this isolate's copy first, then KV (shared by all isolates and locations), then
 * getToken. i'mport hands out the same token while it is valid, so sharing one is the intended use.
 */
export class TokenCache {
  constructor(
    private readonly kv: KVNamespace | undefined,
    private readonly waitUntil: (promise: Promise<unknown>) => void,
    private readonly report: {
      /** How each token asked for in this request was found, for the log line. */
      onSource?: (source: TokenSource) => void;
      onKvError?: (op: "get" | "put") => void;
    } = {},
  ) {}

  async get(scope: TokenScope, fetchToken: () => Promise<Token>, rejected?: string): Promise<string> {
    const id = `${scope.apiBase}\n${scope.impKey}`;
    const cached = memory.get(id);
    if (usable(cached, rejected)) {
      this.report.onSource?.("memory");
      return cached.accessToken;
    }
    if (cached) memory.delete(id);

    const pending = inflight.get(id);
    if (pending) {
      const token = await pending;
      if (token.accessToken !== rejected) {
        this.report.onSource?.("joined");
        return token.accessToken;
      }
    }

    const lookup = this.lookUp(id, fetchToken, rejected).finally(() => {
      if (inflight.get(id) === lookup) inflight.delete(id);
    });
    inflight.set(id, lookup);
    return (await lookup).accessToken;
  }

  private async lookUp(id: string, fetchToken: () => Promise<Token>, rejected?: string): Promise<Token> {
    const kvKey = await this.kvKey(id);
    const stored = await this.kvGet(kvKey);
    if (usable(stored, rejected)) {
      memory.set(id, stored);
      this.report.onSource?.("kv");
      return stored;
    }
    const token = await fetchToken();
    memory.set(id, token);
    this.report.onSource?.("fetched");
    const ttl = Math.floor(token.expiredAt - REFRESH_MARGIN_SECONDS - Date.now() / 1000);
    if (this.kv && ttl >= KV_MIN_TTL_SECONDS) {
      const kv = this.kv;
      this.waitUntil(
        withTimeout(kv.put(kvKey, JSON.stringify(token), { expirationTtl: ttl }), KV_WRITE_TIMEOUT_MS).catch(() => this.report.onKvError?.("put")),
      );
    }
    return token;
  }

  private async kvGet(key: string): Promise<Token | null> {
    if (!this.kv) return null;
    try {
      const value = await withTimeout(this.kv.get<Token>(key, "json"), KV_READ_TIMEOUT_MS);
      return value && typeof value.accessToken === "string" && typeof value.expiredAt === "number" ? value : null;
    } catch {
      // KV down or slow to fail: a direct getToken still works, so a KV outage costs latency, not availability.
      this.report.onKvError?.("get");
      return null;
    }
  }

  /** KV key: a hash of the API base and key, so neither appears in KV listings. */
  private async kvKey(id: string): Promise<string> {
    let key = kvKeys.get(id);
    if (!key) {
      key = `imp-token:${(await sha256Hex(id)).slice(0, 32)}`;
      kvKeys.set(id, key);
    }
    return key;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`KV did not answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => {
    if (timer !== null) clearTimeout(timer);
  });
}
