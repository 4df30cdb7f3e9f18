import { describe, expect, it } from "vitest";
import { parseDate, seoulDate } from "../../src/lib/dates";
import { birthdayOf } from "../../src/providers/iamport/client";
import { ageOn } from "../../src/verification/age";

const d = (s: string) => parseDate(s)!;

describe("international age (만 나이)", () => {
  it("turns 19 on the 19th birthday, not the day before", () => {
    expect(ageOn(d("2007-06-15"), d("2026-06-14"), "international")).toBe(18);
    expect(ageOn(d("2007-06-15"), d("2026-06-15"), "international")).toBe(19);
  });

  it("counts a 29 February birthday from 1 March in common years", () => {
    expect(ageOn(d("2008-02-29"), d("2027-02-28"), "international")).toBe(18);
    expect(ageOn(d("2008-02-29"), d("2027-03-01"), "international")).toBe(19);
  });

  it("counts a 29 February birthday on the day in leap years", () => {
    expect(ageOn(d("2004-02-29"), d("2024-02-28"), "international")).toBe(19);
    expect(ageOn(d("2004-02-29"), d("2024-02-29"), "international")).toBe(20);
  });
});

describe("Youth Protection Act age (연 나이)", () => {
  it("is current year minus birth year, from 1 January", () => {
    expect(ageOn(d("2008-12-31"), d("2026-12-31"), "youth_act")).toBe(18);
    expect(ageOn(d("2008-12-31"), d("2027-01-01"), "youth_act")).toBe(19);
  });
});

describe("the Seoul calendar date", () => {
  it("is already tomorrow at 15:00 UTC", () => {
    expect(seoulDate(new Date("2026-12-31T14:59:59Z"))).toEqual({ year: 2026, month: 12, day: 31 });
    expect(seoulDate(new Date("2026-12-31T15:00:00Z"))).toEqual({ year: 2027, month: 1, day: 1 });
  });
});

describe("birthdays", () => {
  it("rejects dates that do not exist", () => {
    expect(parseDate("2023-02-29")).toBeNull();
    expect(parseDate("2024-13-01")).toBeNull();
    expect(parseDate("19900101")).toBeNull();
    expect(parseDate(19900101)).toBeNull();
  });

  it("reads i'mport's `birth` as UNIX seconds at 00:00 KST, also before 1970, when `birthday` is unusable", () => {
    // 1965-03-04T00:00+09:00 = 1965-03-03T15:00Z
    expect(birthdayOf({ birth: Date.UTC(1965, 2, 3, 15) / 1000 })).toBe("1965-03-04");
    expect(birthdayOf({ birthday: "2000-02-30", birth: Date.UTC(2000, 0, 31, 15) / 1000 })).toBe("2000-02-01");
    expect(birthdayOf({ birthday: "1990-05-06", birth: 0 })).toBe("1990-05-06");
    expect(birthdayOf({})).toBeNull();
  });
});
