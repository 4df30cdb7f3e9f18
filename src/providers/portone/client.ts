import type { IdentityVerification } from "@portone/server-sdk/identityVerification";
import { AppError, SendRefused } from "../../errors";
import { parseDate } from "../../lib/dates";
import { isRecord, readJson, str, Upstream, type UpstreamOptions } from "../http";
import type { ProviderResult, ResultSource, SmsApi } from "../provider";

export interface PortOneClientOptions extends UpstreamOptions {
  apiSecret: string;
  storeId: string;
  /** A result obtained through another channel (a test channel, another contract) does not count. */
  channelKey: string;
  /** A result from a `TEST` channel does not count (live mode). */
  refuseTestChannel?: boolean;
  /** A result must name our channel by its key (live mode): no channel, or a channel without a key, does not count. */
  requireChannel?: boolean;
}

const GENDERS = { MALE: "male", FEMALE: "female" } as const;

/**
 * The PortOne V2 provider: `GET /identity-verifications/{id}` with `Authorization: PortOne <secret>` — no token
 * exchange, so a verification is exactly one call. A small fetch client rather than `@portone/server-sdk`, whose
 * types it uses: the SDK calls the global `fetch` with neither a timeout nor a way to pass another fetch, so it
 * could not honour `IMP_TIMEOUT_MS` nor talk to the in-process sandbox, and it throws a `SyntaxError` on a
 * non-JSON error body.
 */
export class PortOneClient implements ResultSource {
  private readonly options: PortOneClientOptions;
  private readonly upstream: Upstream;

  constructor(options: PortOneClientOptions) {
    this.options = options;
    this.upstream = new Upstream(options);
  }

