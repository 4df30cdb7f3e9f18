import type { Context } from "hono";
import { Hono } from "hono/tiny";
import type { AppEnv } from "../env";
import { withStorage } from "../http/context";
import { isRecord } from "../lib/records";
import { PGS, profileOfPg } from "../providers/pg";
import { PORTONE_SANDBOX, type PortOneProvider } from "../providers/portone/config";
import { personFromOtpRequest, readBody, sandboxOnly } from "./requests";
import type { SandboxCertification, SandboxOption } from "./schema";
import { type Carrier, CONFIRM_MESSAGES, confirmOtp, findByAttempt, requestOtp, requestsFor, resendOtp } from "./simulator";

const V2_OPERATORS: Record<Carrier, string> = {
  SKT: "SKT",
  KT: "KT",
  LGT: "LGU",
  SKT_MVNO: "SKT_MVNO",
  KT_MVNO: "KT_MVNO",
  LGT_MVNO: "LGU_MVNO",
};

/** PortOne's names of the PGs, as `channel.pgProvider` gives them. */

const nowS = () => Math.floor(Date.now() / 1000);

/**
 * The record as PortOne V2's `GET /identity-verifications/{id}` returns it: VERIFIED once the code was confirmed,
 * FAILED once the code expired unconfirmed, READY before.
 */
export function identityVerificationResponse(row: SandboxCertification, channelKey: string) {
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
  const status = row.certified ? "VERIFIED" : row.otpExpiresAt < nowS() ? "FAILED" : "READY";
  const changedAt = row.certifiedAt ?? (status === "FAILED" ? row.otpExpiresAt : row.createdAt);
  const common = {
    status,
    id: row.merchantUid,
    channel: {
      type: "LIVE",
      id: "channel-id-sandbox",
      key: channelKey,
      name: "sandbox",
      pgProvider: PGS[profileOfPg(row.pg ?? undefined) ?? "danal"].v2Name,
      pgMerchantId: "sandbox",
    },
    requestedAt: iso(row.createdAt),
    updatedAt: iso(changedAt),
    statusChangedAt: iso(changedAt),
    version: "V2",
  };
  if (status === "VERIFIED") {
    // PortOne leaves out what the PG did not give: the developer options take fields away.
    const has = (option: SandboxOption) => (row.options ?? []).includes(option);
    return {
      ...common,
      verifiedCustomer: {
        name: row.name,
        operator: V2_OPERATORS[row.carrier as Carrier],
        phoneNumber: row.phone,
        birthDate: row.birthday,
        ...(has("null_gender") ? {} : { gender: row.gender === "male" ? "MALE" : "FEMALE" }),
        isForeigner: row.foreigner,
        ...(has("empty_ci") ? {} : { ci: row.uniqueKey }),
        ...(has("no_di") ? {} : { di: row.uniqueInSite }),
      },
      verifiedAt: iso(row.certifiedAt!),
      pgTxId: `sandbox_${row.impUid.slice(4)}`,
      pgRawResponse: "{}",
    };
  }
  const requestedCustomer = { name: row.name, phoneNumber: row.phone };
  return status === "FAILED"
    ? { ...common, requestedCustomer, failure: { reason: "인증번호 입력 시간이 초과되었습니다." } }
    : { ...common, requestedCustomer };
}

/** PortOne V2's error body: `{ type, message }`. */
const v2Error = (c: Context, status: 400 | 401 | 404 | 409 | 502, type: string, message: string, extra: object = {}) =>
  c.json({ type, message, ...extra }, status);

/** PortOne's operators, as the simulator's carriers. */
const CARRIER_OF: Record<string, Carrier> = Object.fromEntries(
  Object.entries(V2_OPERATORS).map(([carrier, operator]) => [operator, carrier as Carrier]),
);

/** PortOne caps the transactions of one identity verification id. */
const MAX_TRANSACTIONS = 5;

/** The channel the simulator's results come from: the configured one while V2 runs, else the sandbox's own. */
const channelOf = <E extends AppEnv>(c: Context<E>) => {
  const provider = c.get("config").provider;
  return provider.name === "v2" ? (provider as PortOneProvider).channelKey : PORTONE_SANDBOX.channelKey;
};

/**
 * The REST subset of PortOne V2 for identity verification, as the app's V2 client and PortOne's own server SDK see
 * it. At the origin's root, as PortOne's: the SDK resolves its paths against the origin of its `baseUrl`. Every
 * path is explicit, so that mounted at "/" it claims nothing else of the app; sandbox mode only.
 */
