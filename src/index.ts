import { createApp } from "./app";
import { deleteEndedCooldowns, deleteExpiredAttempts, openDb } from "./db/queries";
import { logLine } from "./lib/log";

const app = createApp();

/** Completed attempts are kept a day past their expiry: until then their merchant_uid and imp_uid stay single-use. */
const RETENTION_AFTER_EXPIRY_MS = 86_400_000;

export default {
  fetch: app.fetch,
  /** Daily: delete completed attempts a day after they expired, in bounded batches, and ended rejoin cooldowns. */
  async scheduled(_controller, env) {
    const db = openDb(env.DB);
    const run = await deleteExpiredAttempts(db, Date.now() - RETENTION_AFTER_EXPIRY_MS);
    const cooldowns = await deleteEndedCooldowns(db, Date.now());
    logLine("info", "daily_cleanup", { attempts_deleted: run.deleted, batches: run.batches, done: run.done, cooldowns_ended: cooldowns });
  },
} satisfies ExportedHandler<Env>;
