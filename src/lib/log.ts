/**
 * The one way the app writes a log line: one JSON object per line, with a level and a message name. Its fields are
 * codes, counts, timings and var names — never a name, birthday, phone, resident-number digit, OTP, CI/DI, token,
 * key or secret. Every line of the app goes through here, so that rule has one place to be reviewed.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined | object>;

export function logLine(level: "info" | "warn" | "error", msg: string, fields: LogFields = {}): void {
  const line = JSON.stringify({ level, msg, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
