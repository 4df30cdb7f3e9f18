import { type Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { SANDBOX_CREDENTIALS } from "../config";
import { openDb } from "../db/queries";
import { SANDBOX_OPTIONS, type SandboxOption } from "../db/schema";
import type { AppEnv } from "../env";
import { errorBody } from "../errors";
import { parseDate } from "../lib/dates";
import {
  CARRIERS,
  type Carrier,
  type ConfirmOutcome,
  certificationResponse,
  confirmOtp,
  deleteCertification,
  findByAttempt,
  findCertification,
  identityVerificationResponse,
  issueToken,
  type Person,
  requestOtp,
  tokenIsValid,
} from "./simulator";

/** The carrier window talks only to this origin; it may navigate anywhere (m_redirect_url), as a PG window does. */
const CARRIER_WINDOW_CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** i'mport's envelope: `{ code, message, response }`; success is HTTP 200 and code 0. */
const envelope = (c: Context, status: 200 | 400 | 401 | 404, message: string | null, response: unknown = null) =>
  c.json({ code: status === 200 ? 0 : -1, message, response }, status);

const CONFIRM_MESSAGES: Record<Exclude<ConfirmOutcome, "confirmed" | "not_found">, string> = {
  already_confirmed: "이미 인증이 완료된 건입니다.",
  wrong_otp: "인증번호가 일치하지 않습니다.",
  expired_otp: "인증번호 입력 시간이 초과되었습니다.",
};

/** The REST subset of i'mport, as the app's client (and anyone with the sandbox keys) sees it. */
const api = new Hono<AppEnv>()
  .post("/users/getToken", async (c) => {
    const body = await readBody(c);
    if (!body.imp_key || !body.imp_secret) return envelope(c, 400, "imp_key, imp_secret 파라미터가 누락되었습니다.");
    if (body.imp_key !== SANDBOX_CREDENTIALS.impKey || body.imp_secret !== SANDBOX_CREDENTIALS.impSecret) {
      return envelope(c, 401, "imp_key, imp_secret 정보가 올바르지 않습니다.");
    }
    return envelope(c, 200, null, await issueToken(openDb(c.env.DB), body.imp_key));
  })
  .use("/certifications/*", async (c, next) => {
    const token = (c.req.header("Authorization") ?? "").replace(/^Bearer\s+/i, "");
    if (!token || !(await tokenIsValid(openDb(c.env.DB), token))) return envelope(c, 401, "Unauthorized");
    await next();
  })
  .post("/certifications/otp/request", async (c) => {
    const body = await readBody(c);
    const person = personFromOtpRequest(body);
    if (!person) return envelope(c, 400, "name, phone, birth, gender_digit, carrier 파라미터를 확인해 주세요.");
    const impUid = await requestOtp(openDb(c.env.DB), person, body.merchant_uid || null, null);
    return envelope(c, 200, null, { imp_uid: impUid });
  })
  .post("/certifications/otp/confirm/:imp_uid", async (c) => {
    const { otp } = await readBody(c);
    if (!otp) return envelope(c, 400, "otp 파라미터가 누락되었습니다.");
    const db = openDb(c.env.DB);
    const outcome = await confirmOtp(db, c.req.param("imp_uid"), otp);
    if (outcome === "not_found") return envelope(c, 404, "인증결과가 존재하지 않습니다.");
    if (outcome !== "confirmed") return envelope(c, 400, CONFIRM_MESSAGES[outcome]);
    return envelope(c, 200, null, certificationResponse((await findCertification(db, c.req.param("imp_uid")))!));
  })
  .get("/certifications/:imp_uid", async (c) => {
    const row = await findCertification(openDb(c.env.DB), c.req.param("imp_uid"));
    return row ? envelope(c, 200, null, certificationResponse(row)) : envelope(c, 404, "인증결과가 존재하지 않습니다.");
  })
  .delete("/certifications/:imp_uid", async (c) => {
    const row = await deleteCertification(openDb(c.env.DB), c.req.param("imp_uid"));
    return row ? envelope(c, 200, null, certificationResponse(row)) : envelope(c, 404, "인증결과가 존재하지 않습니다.");
  })
  // Like i'mport, every answer is an envelope, an unknown route's too.
  .all("*", (c) => envelope(c, 404, "요청하신 API를 찾을 수 없습니다."));

/** PortOne V2's error body: `{ type, message }`. */
const v2Error = (c: Context, status: 401 | 404, type: string, message: string) => c.json({ type, message }, status);

const sandboxOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("config").mode !== "sandbox") return c.json(errorBody("not_found"), 404);
  await next();
});

/**
 * The REST subset of PortOne V2 for identity verification, as the app's V2 client and PortOne's own server SDK see
 * it. At the origin's root, as PortOne's: the SDK resolves its paths against the origin of its `baseUrl`. Every
 * path is explicit, so that mounted at "/" it claims nothing else of the app; sandbox mode only.
 */
