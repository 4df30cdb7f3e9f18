import type { Context } from "hono";
import { Hono } from "hono/tiny";
import * as v from "valibot";
import { claimFirstSend, claimResend, claimTry, noteResult, SEND_REFUSED, SMS_LIMITS, type SmsRow, smsRowOf } from "../db/sms";
import type { AppEnv } from "../env";
import { AppError, SendRefused } from "../errors";
import { verifiedAnswer } from "../flows/attempts";
import { browserToken } from "../http/browser";
import { type VerificationVariables, withVerification } from "../http/context";
import { describeRoute, validator } from "../http/openapi";
import { smsLimit, verifyLimit } from "../http/rate-limit";
import { requireConfig, sameOriginPosts } from "../http/security";
import { jsonObjectBody, limitBody } from "../http/validation";
import { hmacHex, sha256Hex } from "../lib/crypto";
import { SMS_CARRIERS, type SmsPerson } from "../providers/provider";
import { everyProvider } from "../providers/registry";
import { readAttemptId } from "../verification/attempt";

/**
 * In-page SMS verification (`VERIFY_METHOD` sms or both): the provider's API flow, no window. send, resend and
 * confirm are bound to the attempt and the browser like every verifying route; confirm ends in exactly the same
 * verification (the server fetches the result and applies every rule). The phone number, the birth digits and
 * the codes go to the provider and nowhere else: not to D1, not to a log line, not into a URL.
 */

/** Each provider's ids on these routes (V1: merchant_uid and imp_uid; V2: identity_verification_id). */
const attemptFields = everyProvider("smsAttempt");
const resultFields = everyProvider("smsResult");
const person = {
  name: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(50)),
  phone: v.pipe(v.string(), v.regex(/^01\d{8,9}$/)),
  birth: v.pipe(v.string(), v.regex(/^\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/)),
  gender_digit: v.pipe(v.string(), v.regex(/^[1-8]$/)),
  carrier: v.picklist(SMS_CARRIERS),
};

export const SmsSendBody = v.object({ ...attemptFields, ...person, agreed: v.literal(true) });
/** A provider whose resend is a new request (V1) takes the form again. */
export const SmsResendBody = v.object({
  ...attemptFields,
  ...resultFields,
  ...Object.fromEntries(Object.entries(person).map(([k, s]) => [k, v.optional(s)])),
  agreed: v.optional(v.literal(true)),
});
export const SmsConfirmBody = v.object({ ...attemptFields, ...resultFields, otp: v.pipe(v.string(), v.regex(/^\d{6}$/)) });
type SmsContext = Context<AppEnv & { Variables: VerificationVariables }>;

/** The attempt the body names, as the configured provider names it: checked like any (this app's, this browser's, live). */
async function attemptOf(c: SmsContext, body: Record<string, unknown>) {
  const config = c.get("config");
  const attemptId = config.provider.attemptOfBody(body);
  if (!attemptId) throw new AppError("invalid_request", "the attempt id of the configured provider");
  const token = await browserToken(c);
  if (!token) throw new AppError("session_mismatch", "no binding cookie");
  const { expiresAt } = await readAttemptId(config.keyring.all, attemptId, token);
  if (Date.now() > expiresAt) throw new AppError("session_expired");
  return { attemptId, expiresAt, browserHash: await sha256Hex(token) };
}

const personOf = (b: v.InferOutput<typeof SmsSendBody>): SmsPerson => ({
  name: b.name,
  phone: b.phone,
  birth: b.birth,
  genderDigit: b.gender_digit,
  carrier: b.carrier,
});

/** The visitor's address, which PortOne requires (its own rate limiting); Cloudflare always sets it. */
const ipOf = (c: SmsContext) => c.req.header("CF-Connecting-IP") ?? "127.0.0.1";

/** A phone number's key: its HMAC (never the number itself), by which its codes of the hour are counted. */
const phoneKeyOf = (c: SmsContext, phone: string) => hmacHex(c.get("config").keyring.current, `sms-phone:${phone}`);

/** A phone number gets at most a few codes an hour, whichever attempt or client asks. */
function phoneSpent(c: SmsContext): never {
  c.header("Retry-After", "3600");
  throw new AppError("rate_limited", "codes per phone number");
}

/** Why a row refused another code: spent, or not yet (429 with the seconds to wait; this pacing ignores RATE_LIMIT). */
function refused(c: SmsContext, row: SmsRow | undefined, now: number, numberSpent: boolean): never {
  if (!row) throw new AppError("invalid_request", "no code was sent for this attempt");
  if (row.tries >= SMS_LIMITS.triesPerAttempt || row.sends >= SMS_LIMITS.sendsPerAttempt) throw new AppError("otp_attempts_exceeded");
  if (numberSpent && row.resendAfter <= now) phoneSpent(c);
  c.header("Retry-After", String(Math.max(1, Math.ceil((row.resendAfter - now) / 1000))));
  throw new AppError("rate_limited", "resend paced");
}

/**
 * Asks the provider to text a code. Details it refuses (they do not match the number, or the PG will not text them)
 * are answered exactly as a code sent — a 202 with a result id of the same shape — so that the answer never tells
 * whether a name and birth date go with a number; the request's log line records it, and any code for it is wrong.
 */
