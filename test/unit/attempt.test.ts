import { describe, expect, it } from "vitest";
import { AppError } from "../../src/errors";
import { ATTEMPT_ID_LENGTH, mintAttemptId, readAttemptId } from "../../src/verification/attempt";

const SECRET = "attempt-test-secret-0123456789";
const BROWSER = "b".repeat(43);
const EXPIRES = Date.parse("2026-11-28T10:15:00Z");

const codeOf = async (run: Promise<unknown>) =>
  run.then(
    () => null,
    (err) => (err instanceof AppError ? err.code : "thrown"),
  );

/** The id with one character at `at` replaced by another letter or digit. */
const altered = (id: string, at: number) => id.slice(0, at) + (id[at] === "A" ? "B" : "A") + id.slice(at + 1);

describe("attempt ids minted without storage", () => {
  it("are 40 letters and digits, unguessable, and say when they expire", async () => {
    const ids = await Promise.all(Array.from({ length: 50 }, () => mintAttemptId(SECRET, BROWSER, EXPIRES)));
    expect(ATTEMPT_ID_LENGTH).toBe(40);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(new Set(ids).size).toBe(50);
    expect(await readAttemptId(SECRET, ids[0]!, BROWSER)).toEqual({ expiresAt: EXPIRES });
  });

  it("refuse an id altered anywhere as unknown_merchant_uid", async () => {
    const id = await mintAttemptId(SECRET, BROWSER, EXPIRES);
    for (let at = 0; at < id.length; at++) {
      expect(await codeOf(readAttemptId(SECRET, altered(id, at), BROWSER))).toBe("unknown_merchant_uid");
    }
  });

  it("refuse invented ids, ids of another length and ids minted under another key", async () => {
    expect(await codeOf(readAttemptId(SECRET, "A".repeat(40), BROWSER))).toBe("unknown_merchant_uid");
    expect(await codeOf(readAttemptId(SECRET, "mid123", BROWSER))).toBe("unknown_merchant_uid");
    const id = await mintAttemptId(SECRET, BROWSER, EXPIRES);
    expect(await codeOf(readAttemptId(`${SECRET}-rotated`, id, BROWSER))).toBe("unknown_merchant_uid");
  });

  it("refuse another browser's id, or one sent without the cookie, as session_mismatch", async () => {
    const id = await mintAttemptId(SECRET, BROWSER, EXPIRES);
    expect(await codeOf(readAttemptId(SECRET, id, "c".repeat(43)))).toBe("session_mismatch");
    expect(await codeOf(readAttemptId(SECRET, id, undefined))).toBe("session_mismatch");
  });
});
