import { accepted, VARS, type VarDecl, type VarName, type VarValue } from "./vars";

/** A var that is wrong or missing, and what it should be. Never carries the value (it may be a secret). */
export interface ConfigProblem {
  name: string;
  expected: string;
}

/** The Worker's env (or wrangler.toml's [vars]): read by name, whatever else it holds. */
export type Vars = object;

/** Reads one var at a time, through its declaration (./vars.ts), collecting a problem for each value that does not parse. */
export class Reader {
  readonly problems: ConfigProblem[] = [];
  private readonly env: Vars;
  constructor(env: Vars) {
    this.env = env;
  }

  /** The trimmed value, or undefined when unset or empty. A non-string (a JSON var) is a problem. */
  text(name: VarName): string | undefined {
    const value = (this.env as Record<string, unknown>)[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") {
      this.fail(name, "a string");
      return undefined;
    }
    return value.trim() === "" ? undefined : value.trim();
  }

  /** The var's value as its declaration reads it; a value it does not accept is a problem, and its default stands. */
  read<N extends VarName>(name: N): VarValue<N> {
    const decl: VarDecl = VARS[name];
    const raw = this.text(name);
    const fallback = (decl.kind === "origins" ? [] : "default" in decl ? decl.default : undefined) as VarValue<N>;
    if (raw === undefined) return fallback;
    const value = parse(decl, raw);
    if (value !== undefined) return value as VarValue<N>;
    this.fail(name, accepted(decl));
    return fallback;
  }

  require(name: VarName, value: string | undefined, why: string): void {
    if (!value && !this.problems.some((p) => p.name === name)) this.fail(name, why);
  }

  fail(name: VarName, expected: string): void {
    this.problems.push({ name, expected });
  }
}

/** A value as its declaration accepts it, or undefined. */
function parse(decl: VarDecl, raw: string): string | number | string[] | undefined {
  switch (decl.kind) {
    case "choice":
      return decl.values.includes(raw) ? raw : undefined;
    case "integer": {
      const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
      return n >= decl.min && n <= decl.max ? n : undefined;
    }
    case "url":
      return isServiceUrl(raw) ? raw.replace(/\/+$/, "") : undefined;
    case "pattern":
      return decl.pattern.test(raw) ? raw : undefined;
    case "origins": {
      const origins = raw
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean);
      return origins.every(isOrigin) ? origins : undefined;
    }
    case "text":
      return raw;
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
