import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { errorBody } from "../errors";
import { parseDate } from "../lib/dates";
import type { SandboxOption } from "./schema";
import { CARRIERS, type Carrier, type Person } from "./simulator";

/** What the simulator's routes share: sandbox mode only, loose bodies as the real APIs take them, a valid person. */

/** None of the simulator exists in live mode: 404, as for any unknown route. */
export const sandboxOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("config").mode !== "sandbox") return c.json(errorBody("not_found"), 404);
  await next();
});

/** A JSON or form body as flat strings (the real APIs take both); anything unreadable is an empty record. */
export async function readBody(c: Context): Promise<Record<string, string>> {
  const type = c.req.header("Content-Type") ?? "";
  const text = await c.req.text();
  let entries: Record<string, unknown> = {};
  if (type.includes("application/json")) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) entries = parsed as Record<string, unknown>;
    } catch {
      // an empty record: the handlers answer 400 for what is missing
    }
  } else {
    entries = Object.fromEntries(new URLSearchParams(text));
  }
  return Object.fromEntries(
    Object.entries(entries).map(([k, v]) => [
      k,
      typeof v === "string"
        ? v.trim()
        : typeof v === "number" || typeof v === "boolean"
          ? String(v)
          : Array.isArray(v) && v.every((x) => typeof x === "string")
            ? v.join(",")
            : "",
    ]),
  );
}

const validName = (name: string | undefined) => !!name && name.length <= 50;
const validPhone = (phone: string | undefined) => !!phone && /^01\d{8,9}$/.test(phone.replace(/-/g, ""));

/** Nobody is verified before being born: a birthday after today (in Seoul) is refused. */
const notInFuture = (birthday: string) => birthday <= new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);

export function personFromWindow(b: Record<string, string>, options: SandboxOption[] = []): Person | null {
  const birthday = parseDate(b.birthday);
  if (!validName(b.name) || !birthday || !notInFuture(b.birthday!) || !validPhone(b.phone)) return null;
  if (b.gender !== "male" && b.gender !== "female") return null;
  if (!CARRIERS.includes(b.carrier as Carrier)) return null;
  return { name: b.name!, birthday: b.birthday!, gender: b.gender, phone: b.phone!.replace(/-/g, ""), carrier: b.carrier as Carrier, options };
}

/** The OTP REST body: birth `YYMMDD` and the gender digit of the resident number give the full birthday. */
export function personFromOtpRequest(b: Record<string, string>): Person | null {
  const digit = Number(b.gender_digit);
  const birth = /^\d{6}$/.test(b.birth ?? "") ? b.birth! : "";
  if (!birth || !Number.isInteger(digit) || digit < 1 || digit > 8) return null;
  const century = digit <= 2 || digit === 5 || digit === 6 ? "19" : "20";
  const birthday = `${century}${birth.slice(0, 2)}-${birth.slice(2, 4)}-${birth.slice(4, 6)}`;
  const mvno = b.is_mvno === "true";
  const carrier = ["SKT", "KT", "LGT"].includes(b.carrier ?? "") ? `${b.carrier}${mvno ? "_MVNO" : ""}` : "";
  const person = personFromWindow({ ...b, birthday, gender: digit % 2 === 1 ? "male" : "female", carrier });
  // Gender digits 5–8 are foreigners' resident numbers.
  return person && { ...person, foreigner: digit >= 5 };
}
