import type { AgeRule } from "../config";

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

const KST_OFFSET_MS = 9 * 60 * 60 * 1000; // Korea has had no daylight saving time since 1988.

/** The calendar date in Asia/Seoul at the given instant. */
export function seoulDate(now: Date): CalendarDate {
  const d = new Date(now.getTime() + KST_OFFSET_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Parses a real `YYYY-MM-DD` date (rejects 2023-02-29, 2024-13-01, …). */
export function parseBirthday(value: unknown): CalendarDate | null {
  if (typeof value !== "string") return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return null;
  return { year, month, day };
}

/** `birth` is UNIX seconds at 00:00 KST of the birthday (negative before 1970). */
export function birthdayFromBirth(seconds: unknown): CalendarDate | null {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return null;
  return seoulDate(new Date(seconds * 1000));
}

export const formatDate = (d: CalendarDate): string =>
  `${String(d.year).padStart(4, "0")}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;

/**
 * International age (만 나이): whole years since the birthday on the Seoul calendar. Someone born on 29 February
 * comes of age on 1 March in common years (Civil Code art. 160(3): the period ends on the last day of February).
 *
 * Youth Protection Act (연 나이): current year − birth year, i.e. from 1 January of the year they turn that age.
 */
export function ageOn(birthday: CalendarDate, today: CalendarDate, rule: AgeRule): number {
  const years = today.year - birthday.year;
  if (rule === "youth_act") return years;
  const beforeBirthday = today.month < birthday.month || (today.month === birthday.month && today.day < birthday.day);
  return beforeBirthday ? years - 1 : years;
}