export const portoneApi = new Hono<AppEnv>()
  .use("/identity-verifications/*", sandboxOnly)
  .use("/identity-verifications/*", async (c, next) => {
    const auth = c.req.header("Authorization") ?? "";
    if (auth !== `PortOne ${SANDBOX_CREDENTIALS.portone.apiSecret}`) {
      return v2Error(c, 401, "UNAUTHORIZED", "인증 정보가 올바르지 않습니다.");
    }
    await next();
  })
  .get("/identity-verifications/:id", async (c) => {
    const row = await findByAttempt(openDb(c.env.DB), c.req.param("id"));
    if (!row) return v2Error(c, 404, "IDENTITY_VERIFICATION_NOT_FOUND", "요청된 본인인증 건이 존재하지 않습니다.");
    return c.json(identityVerificationResponse(row, c.get("config").portone.channelKey));
  })
  .all("/identity-verifications/*", (c) => v2Error(c, 404, "NOT_FOUND", "Not found."));

/** What the simulated carrier window's page calls: it stands for the carrier's servers and the person's phone. */
const window = new Hono<AppEnv>()
  .post("/request", async (c) => {
    const body = await readBody(c);
    const options = (body.dev_options ?? "").split(",").filter((o): o is SandboxOption => (SANDBOX_OPTIONS as readonly string[]).includes(o));
    const person = personFromWindow(body, options);
    if (!person) return c.json({ error: "invalid_person" }, 400);
    const impUid = await requestOtp(openDb(c.env.DB), person, body.merchant_uid || null, body.origin || null);
    return c.json({ imp_uid: impUid });
  })
  /** The simulated phone's inbox: the SMS the carrier "sent". */
  .get("/sms/:imp_uid", async (c) => {
    const row = await findCertification(openDb(c.env.DB), c.req.param("imp_uid"));
    if (!row) return c.json({ error: "not_found" }, 404);
    return c.json({ to: row.phone, otp: row.otp, text: `[본인인증] 인증번호는 [${row.otp}]입니다. 정확히 입력해 주세요.` });
  })
  .post("/confirm", async (c) => {
    const { imp_uid: impUid = "", otp = "" } = await readBody(c);
    const outcome = await confirmOtp(openDb(c.env.DB), impUid, otp);
    if (outcome === "confirmed") return c.json({ ok: true });
    return c.json({ error: outcome, message: outcome === "not_found" ? "not found" : CONFIRM_MESSAGES[outcome] }, 400);
  });

/** Everything under /sandbox; none of it exists in live mode. */
export const sandbox = new Hono<AppEnv>()
  .use(sandboxOnly)
  .route("/api", api)
  .route("/window", window)
  // The SDK shim and the carrier window's page are static files, served only in sandbox mode.
  .get("/*", async (c) => {
    const asset = await c.env.ASSETS.fetch(c.req.raw);
    const res = new Response(asset.body, asset);
    if ((res.headers.get("Content-Type") ?? "").startsWith("text/html")) res.headers.set("Content-Security-Policy", CARRIER_WINDOW_CSP);
    return res;
  });

async function readBody(c: Context): Promise<Record<string, string>> {
  const type = c.req.header("Content-Type") ?? "";
  const text = await c.req.text();
  let entries: Record<string, unknown> = {};
  if (type.includes("application/json")) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) entries = parsed as Record<string, unknown>;
    } catch {
      // an empty record: the handlers answer 400 for what is missing
    }
  } else {
    entries = Object.fromEntries(new URLSearchParams(text));
  }
  return Object.fromEntries(
    Object.entries(entries).map(([k, v]) => [
      k,
      typeof v === "string"
        ? v.trim()
        : typeof v === "number" || typeof v === "boolean"
          ? String(v)
          : Array.isArray(v) && v.every((x) => typeof x === "string")
            ? v.join(",")
            : "",
    ]),
  );
}

const validName = (name: string | undefined) => !!name && name.length <= 50;
const validPhone = (phone: string | undefined) => !!phone && /^01\d{8,9}$/.test(phone.replace(/-/g, ""));

/** Nobody is verified before being born: a birthday after today (in Seoul) is refused. */
const notInFuture = (birthday: string) => birthday <= new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);

function personFromWindow(b: Record<string, string>, options: SandboxOption[] = []): Person | null {
  const birthday = parseDate(b.birthday);
  if (!validName(b.name) || !birthday || !notInFuture(b.birthday!) || !validPhone(b.phone)) return null;
  if (b.gender !== "male" && b.gender !== "female") return null;
  if (!CARRIERS.includes(b.carrier as Carrier)) return null;
  return { name: b.name!, birthday: b.birthday!, gender: b.gender, phone: b.phone!.replace(/-/g, ""), carrier: b.carrier as Carrier, options };
}

/** The OTP REST body: birth `YYMMDD` and the gender digit of the resident number give the full birthday. */
function personFromOtpRequest(b: Record<string, string>): Person | null {
  const digit = Number(b.gender_digit);
  const birth = /^\d{6}$/.test(b.birth ?? "") ? b.birth! : "";
  if (!birth || !Number.isInteger(digit) || digit < 1 || digit > 8) return null;
  const century = digit <= 2 || digit === 5 || digit === 6 ? "19" : "20";
  const birthday = `${century}${birth.slice(0, 2)}-${birth.slice(2, 4)}-${birth.slice(4, 6)}`;
  const mvno = b.is_mvno === "true";
  const carrier = ["SKT", "KT", "LGT"].includes(b.carrier ?? "") ? `${b.carrier}${mvno ? "_MVNO" : ""}` : "";
  const person = personFromWindow({ ...b, birthday, gender: digit % 2 === 1 ? "male" : "female", carrier });
  // Gender digits 5–8 are foreigners' resident numbers.
  return person && { ...person, foreigner: digit >= 5 };
}
