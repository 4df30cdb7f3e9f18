import { createApp } from "./app";
import { deleteSpentCodes } from "./db/oidc";
import { deleteEndedCooldowns, deleteExpiredAttempts, deleteLapsedChildren, openDb } from "./db/queries";
import { deleteSpentSms } from "./db/sms";
import { logLine } from "./lib/log";
import { ACCESS_TOKEN_TTL_S } from "./oidc/tokens";

const app = createApp();

/** wrangler.toml's second cron: the guardian's deadline is kept within minutes, not a day. */
const LAPSED_CHILDREN_CRON = "*/10 * * * *";

/** Completed attempts are kept a day past their expiry: until then their merchant_uid and imp_uid stay single-use. */
const RETENTION_AFTER_EXPIRY_MS = 86_400_000;

export default {
  fetch: app.fetch,
  /**
   * Every 10 minutes: delete children whose guardian did not consent in time (until then nothing of theirs is used:
   * verification/verify.ts). Daily: completed attempts a day after they expired, in bounded batches, ended rejoin
   * cooldowns, spent codes.
   */
  async scheduled(controller, env) {
    const db = openDb(env.DB);
    const children = await deleteLapsedChildren(db, Date.now());
    // SMS flows of attempts that expired, and phone counts of hours gone by: counters only.
    const smsRows = await deleteSpentSms(db, Date.now());
    if (controller.cron === LAPSED_CHILDREN_CRON) {
      logLine("info", "guardian_cleanup", { children_deleted: children, sms_rows_deleted: smsRows });
      return;
    }
    const run = await deleteExpiredAttempts(db, Date.now() - RETENTION_AFTER_EXPIRY_MS);
    const cooldowns = await deleteEndedCooldowns(db, Date.now());
    // A code is kept (used or not) as long as an access token from it could be presented, so a replay can revoke it.
    const codes = await deleteSpentCodes(db, Date.now() - ACCESS_TOKEN_TTL_S * 1000);
    logLine("info", "daily_cleanup", {
      attempts_deleted: run.deleted,
      batches: run.batches,
      done: run.done,
      cooldowns_ended: cooldowns,
      codes_deleted: codes,
      children_deleted: children,
      sms_rows_deleted: smsRows,
    });
  },
} satisfies ExportedHandler<Env>;
