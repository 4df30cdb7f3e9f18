/**
 * An in-memory PortOne V2 REST API for identity verification, following PortOne's published contract:
 * `GET /identity-verifications/{id}` with `Authorization: PortOne <secret>`, the three statuses (READY, VERIFIED,
 * FAILED) and their shapes, errors as `{ type, message }` (401 UNAUTHORIZED, 403 FORBIDDEN, 404
 * IDENTITY_VERIFICATION_NOT_FOUND), and injectable faults. A plain `fetch` function, so the app's real V2 client
 * runs against it unchanged.
 */
import { brokenAnswer, sleep } from "./iamport-stub.ts";

export interface StubCustomer {
  name?: string;
  operator?: string;
  phoneNumber?: string;
  birthDate?: string;
  gender?: "MALE" | "FEMALE" | "OTHER";
  isForeigner?: boolean;
  ci?: string;
  di?: string;
}

export interface StubIdentityVerification {
  status: "READY" | "VERIFIED" | "FAILED";
  id: string;
  channel?: { type: "LIVE" | "TEST"; id?: string; key?: string; name?: string; pgProvider: string; pgMerchantId: string };
  requestedAt: string;
  updatedAt: string;
  statusChangedAt: string;
  version: "V1" | "V2";
  verifiedCustomer?: StubCustomer;
  verifiedAt?: string;
  pgTxId?: string;
  pgRawResponse?: string;
  requestedCustomer?: { name?: string; phoneNumber?: string };
  failure?: { reason?: string; pgCode?: string; pgMessage?: string };
  [extra: string]: unknown;
}

export type PortOneFault =
  | { kind: "status"; status: number; body?: string; contentType?: string }
  | { kind: "unparseable" }
  | { kind: "network" }
  | { kind: "hang" };

export const STUB_CHANNEL_KEY = "channel-key-test-0001";

export class PortOneStub {
  readonly calls = { getIdentityVerification: 0 };
  readonly records = new Map<string, StubIdentityVerification>();
  /** Authorization headers and store ids seen, in order. */
  readonly requests: Array<{ authorization: string; storeId: string | null }> = [];
  latencyMs = 0;
  private faults: PortOneFault[] = [];
  readonly secret: string;

  constructor(secret = "test_portone_secret") {
    this.secret = secret;
  }

  /** A finished verification as PortOne holds it (override any field, or the customer's). */
  verify(id: string, customer: StubCustomer = {}, fields: Partial<StubIdentityVerification> = {}): StubIdentityVerification {
    const now = new Date().toISOString();
    return this.put({
      status: "VERIFIED",
      id,
      channel: { type: "LIVE", id: "channel-id-1", key: STUB_CHANNEL_KEY, name: "danal", pgProvider: "DANAL", pgMerchantId: "A010002002" },
      requestedAt: now,
      updatedAt: now,
      statusChangedAt: now,
      version: "V2",
      verifiedCustomer: {
        name: "홍길동",
        operator: "SKT",
        phoneNumber: "01012345678",
        birthDate: "1990-01-01",
        gender: "MALE",
        isForeigner: false,
        ci: `ci_${crypto.randomUUID()}`,
        di: `di_${crypto.randomUUID()}`,
        ...customer,
      },
      verifiedAt: now,
      pgTxId: `pgtx_${id}`,
      pgRawResponse: "{}",
      ...fields,
    });
  }

  /** A verification that was requested but is not (or not yet) finished. */
  pending(id: string, status: "READY" | "FAILED", fields: Partial<StubIdentityVerification> = {}): StubIdentityVerification {
    const now = new Date().toISOString();
    return this.put({
      status,
      id,
      requestedAt: now,
      updatedAt: now,
      statusChangedAt: now,
      version: "V2",
      requestedCustomer: { name: "홍길동" },
      ...(status === "FAILED" ? { failure: { reason: "사용자가 본인인증을 취소했습니다.", pgCode: "-1" } } : {}),
      ...fields,
    });
  }

  private put(record: StubIdentityVerification) {
    this.records.set(record.id, record);
    return record;
  }

  /** The next `count` calls fail with `fault`. */
  fail(fault: PortOneFault, count = 1): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  fetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const match = /^\/identity-verifications\/([^/]+)$/.exec(url.pathname);
    if (request.method !== "GET" || !match) return error(404, "NOT_FOUND", "Not found");
    this.calls.getIdentityVerification++;
    if (this.latencyMs > 0) await sleep(this.latencyMs, request.signal);
    const fault = this.faults.shift();
    if (fault) return faulty(fault, request.signal);
    const authorization = request.headers.get("Authorization") ?? "";
    this.requests.push({ authorization, storeId: url.searchParams.get("storeId") });
    if (authorization !== `PortOne ${this.secret}`) return error(401, "UNAUTHORIZED", "올바르지 않은 인증 정보입니다.");
    const record = this.records.get(decodeURIComponent(match[1]!));
    if (!record) return error(404, "IDENTITY_VERIFICATION_NOT_FOUND", "요청된 본인인증 건이 존재하지 않습니다.");
    return Response.json(record);
  };
}

export function error(status: number, type: string, message: string): Response {
  return Response.json({ type, message }, { status });
}

async function faulty(fault: PortOneFault, signal: AbortSignal): Promise<Response> {
  if (fault.kind !== "status") return brokenAnswer(fault, signal);
  return new Response(fault.body ?? "<html>Bad Gateway</html>", {
    status: fault.status,
    headers: { "Content-Type": fault.contentType ?? "text/html" },
  });
}
