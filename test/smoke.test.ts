import { describe, expect, it } from "vitest";
import { harness } from "./support/harness";

describe("smoke", () => {
  it("verifies a new user", async () => {
    const h = harness();
    const b = h.browser();
    const cert = await b.certified();
    const res = await b.verify({ imp_uid: cert.imp_uid });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ outcome: "new_user" });
  });
});
