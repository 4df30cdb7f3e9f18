// A browser stand-in for Node-side suites: one cookie jar, the app's own Origin on POSTs.
export class HttpClient {
  cookie = "";
  readonly baseUrl: string;
  /** The origin its POSTs come from: the server's own, or its PUBLIC_URL when it has one (where a browser loaded the page). */
  readonly origin: string;

  constructor(baseUrl: string, origin = baseUrl) {
    this.baseUrl = baseUrl;
    this.origin = origin;
  }

  async send(path: string, init: RequestInit & { origin?: string | null } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookie && !headers.has("Cookie")) headers.set("Cookie", this.cookie);
    if ((init.method ?? "GET") !== "GET" && init.origin !== null && !headers.has("Origin")) {
      headers.set("Origin", init.origin ?? this.origin);
    }
    const request = () => fetch(`${this.baseUrl}${path}`, { ...init, headers, redirect: "manual" });
    // A kept-alive connection the server closed while it idled (after a long step of the suite) fails before
    // anything was sent; one new connection is tried. Every route here answers a repeat the same way anyway.
    const res = await request().catch((err: Error & { cause?: { code?: string } }) => {
      if (err.cause?.code !== "UND_ERR_SOCKET" || init.body instanceof ReadableStream) throw err;
      return request();
    });
    const set = res.headers.get("Set-Cookie");
    if (set) this.cookie = set.split(";")[0] ?? "";
    return res;
  }

  async prepare(): Promise<{ merchant_uid: string; expires_at: string }> {
    const res = await this.send("/certifications/prepare", { method: "POST" });
    if (res.status !== 201) throw new Error(`prepare answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { merchant_uid: string; expires_at: string };
  }

  verify(body: unknown): Promise<Response> {
    return this.send("/certifications", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  }
}

/** Runs `task` over `items` with at most `concurrency` at once; returns results in order. */
export async function pool<T, R>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]!, index);
      }
    }),
  );
  return results;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