  /** `null` when PortOne has no such identity verification (404 IDENTITY_VERIFICATION_NOT_FOUND). */
  async fetchResult(id: string): Promise<ProviderResult | null> {
    const path = `/identity-verifications/${encodeURIComponent(id)}?storeId=${encodeURIComponent(this.options.storeId)}`;
    const res = await this.upstream.idempotentGet("getIdentityVerification", path, {
      Authorization: `PortOne ${this.options.apiSecret}`,
    });
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new AppError("upstream_unauthorized", `getIdentityVerification answered ${res.status}`);
    }
    const body = await readJson(res, "getIdentityVerification");
    if (res.status === 404 && isRecord(body) && body.type === "IDENTITY_VERIFICATION_NOT_FOUND") return null;
    if (res.status !== 200) {
      throw new AppError("upstream_error", `getIdentityVerification: HTTP ${res.status}, ${isRecord(body) ? str(body.type) : "no type"}`);
    }
    return this.normalise(body, id);
  }

  /**
   * PortOne's API flow: `send` (method SMS, the resident number's first 7 digits, the visitor's address),
   * `resend`, `confirm`. A code the PG refuses comes back as `PG_PROVIDER`; an id verified already is a repeat.
   */
  readonly sms: SmsApi = {
    resendNeedsPerson: false,
    sentFields: () => ({}),
    // The verification's id is the attempt's.
    unsentResultId: (attemptId) => attemptId,
    send: async (id, p, ipAddress) => {
      await this.post("sendIdentityVerification", id, "send", {
        channelKey: this.options.channelKey,
        customer: { name: p.name, phoneNumber: p.phone, identityNumber: `${p.birth}${p.genderDigit}`, ipAddress },
        operator: p.carrier,
        method: "SMS",
      });
      return { resultId: id };
    },
    resend: async (id) => {
      await this.post("resendIdentityVerification", id, "resend", {});
      return { resultId: id };
    },
    confirm: async (id, _resultId, otp) => {
      await this.post("confirmIdentityVerification", id, "confirm", { otp });
    },
  };

  private async post(op: string, id: string, action: string, body: Record<string, unknown>): Promise<void> {
    const path = `/identity-verifications/${encodeURIComponent(id)}/${action}`;
    const res = await this.upstream.call(op, path, {
      method: "POST",
      headers: { Authorization: `PortOne ${this.options.apiSecret}`, "Content-Type": "application/json" },
      body: JSON.stringify({ storeId: this.options.storeId, ...body }),
    });
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new AppError("upstream_unauthorized", `${op} answered ${res.status}`);
    }
    const answer = await readJson(res, op);
    if (res.status === 200) return;
    const type = isRecord(answer) ? str(answer.type) : null;
    if (type === "IDENTITY_VERIFICATION_ALREADY_VERIFIED" && action === "confirm") return;
    if (type === "PG_PROVIDER" && action === "confirm") throw new AppError("otp_invalid", "the PG refused the code");
    if (type === "MAX_TRANSACTION_COUNT_REACHED") throw new AppError("otp_attempts_exceeded", `${op}: max transactions`);
    if (type === "IDENTITY_VERIFICATION_ALREADY_SENT" || type === "IDENTITY_VERIFICATION_ALREADY_VERIFIED") {
      throw new AppError("imp_uid_reused", `${op}: ${type}`);
    }
    if (type === "IDENTITY_VERIFICATION_NOT_SENT") throw new AppError("invalid_request", `${op}: not sent`);
    // The details refused (400) or the PG would not text them (PG_PROVIDER): answered as sent (SendRefused).
    if (action !== "confirm" && (res.status === 400 || type === "PG_PROVIDER"))
      throw new SendRefused(`${op}: HTTP ${res.status}, ${type ?? "no type"}`);
    throw new AppError("upstream_error", `${op}: HTTP ${res.status}, ${type ?? "no type"}`);
  }

  /**
   * Our channel: never a test channel live; live, a result is ours only when its channel's key is
   * PORTONE_CHANNEL_KEY (a record without a channel or a key could come from any channel of the store).
   */
  private fromOurChannel(channel: unknown): boolean {
    if (!isRecord(channel)) return !this.options.requireChannel;
    if (this.options.refuseTestChannel && channel.type === "TEST") return false;
    const key = str(channel.key);
    return key === null ? !this.options.requireChannel : key === this.options.channelKey;
  }

  private normalise(body: unknown, id: string): ProviderResult {
    if (!isRecord(body) || body.id !== id || typeof body.status !== "string") {
      throw new AppError("upstream_error", "getIdentityVerification: unexpected response shape");
    }
    const record = body as IdentityVerification;
    const verified = record.status === "VERIFIED" ? record : null;
    const customer = verified && isRecord(verified.verifiedCustomer) ? verified.verifiedCustomer : null;
    const verifiedAt = verified ? Date.parse(str(verified.verifiedAt) ?? "") : Number.NaN;
    const birthDate = str(customer?.birthDate);
    return {
      // The id is the attempt id the app minted: a result can only complete the attempt it was made for.
      attemptId: id,
      certified: verified !== null && Number.isFinite(verifiedAt) && this.fromOurChannel(body.channel),
      certifiedAt: Number.isFinite(verifiedAt) ? verifiedAt : null,
      ci: str(customer?.ci)?.trim() || null,
      di: str(customer?.di)?.trim() || null,
      name: str(customer?.name),
      gender: GENDERS[customer?.gender as keyof typeof GENDERS] ?? null,
      birthday: parseDate(birthDate) ? birthDate : null,
      ...pgCodeOf(record),
    };
  }
}

/**
 * A FAILED result's `failure.pgCode`, when it looks like a code (letters, digits, `-`, `_`; at most 5, so never a
 * birth date, an OTP, a phone or resident number that a PG might have put there): the console
 * counts refusals by it. Anything else the PG put there (a message, something longer) is left out.
 */
function pgCodeOf(record: IdentityVerification): { pgCode?: string } {
  const failure = record.status === "FAILED" && isRecord(record.failure) ? record.failure : null;
  const code = str(failure?.pgCode);
  return code && /^[A-Za-z0-9_-]{1,5}$/.test(code) ? { pgCode: code } : {};
}
