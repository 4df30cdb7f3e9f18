import type { Config } from "../config";
import { AppError } from "../errors";
import { randomToken } from "../lib/crypto";
import { opens, seal } from "../lib/keyring";

/**
 * The guardian's link (`/guardian/<token>`): the random id of a pending child's consent and its deadline, with an
 * HMAC under a key derived from IDENTITY_HMAC_KEY, so a forged link is told apart from an unknown one and an
 * expired link is known to be expired even once nothing of the child is left. It carries nothing personal.
 */
export interface ConsentLink {
  consentId: string;
  expiresAt: number; // epoch ms
}

const LABEL = "imp-identity-edge/guardian-consent/v1";

export const newConsentId = () => randomToken(16);

export async function sealConsent(config: Config, link: ConsentLink): Promise<string> {
  const payload = `${link.consentId}.${link.expiresAt.toString(36)}`;
  return seal(config.keyring, LABEL, payload);
}

/**
 * A link sealed here (under the current or a previous key): `invalid_request` when it was not; `consent_expired`
 * past its deadline. Checking the deadline is left to the caller where something else must come first.
 */
export async function openConsent(config: Config, token: string): Promise<ConsentLink> {
  const parts = token.split(".");
  const [consentId = "", expires = "", tag = ""] = parts;
  if (parts.length === 3 && /^[A-Za-z0-9_-]{22}$/.test(consentId) && /^[0-9a-z]{1,12}$/.test(expires)) {
    const payload = `${consentId}.${expires}`;
    if (await opens(config.keyring, LABEL, payload, tag)) return { consentId, expiresAt: Number.parseInt(expires, 36) };
  }
  throw new AppError("invalid_request", "consent link not sealed here");
}
