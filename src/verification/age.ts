import type { CalendarDate } from "../lib/dates";

/** How age is counted: 만 나이 on the Seoul date, or the Youth Protection Act's year count. */
export type AgeRule = "international" | "youth_act";

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
