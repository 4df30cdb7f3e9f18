import { AppError } from "../errors";
import type { UpstreamCall } from "./provider";

export interface UpstreamOptions {
  apiBase: string;
  timeoutMs: number;
  /** The upstream: global fetch in live mode, the in-process simulator in sandbox mode, a stub in tests. */
  fetch: typeof fetch;
  /** Called once per round-trip, for the verification log line (no URLs with ids, no bodies). */
  onCall?: (call: UpstreamCall) => void;
}

const RETRY_BASE_MS = 50;

const isAbort = (err: unknown) => err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");

/**
 * The transport both providers share: every request bounded by the configured timeout, every fault mapped to the
 * table's `upstream_*` codes, and one careful retry for GETs.
 */
export class Upstream {
  private readonly options: UpstreamOptions;

  constructor(options: UpstreamOptions) {
    this.options = options;
  }

  async call(op: string, path: string, init: RequestInit): Promise<Response> {
    const started = Date.now();
    const report = (status: UpstreamCall["status"]) => this.options.onCall?.({ op, status, ms: Date.now() - started });
    try {
      const res = await this.options.fetch(`${this.options.apiBase}${path}`, {
        ...init,
        headers: { Accept: "application/json", ...init.headers },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      report(res.status);
      return res;
    } catch (err) {
      report(isAbort(err) ? "timeout" : "network");
      throw isAbort(err) ? new AppError("upstream_timeout", `${op} timed out`) : new AppError("upstream_error", `${op} network error`);
    }
  }

  /**
   * A GET is safe to repeat: one retry, after a jittered pause, on a 5xx or a connection error. Timeouts are not
   * retried (the person has already waited the whole timeout), and nothing that is not idempotent is ever retried.
   */
  async idempotentGet(op: string, path: string, headers: HeadersInit): Promise<Response> {
    try {
      const res = await this.call(op, path, { headers });
      if (res.status < 500) return res;
      await res.body?.cancel();
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== "upstream_error") throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_BASE_MS + Math.random() * RETRY_BASE_MS));
    return this.call(op, path, { headers });
  }
}

/** The body as JSON; a body that stalls past the timeout or does not parse is the provider's fault. */
export async function readJson(res: Response, op: string): Promise<unknown> {
  try {
    return await res.json();
  } catch (err) {
    if (isAbort(err)) throw new AppError("upstream_timeout", `${op} body timed out`);
    throw new AppError("upstream_error", `${op}: HTTP ${res.status}, unparseable body`);
  }
}

export { isRecord } from "../lib/records";
export const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
export const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
