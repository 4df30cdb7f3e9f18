/**
 * The seam between the verification and the identity provider (i'mport V1 today, PortOne V2 next): the smallest
 * thing the use-case needs, one result fetched by its id and normalised. The use-case never sees either API.
 */

export type ProviderName = "v1" | "v2";

export interface ProviderResult {
  /** The provider's id of this result: V1 `imp_uid`, V2 `identityVerificationId`. */
  id: string;
  /** The attempt id this result was made for (V1 `merchant_uid`), as the provider holds it. */
  attemptId: string | null;
  /** The person really finished (V1 `certified === true`, V2 `status: "VERIFIED"` on our channel). */
  certified: boolean;
  /** When the provider certified it, epoch ms. */
  certifiedAt: number | null;
  /** Connecting information: the same person on every site and under both APIs. */
  ci: string | null;
  /** Duplication information: the same person within this site. */
  di: string | null;
  name: string | null;
  gender: "male" | "female" | null;
  /** `YYYY-MM-DD` on the Korean calendar. */
  birthday: string | null;
}

export interface IdentityProvider {
  readonly name: ProviderName;
  /** The result with this id, or `null` when the provider has none; faults throw the table's `upstream_*` errors. */
  fetchResult(id: string): Promise<ProviderResult | null>;
}

/** One round-trip to the provider, for the verification's log line (no URLs with ids, no bodies). */
export interface UpstreamCall {
  op: string;
  status: number | "timeout" | "network";
  ms: number;
}
