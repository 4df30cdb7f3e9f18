import type { Context } from "hono";
import { Hono } from "hono/tiny";
import type { AppEnv } from "../env";
import { withStorage } from "../http/context";
import { IAMPORT_SANDBOX } from "../providers/iamport/config";
import { personFromOtpRequest, readBody, sandboxOnly } from "./requests";
import type { SandboxCertification, SandboxOption } from "./schema";
import { CONFIRM_MESSAGES, confirmOtp, deleteCertification, findCertification, issueToken, requestOtp, tokenIsValid } from "./simulator";

/** i'mport's envelope: `{ code, message, response }`; success is HTTP 200 and code 0. */
const envelope = (c: Context, status: 200 | 400 | 401 | 404, message: string | null, response: unknown = null) =>
  c.json({ code: status === 200 ? 0 : -1, message, response }, status);

/** The certification object exactly as `GET /certifications/{imp_uid}` returns it. */
export function certificationResponse(row: SandboxCertification) {
  const [y, m, d] = row.birthday.split("-").map(Number) as [number, number, number];
  const has = (option: SandboxOption) => (row.options ?? []).includes(option);
  return {
    imp_uid: row.impUid,
    merchant_uid: row.merchantUid,
    pg_tid: `sandbox_${row.impUid.slice(4)}`,
    pg_provider: row.pg ?? "danal",
    name: row.name,
    gender: has("null_gender") ? null : row.gender,
    birthday: row.birthday,
    birth: Date.UTC(y, m - 1, d) / 1000 - 9 * 3600, // 00:00 KST
    foreigner: row.foreigner,
    foreigner_v2: row.foreigner ? true : null,
    // Only with i'mport's extra approval: the developer option stands for a contract that has it.
    phone: has("phone_carrier") ? row.phone : null,
    carrier: has("phone_carrier") ? row.carrier : null,
    certified: row.certified,
    certified_at: row.certifiedAt ?? 0,
    unique_key: has("empty_ci") ? "" : row.uniqueKey,
    unique_in_site: has("no_di") ? null : row.uniqueInSite,
    origin: row.origin,
  };
}

/** The REST subset of i'mport, as the app's client (and anyone with the sandbox keys) sees it; under /sandbox/api. */
export const iamportSandbox = new Hono<AppEnv>()
  .use(sandboxOnly)
  .use(withStorage("sandbox"))
  .post("/users/getToken", async (c) => {
    const body = await readBody(c);
    if (!body.imp_key || !body.imp_secret) return envelope(c, 400, "imp_key, imp_secret 파라미터가 누락되었습니다.");
    if (body.imp_key !== IAMPORT_SANDBOX.impKey || body.imp_secret !== IAMPORT_SANDBOX.impSecret) {
      return envelope(c, 401, "imp_key, imp_secret 정보가 올바르지 않습니다.");
    }
    return envelope(c, 200, null, await issueToken(c.get("db"), body.imp_key));
  })
  .use("/certifications/*", async (c, next) => {
    const token = (c.req.header("Authorization") ?? "").replace(/^Bearer\s+/i, "");
    if (!token || !(await tokenIsValid(c.get("db"), token))) return envelope(c, 401, "Unauthorized");
    await next();
  })
  .post("/certifications/otp/request", async (c) => {
    const body = await readBody(c);
    const person = personFromOtpRequest(body);
    if (!person) return envelope(c, 400, "name, phone, birth, gender_digit, carrier 파라미터를 확인해 주세요.");
    const impUid = await requestOtp(c.get("db"), person, body.merchant_uid || null, null);
    return envelope(c, 200, null, { imp_uid: impUid });
  })
  .post("/certifications/otp/confirm/:imp_uid", async (c) => {
    const { otp } = await readBody(c);
    if (!otp) return envelope(c, 400, "otp 파라미터가 누락되었습니다.");
    const db = c.get("db");
    const outcome = await confirmOtp(db, c.req.param("imp_uid"), otp);
    if (outcome === "not_found") return envelope(c, 404, "인증결과가 존재하지 않습니다.");
    if (outcome !== "confirmed") return envelope(c, 400, CONFIRM_MESSAGES[outcome]);
    return envelope(c, 200, null, certificationResponse((await findCertification(db, c.req.param("imp_uid")))!));
  })
  .get("/certifications/:imp_uid", async (c) => {
    const row = await findCertification(c.get("db"), c.req.param("imp_uid"));
    return row ? envelope(c, 200, null, certificationResponse(row)) : envelope(c, 404, "인증결과가 존재하지 않습니다.");
  })
  .delete("/certifications/:imp_uid", async (c) => {
    const row = await deleteCertification(c.get("db"), c.req.param("imp_uid"));
    return row ? envelope(c, 200, null, certificationResponse(row)) : envelope(c, 404, "인증결과가 존재하지 않습니다.");
  })
  // Like i'mport, every answer is an envelope, an unknown route's too.
  .all("*", (c) => envelope(c, 404, "요청하신 API를 찾을 수 없습니다."));
export type SandboxCertificationAnswer = ReturnType<typeof certificationResponse>;
