import { AppError, SendRefused } from "../../errors";
import { formatDate, parseDate, seoulDate } from "../../lib/dates";
import { isRecord, num, readJson, str, Upstream, type UpstreamOptions } from "../http";
import type { ProviderResult, ResultSource, SmsApi, SmsPerson } from "../provider";
import type { Token, TokenCache } from "./token-cache";

export interface ImpClientOptions extends UpstreamOptions {
  impKey: string;
  impSecret: string;
  tokens: TokenCache;
  /** When set, a certification whose `pg_provider` is another PG's does not count (live mode). */
  pgProvider?: string;
  /** What the OTP request carries besides the person: `pg`, `company`, `channel_key` as the window gets them. */
  otpParams?: Record<string, string | number>;
}

interface Envelope {
  code: number;
  message: string | null;
  response: unknown;
}

/**
 * A small REST client for i'mport (PortOne V1): envelopes, bearer tokens from the shared cache, and one
 * renewal-and-retry on 401 (a token can expire between the cache check and the call). As the V1 provider it hands
 * the verification a certification, normalised.
 */
export class ImpClient implements ResultSource {
  private readonly options: ImpClientOptions;
  private readonly upstream: Upstream;

  constructor(options: ImpClientOptions) {
    this.options = options;
    this.upstream = new Upstream(options);
  }

  /** `null` when i'mport has no such certification (404). */
  async fetchResult(impUid: string): Promise<ProviderResult | null> {
    const path = `/certifications/${encodeURIComponent(impUid)}`;
    const get = (token: string) => this.upstream.idempotentGet("getCertification", path, { Authorization: `Bearer ${token}` });
    let token = await this.token();
    let res = await get(token);
    if (res.status === 401) {
      token = await this.token(token);
      res = await get(token);
      if (res.status === 401) throw new AppError("upstream_unauthorized", "401 after token renewal");
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    const envelope = await readEnvelope(res, "getCertification");
    const result = parseCertification(envelope.response, impUid);
    const { pgProvider } = this.options;
    if (pgProvider && isRecord(envelope.response) && envelope.response.pg_provider !== pgProvider) return { ...result, certified: false };
    return result;
  }

  /**
   * i'mport's OTP flow: `POST /certifications/otp/request` (LGU is i'mport's `LGT`, an MVNO is `is_mvno`) gives a
   * new imp_uid; `POST /certifications/otp/confirm/{imp_uid}` certifies it. Neither is retried: each sends an SMS or
   * spends a try. A 400 at confirm is a code the carrier refused.
   */
  readonly sms: SmsApi = {
    resendNeedsPerson: true,
    sentFields: (impUid) => ({ imp_uid: impUid }),
    // Shaped as i'mport's imp_uids are (imp_ and 12 digits).
    unsentResultId: () => `imp_${[...crypto.getRandomValues(new Uint8Array(12))].map((b) => b % 10).join("")}`,
    send: (attemptId, person) => this.requestOtp(attemptId, person),
    resend: (attemptId, _resultId, person) => {
      if (!person) throw new AppError("invalid_request", "v1 resend needs the form again");
      return this.requestOtp(attemptId, person);
    },
    confirm: async (_attemptId, impUid, otp) => {
      const res = await this.authorized("confirmOtp", `/certifications/otp/confirm/${encodeURIComponent(impUid)}`, { otp });
      if (res.status === 400 || res.status === 404) {
        const body = await readJson(res, "confirmOtp");
        const message = isRecord(body) ? (str(body.message) ?? "") : "";
        // Confirmed already (a repeat): the certification is there to fetch.
        if (message.includes("이미")) return;
        throw new AppError(message.includes("시간") ? "otp_expired" : "otp_invalid", "confirmOtp refused the code");
      }
      await readEnvelope(res, "confirmOtp");
    },
  };

  private async requestOtp(attemptId: string, p: SmsPerson) {
    const [carrier, mvno] = p.carrier.split("_") as [string, string | undefined];
    const res = await this.authorized("requestOtp", "/certifications/otp/request", {
      ...this.options.otpParams,
      name: p.name,
      phone: p.phone,
      birth: p.birth,
      gender_digit: p.genderDigit,
      carrier: carrier === "LGU" ? "LGT" : carrier,
      is_mvno: mvno === "MVNO",
      merchant_uid: attemptId,
    });
    // i'mport refuses details it cannot text a code for with a 4xx or a 200 whose code is not 0; 5xx is an outage.
    const envelope: unknown =
      res.status === 200
        ? await res
            .clone()
            .json()
            .catch(() => null)
        : null;
    const refused = res.status < 500 && (res.status !== 200 || (isRecord(envelope) && typeof envelope.code === "number" && envelope.code !== 0));
    if (refused) {
      await res.body?.cancel();
      throw new SendRefused(`requestOtp: HTTP ${res.status}`);
    }
    const { response } = await readEnvelope(res, "requestOtp");
    const impUid = isRecord(response) ? str(response.imp_uid) : null;
    if (!impUid) throw new AppError("upstream_error", "requestOtp: no imp_uid");
    return { resultId: impUid };
  }

  /** A POST with the bearer token, renewed once on 401. */
  private async authorized(op: string, path: string, body: Record<string, unknown>): Promise<Response> {
    const post = (token: string) =>
      this.upstream.call(op, path, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    let token = await this.token();
    let res = await post(token);
    if (res.status === 401) {
      await res.body?.cancel();
      token = await this.token(token);
      res = await post(token);
      if (res.status === 401) throw new AppError("upstream_unauthorized", "401 after token renewal");
    }
    return res;
  }

  /** A valid access token; `rejected` is one the API just refused, which must not be handed out again. */
  private token(rejected?: string): Promise<string> {
    const { apiBase, impKey, tokens } = this.options;
    return tokens.get({ apiBase, impKey }, () => this.fetchToken(), rejected);
  }

  private async fetchToken(): Promise<Token> {
    const res = await this.upstream.call("getToken", "/users/getToken", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ imp_key: this.options.impKey, imp_secret: this.options.impSecret }),
    });
    if (res.status === 401 || res.status === 400) {
      await res.body?.cancel();
      throw new AppError("upstream_unauthorized", `getToken answered ${res.status}`);
    }
    const { response } = await readEnvelope(res, "getToken");
    const accessToken = isRecord(response) ? str(response.access_token) : null;
    const expiredAt = isRecord(response) ? num(response.expired_at) : null;
    const now = isRecord(response) ? num(response.now) : null;
    if (!accessToken || expiredAt === null) throw new AppError("upstream_error", "getToken: unexpected response shape");
    // Trust the token's lifetime, not i'mport's clock: shift expired_at onto ours when `now` is given.
    const skew = now === null ? 0 : Math.floor(Date.now() / 1000) - now;
    return { accessToken, expiredAt: expiredAt + skew };
  }
}

