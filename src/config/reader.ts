/** A var that is wrong or missing, and what it should be. Never carries the value (it may be a secret). */
export interface ConfigProblem {
  name: string;
  expected: string;
}

/** The Worker's env (or wrangler.toml's [vars]): read by name, whatever else it holds. */
export type Vars = object;

/** Reads one var at a time, collecting a problem for each value that does not parse. */
export class Reader {
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
