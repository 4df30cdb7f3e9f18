import { type Context, Hono } from "hono";
import type { AppEnv } from "../../env";
import { withStorage } from "../../http/context";
import { sandboxOnly } from "../../sandbox/requests";
import type { SandboxCertification, SandboxOption } from "../../sandbox/schema";
import { type Carrier, findByAttempt } from "../../sandbox/simulator";
import { PORTONE_SANDBOX, type PortOneProvider } from "./config";

const V2_OPERATORS: Record<Carrier, string> = {
  SKT: "SKT",
  KT: "KT",
  LGT: "LGU",
  SKT_MVNO: "SKT_MVNO",
  KT_MVNO: "KT_MVNO",
  LGT_MVNO: "LGU_MVNO",
};

/** PortOne's names of the PGs, as `channel.pgProvider` gives them. */
const PG_PROVIDERS: Record<string, string> = { danal: "DANAL", inicis_unified: "INICIS_UNIFIED", kcp_v2: "KCP_V2" };

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
      pgProvider: PG_PROVIDERS[row.pg ?? "danal"] ?? "DANAL",
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
const v2Error = (c: Context, status: 401 | 404, type: string, message: string) => c.json({ type, message }, status);

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
  .all("/identity-verifications/*", (c) => v2Error(c, 404, "NOT_FOUND", "Not found."));
