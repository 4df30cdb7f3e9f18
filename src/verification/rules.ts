import { AppError } from "../errors";
import { parseDate, seoulDate } from "../lib/dates";
import type { ProviderResult } from "../providers/provider";
import { type AgeRule, ageOn } from "./age";

/**
 * The decisions of a verification that need no I/O. When several apply, the first of this order is reported, so
 * that someone else's result never reveals anything about its owner (their age, whether they finished):
 *
 * 1. `unknown_merchant_uid` — the attempt id was not minted here, or is not the one the result belongs to;
 * 2. `session_mismatch` — minted for another browser (both read from the id itself: verification/attempt.ts);
 * 3. `imp_uid_reused` — the attempt was already completed by another result (what D1 holds);
 * 4. `session_expired` — the attempt's lifetime is over;
 * 5. `not_certified` — not finished, or certified outside the attempt's lifetime;
 * 6. `identity_unavailable` — neither a CI nor a DI, or no usable birthday or name;
 * 7. `age_restricted` — below the minimum age.
 */

/** Tolerated difference between the provider's clock and ours when placing a result in an attempt's lifetime. */
export const CLOCK_SKEW_MS = 30_000;

export interface AttemptWindow {
  createdAt: number; // epoch ms
  expiresAt: number; // epoch ms
}

/** The attempt window, written once: a result counts only when certified inside the attempt's lifetime. */
export function certifiedWithin(attempt: AttemptWindow, certifiedAt: number): boolean {
  return attempt.createdAt - CLOCK_SKEW_MS <= certifiedAt && certifiedAt <= attempt.expiresAt + CLOCK_SKEW_MS;
}

/** The identity a finished result carries, once it has passed every check of its own. */
export interface CheckedIdentity {
  ci: string | null;
  di: string | null;
  name: string;
  gender: "male" | "female" | null;
  birthday: string; // YYYY-MM-DD
  /** Age under the configured rule, on today's Seoul date. */
  age: number;
  /** 만 나이 on today's Seoul date, whatever the rule: the law's age for a guardian's consent. */
  internationalAge: number;
  certifiedAt: number; // epoch ms
}

export interface AgePolicy {
  minAge: number;
  ageRule: AgeRule;
}

/** What the result alone decides (steps 5–7 above, without the window): finished, a usable identity, old enough. */
export function checkResult(result: ProviderResult, now: number, policy: AgePolicy): CheckedIdentity {
  if (!result.certified || result.certifiedAt === null) throw new AppError("not_certified", "not certified", result.pgCode);
  // Danal gives a CI only when the contract includes it, KG Inicis never gives a DI: either identifies the person.
  if (!result.ci && !result.di) throw new AppError("identity_unavailable", "neither CI nor DI");
  const birthday = parseDate(result.birthday);
  if (!birthday) throw new AppError("identity_unavailable", "no usable birthday");
  if (!result.name) throw new AppError("identity_unavailable", "no name");
  const today = seoulDate(new Date(now));
  const age = ageOn(birthday, today, policy.ageRule);
  const internationalAge = policy.ageRule === "international" ? age : ageOn(birthday, today, "international");
  if (policy.minAge > 0 && age < policy.minAge) throw new AppError("age_restricted");
  return {
    ci: result.ci,
    di: result.di,
    name: result.name,
    gender: result.gender,
    birthday: result.birthday as string,
    age,
    internationalAge,
    certifiedAt: result.certifiedAt,
  };
}

/**
 * Why an attempt that is not stored yet cannot be completed by a result certified at `certifiedAt` (steps 4–5
 * above): its lifetime is over, or the result was certified outside it.
 */
export function windowFailure(attempt: AttemptWindow, by: { certifiedAt: number | null; now: number; pgCode?: string }): AppError | null {
  if (by.now > attempt.expiresAt) return new AppError("session_expired");
  // Never certified: the PG's code says why, when the provider passed one.
  if (by.certifiedAt === null) return new AppError("not_certified", "not certified", by.pgCode);
  if (!certifiedWithin(attempt, by.certifiedAt)) {
    return new AppError("not_certified", "certified outside the attempt's lifetime");
  }
  return null;
}

/** Whether a person of this 만 나이 needs a guardian's consent here: only when MIN_AGE lets such a person in at all. */
export const needsGuardian = (config: { minAge: number; guardianConsentUnder: number }, internationalAge: number) =>
  config.minAge < config.guardianConsentUnder && internationalAge < config.guardianConsentUnder;

/** A guardian must be an adult under the Civil Act (만 19). */
export const GUARDIAN_MIN_AGE = 19;