async function sendCode(c: SmsContext, attemptId: string, send: () => Promise<{ resultId: string }>) {
  try {
    const { resultId } = await send();
    await noteResult(c.get("db"), attemptId, resultId);
    return resultId;
  } catch (err) {
    if (!(err instanceof SendRefused)) throw err;
    c.get("log").outcome = "sms_send_refused";
    const resultId = c.get("results").sms.unsentResultId(attemptId);
    await noteResult(c.get("db"), attemptId, resultId, true);
    return resultId;
  }
}

const sent = (c: SmsContext, row: SmsRow, resultId: string) =>
  c.json(
    {
      sent: true as const,
      expires_at: new Date(row.codeExpiresAt).toISOString(),
      resend_after: new Date(row.resendAfter).toISOString(),
      ...c.get("results").sms.sentFields(resultId),
    },
    202,
  );

/** Only where VERIFY_METHOD offers the form: elsewhere these routes do not exist. */
const smsEnabled = async (c: Context<AppEnv>, next: () => Promise<void>) => {
  if (c.get("config").verifyMethod === "window") throw new AppError("not_found");
  await next();
};

const guard = [sameOriginPosts, requireConfig, smsEnabled, limitBody, jsonObjectBody({ optional: false })] as const;

export const sms = new Hono<AppEnv>()
  .post("/send", describeRoute("smsSend"), ...guard, smsLimit, validator("json", SmsSendBody), withVerification, async (c) => {
    const body = c.req.valid("json");
    const { attemptId, expiresAt, browserHash } = await attemptOf(c, body);
    const now = Date.now();
    const claim = await claimFirstSend(c.get("db"), { attemptId, browserHash, now, expiresAt, phoneKey: await phoneKeyOf(c, body.phone) });
    if (claim.phoneSpent) phoneSpent(c);
    const { row } = claim;
    // One first code per attempt; another number means a new attempt (the page starts one).
    if (!row) throw new AppError("imp_uid_reused", "this attempt already sent a code");
    const resultId = await sendCode(c, attemptId, () => c.get("results").sms.send(attemptId, personOf(body), ipOf(c)));
    return sent(c, row, resultId);
  })
  .post("/resend", describeRoute("smsResend"), ...guard, smsLimit, validator("json", SmsResendBody), withVerification, async (c) => {
    const body = c.req.valid("json");
    const { attemptId, browserHash } = await attemptOf(c, body);
    const now = Date.now();
    const db = c.get("db");
    const full = v.safeParse(SmsSendBody, { ...body, agreed: true });
    const p = full.success ? personOf(full.output) : undefined;
    // Checked before the pause is claimed: a resend that cannot be sent spends nothing.
    if (!p && c.get("results").sms.resendNeedsPerson) throw new AppError("invalid_request", "this provider's resend needs the form again");
    const claim = await claimResend(db, { attemptId, browserHash, now, phoneKey: p ? await phoneKeyOf(c, p.phone) : undefined });
    const { row } = claim;
    if (!row) refused(c, await smsRowOf(db, browserHash, { attemptId }), now, claim.phoneSpent);
    const resultId = await sendCode(c, attemptId, () => c.get("results").sms.resend(attemptId, row.resultId ?? attemptId, p, ipOf(c)));
    return sent(c, row, resultId);
  })
  .post(
    "/confirm",
    describeRoute("smsConfirm"),
    sameOriginPosts,
    requireConfig,
    smsEnabled,
    verifyLimit,
    limitBody,
    jsonObjectBody({ optional: false }),
    validator("json", SmsConfirmBody),
    withVerification,
    async (c) => {
      const body = c.req.valid("json");
      const db = c.get("db");
      // The body of POST /certifications plus the code: the provider says what it names (V1 the imp_uid send
      // returned, and the attempt when sent; V2 the attempt, which is its result's id too).
      // An attempt the body names is checked first, as on every verifying route.
      if (c.get("config").provider.attemptOfBody(body)) await attemptOf(c, body);
      const ref = c.get("config").provider.fromBody(body);
      if (!ref) throw new AppError("invalid_request", "body for another provider");
      const token = await browserToken(c);
      if (!token) throw new AppError("session_mismatch", "no binding cookie");
      const row = await smsRowOf(db, await sha256Hex(token), ref.attemptId ? { attemptId: ref.attemptId } : { resultId: ref.resultId });
      if (!row?.resultId) throw new AppError("invalid_request", "no code was sent for this attempt");
      const { resultId } = ref;
      if (resultId !== row.resultId) throw new AppError("invalid_request", "not the certification of the last code");
      // A late code spends no try; a try is reserved before the provider is asked (concurrent guesses count too).
      if (Date.now() > row.codeExpiresAt) throw new AppError("otp_expired");
      const tries = await claimTry(db, row.attemptId);
      if (tries === undefined) throw new AppError("otp_attempts_exceeded");
      // No code went out for this send (the provider refused the details): every code is a wrong one.
      if (row.claim === SEND_REFUSED) throw new AppError(tries >= SMS_LIMITS.triesPerAttempt ? "otp_attempts_exceeded" : "otp_invalid");
      try {
        await c.get("results").sms.confirm(row.attemptId, resultId, body.otp);
      } catch (err) {
        // The fifth wrong code spends the attempt.
        if (err instanceof AppError && err.code === "otp_invalid" && tries >= SMS_LIMITS.triesPerAttempt) throw new AppError("otp_attempts_exceeded");
        throw err;
      }
      const { status, body: answer } = await verifiedAnswer(c, { resultId, attemptId: row.attemptId });
      return c.json(answer, status);
    },
  );