export const portoneSandbox = new Hono<AppEnv>()
  .use("/identity-verifications/*", sandboxOnly)
  .use("/identity-verifications/*", async (c, next) => {
    if (c.req.header("Authorization") !== `PortOne ${PORTONE_SANDBOX.apiSecret}`) {
      return v2Error(c, 401, "UNAUTHORIZED", "인증 정보가 올바르지 않습니다.");
    }
    await next();
  })
  .use("/identity-verifications/*", withStorage("sandbox"))
  .get("/identity-verifications/:id", async (c) => {
    const row = await findByAttempt(c.get("db"), c.req.param("id"));
    if (!row) return v2Error(c, 404, "IDENTITY_VERIFICATION_NOT_FOUND", "요청된 본인인증 건이 존재하지 않습니다.");
    return c.json(identityVerificationResponse(row, channelOf(c)));
  })
  // The API flow (Danal, KCP): send a code by SMS, resend it, confirm it — PortOne's errors included.
  .post("/identity-verifications/:id/send", async (c) => {
    const body: unknown = await c.req.json().catch(() => null);
    const customer = isRecord(body) && isRecord(body.customer) ? body.customer : {};
    const text = (v: unknown) => (typeof v === "string" ? v : "");
    if (!isRecord(body) || body.method !== "SMS" || !text(customer.ipAddress)) {
      return v2Error(c, 400, "INVALID_REQUEST", "method, customer.ipAddress 를 확인해 주세요.");
    }
    if (text(body.channelKey) !== channelOf(c)) return v2Error(c, 404, "CHANNEL_NOT_FOUND", "채널이 존재하지 않습니다.");
    const identity = /^(\d{6})([1-8])$/.exec(text(customer.identityNumber));
    const carrier = CARRIER_OF[text(body.operator)];
    const person =
      identity && carrier
        ? personFromOtpRequest({
            name: text(customer.name),
            phone: text(customer.phoneNumber),
            birth: identity[1]!,
            gender_digit: identity[2]!,
            carrier: carrier.replace("_MVNO", ""),
            is_mvno: String(carrier.endsWith("_MVNO")),
          })
        : null;
    if (!person) return v2Error(c, 400, "INVALID_REQUEST", "customer 정보를 확인해 주세요.");
    const db = c.get("db");
    const id = c.req.param("id");
    const row = await findByAttempt(db, id);
    if (row?.certified) return v2Error(c, 409, "IDENTITY_VERIFICATION_ALREADY_VERIFIED", "이미 인증이 완료된 본인인증 건입니다.");
    if (row && row.otpExpiresAt >= Math.floor(Date.now() / 1000)) {
      return v2Error(c, 409, "IDENTITY_VERIFICATION_ALREADY_SENT", "이미 인증 요청이 전송된 본인인증 건입니다.");
    }
    if ((await requestsFor(db, id)) >= MAX_TRANSACTIONS) return v2Error(c, 400, "MAX_TRANSACTION_COUNT_REACHED", "최대 요청 횟수를 초과했습니다.");
    await requestOtp(db, { ...person, pg: c.get("config").provider.pgProfile ?? null }, id, null);
    return c.json({});
  })
  .post("/identity-verifications/:id/resend", async (c) => {
    const db = c.get("db");
    const row = await findByAttempt(db, c.req.param("id"));
    if (!row) return v2Error(c, 404, "IDENTITY_VERIFICATION_NOT_SENT", "인증 요청이 전송되지 않았습니다.");
    if (row.certified) return v2Error(c, 409, "IDENTITY_VERIFICATION_ALREADY_VERIFIED", "이미 인증이 완료된 본인인증 건입니다.");
    await resendOtp(db, row.impUid);
    return c.json({});
  })
  .post("/identity-verifications/:id/confirm", async (c) => {
    const { otp = "" } = await readBody(c);
    const db = c.get("db");
    const row = await findByAttempt(db, c.req.param("id"));
    if (!row) return v2Error(c, 404, "IDENTITY_VERIFICATION_NOT_SENT", "인증 요청이 전송되지 않았습니다.");
    const outcome = await confirmOtp(db, row.impUid, otp);
    if (outcome === "already_confirmed") return v2Error(c, 409, "IDENTITY_VERIFICATION_ALREADY_VERIFIED", "이미 인증이 완료된 본인인증 건입니다.");
    if (outcome !== "confirmed") {
      const message = outcome === "not_found" ? "not found" : CONFIRM_MESSAGES[outcome];
      return v2Error(c, 502, "PG_PROVIDER", message, { pgCode: outcome === "expired_otp" ? "TIMEOUT" : "MISMATCH", pgMessage: message });
    }
    return c.json({ identityVerification: identityVerificationResponse((await findByAttempt(db, c.req.param("id")))!, channelOf(c)) });
  })
  .all("/identity-verifications/*", (c) => v2Error(c, 404, "NOT_FOUND", "Not found."));
