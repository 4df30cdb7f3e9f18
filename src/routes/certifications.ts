import { Hono, type Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { bodyLimit } from "hono/body-limit";
import { getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { toAppError, type AppEnv } from "../app";
import { assertConfigured } from "../config";
import { openDb } from "../db/queries";
import { enforceRateLimit, rateLimit, sameOriginPosts } from "../http/security";
import { AppError } from "../verification/errors";
import { randomToken } from "../verification/crypto";
import { IMP_UID_PATTERN, prepareAttempt, verify, type VerificationResult } from "../verification/verify";
import { preferredLang } from "../views/messages";
import { PAGE_CSP, renderResultPage } from "../views/result-page";

/** The browser-binding cookie: random, HttpOnly, only sent to /certifications; D1 keeps only its SHA-256. */
export const BROWSER_COOKIE = "imp_browser";
const BODY_LIMIT_BYTES = 8 * 1024;

const configured = createMiddleware<AppEnv>(async (c, next) => {
  assertConfigured(c.var.config);
  await next();
});

const limitBody = bodyLimit({
  maxSize: BODY_LIMIT_BYTES,
  onError: () => {
    throw new AppError("payload_too_large");
  },
});

export const certifications = new Hono<AppEnv>()
  .use(sameOriginPosts)
  .use(configured)
  .post("/prepare", rateLimit((env) => env.PREPARE_LIMITER, "prepare"), limitBody, async (c) => {
    const raw = await c.req.text();
    if (raw.trim() !== "" && !isRecord(parseJson(raw))) throw new AppError("invalid_request", "prepare body is not {}");
    const { config } = c.var;
    const browserToken = validBrowserToken(getCookie(c, BROWSER_COOKIE)) ?? randomToken(32);
    const { merchantUid, expiresAt } = await prepareAttempt(openDb(c.env.DB), config, browserToken);
    const url = new URL(c.req.url);
    setCookie(c, BROWSER_COOKIE, browserToken, {
      path: "/certifications",
      httpOnly: true,
      sameSite: "Lax",
      secure: !(url.protocol === "http:" && (url.hostname === "localhost" || url.hostname === "127.0.0.1")),
      maxAge: config.sessionTtlSeconds + 300,
    });
    const params: Record<string, string> = {};
    if (config.channelKey) params.channelKey = config.channelKey;
    if (config.pg) params.pg = config.pg;
    if (config.company) params.company = config.company;
    return c.json(
      { merchant_uid: merchantUid, expires_at: new Date(expiresAt).toISOString(), imp_code: config.impCode, params },
      201,
    );
  })
  .post("/", rateLimit((env) => env.VERIFY_LIMITER, "verify"), limitBody, async (c) => {
    const type = c.req.header("Content-Type") ?? "";
    if (!/^application\/json\s*(;|$)/i.test(type)) throw new AppError("unsupported_media_type");
    const body = parseJson(await c.req.text());
    if (!isRecord(body)) throw new AppError("invalid_request", "body is not an object");
    const { imp_uid: impUid, merchant_uid: merchantUid } = body;
    if (typeof impUid !== "string" || !IMP_UID_PATTERN.test(impUid)) throw new AppError("invalid_request", "imp_uid");
    if (merchantUid !== undefined && !isMerchantUid(merchantUid)) throw new AppError("invalid_request", "merchant_uid");
    return c.json(await runVerification(c, "POST /certifications", { impUid, merchantUid }));
  })
  .get("/redirect", async (c) => {
    const q = c.req.query();
    const impUid = q.imp_uid;
    const reportedSuccess = q.success ?? q.imp_success;
    try {
      await enforceRateLimit(c, c.env.VERIFY_LIMITER, "verify");
      if (!impUid) {
        // Only the wording depends on what the query string claims; the outcome never does.
        throw new AppError("not_certified", reportedSuccess === "false" ? "cancelled" : "no imp_uid");
      }
      if (!IMP_UID_PATTERN.test(impUid)) throw new AppError("invalid_request", "imp_uid");
      const merchantUid = q.merchant_uid || undefined;
      if (merchantUid !== undefined && !isMerchantUid(merchantUid)) throw new AppError("invalid_request", "merchant_uid");
      const result = await runVerification(c, "GET /certifications/redirect", { impUid, merchantUid });
      return resultPage(c, renderResultPage({ result }, preferredLang(c.req.header("Accept-Language"))), 200);
    } catch (err) {
      const error = toAppError(err);
      if (error.code === "internal_error") throw err;
      if (c.var.log) c.var.log.error_code = error.code;
      const shown = { error: error.code, cancelled: !impUid && reportedSuccess === "false" };
      return resultPage(c, renderResultPage(shown, preferredLang(c.req.header("Accept-Language"))), error.status);
    }
  });

async function runVerification(
  c: Context<AppEnv>,
  route: string,
  input: { impUid: string; merchantUid?: string },
): Promise<VerificationResult> {
  const log: NonNullable<AppEnv["Variables"]["log"]> = { route, upstream: [], token: [], d1: { roundTrips: 0, ms: 0 } };
  c.set("log", log);
  const started = Date.now();
  try {
    const result = await verify(
      { db: openDb(c.env.DB, log.d1), config: c.var.config, client: c.var.impClient() },
      { ...input, browserToken: validBrowserToken(getCookie(c, BROWSER_COOKIE)) },
    );
    log.outcome = result.outcome;
    return result;
  } catch (err) {
    log.error_code = toAppError(err).code;
    throw err;
  } finally {
    console.log(
      JSON.stringify({ level: "info", msg: "verification", request_id: c.var.requestId, ms: Date.now() - started, ...log }),
    );
  }
}

function resultPage(c: Context<AppEnv>, body: ReturnType<typeof renderResultPage>, status: ContentfulStatusCode) {
  c.header("Content-Security-Policy", PAGE_CSP);
  return c.html(body, status);
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new AppError("invalid_request", "malformed JSON");
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const isMerchantUid = (v: unknown): v is string => typeof v === "string" && v.length > 0 && v.length <= 128;

const validBrowserToken = (v: string | undefined) => (v && /^[A-Za-z0-9_-]{43}$/.test(v) ? v : undefined);

