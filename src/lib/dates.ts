/** Calendar dates as Korea reads them: birthdays and "today" on the Asia/Seoul calendar. */
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
export function parseDate(value: unknown): CalendarDate | null {
  if (typeof value !== "string") return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return null;
  return { year, month, day };
}

export const formatDate = (d: CalendarDate): string =>
  `${String(d.year).padStart(4, "0")}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;

/** The day (`YYYY-MM-DD`) in Asia/Seoul at an instant (epoch ms): the console counts by the operators' calendar. */
export const seoulDay = (ms: number): string => formatDate(seoulDate(new Date(ms)));
