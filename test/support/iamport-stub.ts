/**
 * An in-memory i'mport (PortOne V1) REST API that follows i'mport's documented contract: envelopes, 30-minute tokens that
 * are handed out again while valid (extended by 5 minutes in their last minute), Bearer auth with 401 for bad or
 * expired tokens, 404 with the documented message and `response: null`, and injectable faults. It is a plain
 * `fetch` function, so the app's real client runs against it unchanged (in workerd, or behind node:http).
 */
export interface StubCertification {
  imp_uid: string;
  merchant_uid: string | null;
  pg_provider: string;
  pg_tid: string;
  name: string | null;
  gender: "male" | "female" | null;
  birthday: string | null;
  birth: number | null;
  foreigner: boolean;
  foreigner_v2: boolean | null;
  certified: boolean;
  certified_at: number;
  unique_key: string | null;
  unique_in_site: string | null;
  origin: string;
  [extra: string]: unknown;
}

export type Fault =
  | { kind: "status"; status: number; body?: string }
  | { kind: "code"; code: number; message: string } // HTTP 200 with code != 0
  | { kind: "unparseable" }
  | { kind: "network" }
  | { kind: "hang" } // never answers; only the caller's timeout ends it
  | { kind: "unauthorized" }; // 401 as if the token had just expired

type Op = "getToken" | "getCertification" | "deleteCertification" | "requestOtp" | "confirmOtp";

const TOKEN_LIFETIME_S = 30 * 60;
// imp_uids are unique across all of i'mport, so across every stub of a test run too.
let nextImpUid = 100_000_000_000 + Math.floor(Math.random() * 1e11);

export class ImpStub {
  readonly calls: Record<Op, number> = { getToken: 0, getCertification: 0, deleteCertification: 0, requestOtp: 0, confirmOtp: 0 };
  /** The OTP flow: the code each requested certification waits for, and the last one "sent". */
  readonly otps = new Map<string, string>();
  lastOtp = "";
  readonly certifications = new Map<string, StubCertification>();
  /** Authorization headers seen, in order (to check the Bearer scheme). */
  readonly authorizations: string[] = [];
  /** Added to every answer, in ms. */
  latencyMs = 0;
  /** Seconds added to the stub's clock, to move tokens towards expiry. */
  clockOffsetS = 0;
  private faults: Array<{ op: Op; fault: Fault }> = [];
  private tokens = new Map<string, number>(); // access_token → expired_at
  private current: string | null = null;

  readonly impKey: string;
  readonly impSecret: string;

  constructor(impKey = "test_key", impSecret = "test_secret") {
    this.impKey = impKey;
    this.impSecret = impSecret;
  }

  now(): number {
    return Math.floor(Date.now() / 1000) + this.clockOffsetS;
  }

  /** Creates a certification as i'mport holds it once the person has finished (override any field). */
  certify(fields: Partial<StubCertification> = {}): StubCertification {
    const imp_uid = fields.imp_uid ?? `imp_${nextImpUid++}`;
    const record: StubCertification = {
      imp_uid,
      merchant_uid: null,
      pg_provider: "danal",
      pg_tid: `tid_${imp_uid}`,
      name: "홍길동",
      gender: "male",
      birthday: "1990-01-01",
      birth: null,
      foreigner: false,
      foreigner_v2: null,
      certified: true,
      certified_at: Math.floor(Date.now() / 1000),
      unique_key: `ci_${crypto.randomUUID()}`,
      unique_in_site: `di_${crypto.randomUUID()}`,
      origin: "http://localhost/",
      ...fields,
    };
    this.certifications.set(imp_uid, record);
    return record;
  }

  /** The next `count` calls of `op` fail with `fault`. */
  fail(op: Op, fault: Fault, count = 1): void {
    for (let i = 0; i < count; i++) this.faults.push({ op, fault });
  }

  /** Invalidates every token, as if all had expired on i'mport's side. */
  expireTokens(): void {
    this.tokens.clear();
    this.current = null;
  }

  fetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const op = opOf(request.method, url.pathname);
    if (op) this.calls[op]++;
    if (this.latencyMs > 0) await sleep(this.latencyMs, request.signal);
    const fault = op ? this.takeFault(op) : undefined;
    if (fault) return this.faulty(fault, request.signal);
    switch (op) {
      case "getToken":
        return this.getToken(request);
      case "getCertification":
      case "deleteCertification":
        return this.certification(request, decodeURIComponent(url.pathname.split("/")[2] ?? ""), op);
      case "requestOtp":
      case "confirmOtp":
        return this.otp(request, op, decodeURIComponent(url.pathname.split("/")[4] ?? ""));
      default:
        return envelope(404, -1, "Not Found", null);
    }
  };

  private takeFault(op: Op): Fault | undefined {
    const index = this.faults.findIndex((f) => f.op === op);
    return index < 0 ? undefined : this.faults.splice(index, 1)[0]?.fault;
  }

  private async faulty(fault: Fault, signal: AbortSignal): Promise<Response> {
    switch (fault.kind) {
      case "status":
        return new Response(fault.body ?? "<html>Bad Gateway</html>", { status: fault.status });
      case "code":
        return envelope(200, fault.code, fault.message, null);
      case "unparseable":
      case "network":
      case "hang":
        return brokenAnswer(fault, signal);
      case "unauthorized":
        return envelope(401, -1, "Unauthorized", null);
    }
  }

  private async getToken(request: Request): Promise<Response> {
    const body = await readBody(request);
    if (!body.imp_key || !body.imp_secret) return envelope(400, -1, "imp_key, imp_secret 파라메터가 누락되었습니다.", null);
    if (body.imp_key !== this.impKey || body.imp_secret !== this.impSecret) {
      return envelope(401, -1, "imp_key, imp_secret 이 올바르지 않습니다.", null);
    }
    const now = this.now();
    let expiredAt = this.current ? this.tokens.get(this.current) : undefined;
    if (!this.current || expiredAt === undefined || expiredAt <= now) {
      this.current = `tok_${crypto.randomUUID().replace(/-/g, "")}`;
      expiredAt = now + TOKEN_LIFETIME_S;
    } else if (expiredAt - now <= 60) {
      expiredAt += 5 * 60;
    }
    this.tokens.set(this.current, expiredAt);
    return envelope(200, 0, null, { access_token: this.current, now, expired_at: expiredAt });
  }

  private authorized(request: Request): boolean {
    const auth = request.headers.get("Authorization") ?? "";
    this.authorizations.push(auth);
    const expiredAt = this.tokens.get(auth.replace(/^Bearer /, ""));
    return expiredAt !== undefined && expiredAt > this.now();
  }

  /** i'mport's OTP flow: a request makes an uncertified certification and "sends" a code; confirm certifies it. */
  private async otp(request: Request, op: Op, impUid: string): Promise<Response> {
    if (!this.authorized(request)) return envelope(401, -1, "Unauthorized", null);
    const body = await readBody(request);
    if (op === "requestOtp") {
      const digit = Number(body.gender_digit);
      const birth = String(body.birth ?? "");
      if (!body.name || !/^01\d{8,9}$/.test(String(body.phone)) || !/^\d{6}$/.test(birth) || !(digit >= 1 && digit <= 8)) {
        return envelope(400, -1, "name, phone, birth, gender_digit 파라미터를 확인해 주세요.", null);
      }
      const century = [1, 2, 5, 6].includes(digit) ? "19" : "20";
      const record = this.certify({
        merchant_uid: String(body.merchant_uid ?? "") || null,
        name: String(body.name),
        gender: digit % 2 === 1 ? "male" : "female",
        birthday: `${century}${birth.slice(0, 2)}-${birth.slice(2, 4)}-${birth.slice(4)}`,
        unique_key: `ci_otp_${body.name}_${birth}_${digit}`,
        unique_in_site: `di_otp_${body.name}_${birth}_${digit}`,
        certified: false,
      });
      this.lastOtp = String(100_000 + Math.floor(Math.random() * 900_000));
      this.otps.set(record.imp_uid, this.lastOtp);
      return envelope(200, 0, null, { imp_uid: record.imp_uid });
    }
    const record = this.certifications.get(impUid);
    if (!record) return envelope(404, -1, "인증결과가 존재하지 않습니다.", null);
    if (record.certified) return envelope(400, -1, "이미 인증이 완료된 건입니다.", null);
    if (!body.otp || body.otp !== this.otps.get(impUid)) return envelope(400, -1, "인증번호가 일치하지 않습니다.", null);
    record.certified = true;
    record.certified_at = this.now();
    return envelope(200, 0, null, record);
  }

  private certification(request: Request, impUid: string, op: Op): Response {
    if (!this.authorized(request)) return envelope(401, -1, "Unauthorized", null);
    const record = this.certifications.get(impUid);
    if (!record) return envelope(404, -1, "인증결과가 존재하지 않습니다.", null);
    if (op === "deleteCertification") this.certifications.delete(impUid);
    return envelope(200, 0, null, record);
  }
}

function opOf(method: string, path: string): Op | null {
  if (method === "POST" && path === "/users/getToken") return "getToken";
  if (method === "POST" && path === "/certifications/otp/request") return "requestOtp";
  if (method === "POST" && /^\/certifications\/otp\/confirm\/[^/]+$/.test(path)) return "confirmOtp";
  if (/^\/certifications\/[^/]+$/.test(path)) {
    if (method === "GET") return "getCertification";
    if (method === "DELETE") return "deleteCertification";
  }
  return null;
}

async function readBody(request: Request): Promise<Record<string, string>> {
  const text = await request.text();
  if ((request.headers.get("Content-Type") ?? "").includes("application/json")) {
    try {
      const parsed: unknown = JSON.parse(text);
      return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, string>) : {};
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

export function envelope(status: number, code: number, message: string | null, response: unknown): Response {
  return Response.json({ code, message, response }, { status });
}

/** The faults of any HTTP API: a 200 that is not JSON, a dropped connection, no answer at all. */
export async function brokenAnswer(fault: { kind: "unparseable" | "network" | "hang" }, signal: AbortSignal): Promise<Response> {
  if (fault.kind === "unparseable") return new Response("{ not json", { status: 200, headers: { "Content-Type": "application/json" } });
  if (fault.kind === "network") throw new TypeError("Network connection lost.");
  await sleep(Number.POSITIVE_INFINITY, signal);
  throw new Error("unreachable");
}

/** Resolves after `ms` (never, for Infinity), or rejects when `signal` aborts: a slow or hanging answer. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = Number.isFinite(ms) ? setTimeout(resolve, ms) : null;
    signal?.addEventListener("abort", () => {
      if (timer !== null) clearTimeout(timer);
      reject(signal.reason);
    });
  });
}