async function readEnvelope(res: Response, op: string): Promise<Envelope> {
  const body = await readJson(res, op);
  if (!isRecord(body) || typeof body.code !== "number") {
    throw new AppError("upstream_error", `${op}: HTTP ${res.status}, not an envelope`);
  }
  // Success is HTTP 200 *and* code 0; i'mport also answers 200 with code != 0 for failures.
  if (res.status !== 200 || body.code !== 0) {
    throw new AppError("upstream_error", `${op}: HTTP ${res.status}, code ${body.code}`);
  }
  return { code: body.code, message: str(body.message), response: body.response };
}

/** The certification, normalised: `birthday` else `birth`, times in ms, blank CI/DI as none. */
function parseCertification(response: unknown, impUid: string): ProviderResult {
  if (!isRecord(response) || response.imp_uid !== impUid) {
    throw new AppError("upstream_error", "getCertification: unexpected response shape");
  }
  const certifiedAt = num(response.certified_at);
  return {
    attemptId: str(response.merchant_uid),
    certified: response.certified === true,
    certifiedAt: certifiedAt === null ? null : certifiedAt * 1000,
    ci: str(response.unique_key)?.trim() || null,
    di: str(response.unique_in_site)?.trim() || null,
    name: str(response.name),
    gender: response.gender === "male" || response.gender === "female" ? response.gender : null,
    birthday: birthdayOf(response),
  };
}

/** `birthday` (YYYY-MM-DD) when usable, else `birth`: UNIX seconds at 00:00 KST of the birthday (negative before 1970). */
export function birthdayOf(response: Record<string, unknown>): string | null {
  if (parseDate(response.birthday)) return response.birthday as string;
  const birth = num(response.birth);
  return birth === null ? null : formatDate(seoulDate(new Date(birth * 1000)));
}
