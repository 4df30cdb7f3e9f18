import type { IdentityVerification } from "@portone/server-sdk/identityVerification";
import { AppError } from "../../errors";
import { parseDate } from "../../lib/dates";
import { isRecord, readJson, str, Upstream, type UpstreamOptions } from "../http";
import type { ProviderResult, ResultSource } from "../provider";

export interface PortOneClientOptions extends UpstreamOptions {
  apiSecret: string;
  storeId: string;
  /** A result obtained through another channel (a test channel, another contract) does not count. */
  channelKey: string;
  /** A result from a `TEST` channel does not count (live mode). */
  refuseTestChannel?: boolean;
  /** A result that names no channel does not count (live mode with PORTONE_PG). */
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

  /** Our channel: its key when the record names it, never a test channel live, and named when it must be. */
  private fromOurChannel(channel: unknown): boolean {
    if (!isRecord(channel)) return !this.options.requireChannel;
    if (this.options.refuseTestChannel && channel.type === "TEST") return false;
    const key = str(channel.key);
    return key === null || key === this.options.channelKey;
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
    };
  }
}
