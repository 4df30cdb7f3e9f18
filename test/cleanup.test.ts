import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import worker from "../src/index";
import { count, setAttempt } from "./support/db";
import { harness } from "./support/harness";

it("the daily clean-up deletes abandoned attempts a day after they expire, and keeps everything else", async () => {
  const h = harness();
  const abandoned = await h.browser().prepare();
  const recent = await h.browser().prepare();
  const b = h.browser();
  const done = await b.certified();
  expect((await b.verify({ imp_uid: done.imp_uid })).status).toBe(200);
  const dayAndMore = Date.now() - 25 * 3600_000;
  await setAttempt(abandoned.merchant_uid, { created_at: dayAndMore - 900_000, expires_at: dayAndMore });
  await setAttempt(recent.merchant_uid, { expires_at: Date.now() - 3600_000 }); // expired an hour ago: kept for now
  await setAttempt(done.merchant_uid!, { created_at: dayAndMore - 900_000, expires_at: dayAndMore }); // completed: kept

  await worker.scheduled(createScheduledController({ cron: "17 3 * * *" }), env);

  expect(await count("attempts", "merchant_uid = ?", abandoned.merchant_uid)).toBe(0);
  expect(await count("attempts", "merchant_uid = ?", recent.merchant_uid)).toBe(1);
  expect(await count("attempts", "merchant_uid = ?", done.merchant_uid)).toBe(1);
});
