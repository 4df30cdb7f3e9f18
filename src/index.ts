import { createApp } from "./app";
import { deleteSpentCodes } from "./db/oidc";
import { deleteEndedCooldowns, deleteExpiredAttempts, openDb } from "./db/queries";
import { logLine } from "./lib/log";
import { ACCESS_TOKEN_TTL_S } from "./oidc/tokens";

const app = createApp();

/** Completed attempts are kept a day past their expiry: until then their merchant_uid and imp_uid stay single-use. */
const RETENTION_AFTER_EXPIRY_MS = 86_400_000;

export default {
  fetch: app.fetch,
  /** Daily: delete completed attempts a day after they expired, in bounded batches, ended rejoin cooldowns, spent codes. */
  async scheduled(_controller, env) {
    const db = openDb(env.DB);
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
    });
  },
} satisfies ExportedHandler<Env>;
