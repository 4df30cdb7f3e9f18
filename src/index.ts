import { createApp } from "./app";
import { deleteExpiredAttempts, openDb } from "./db/queries";

const app = createApp();

/** Completed attempts are kept a day past their expiry: until then their merchant_uid and imp_uid stay single-use. */
const RETENTION_AFTER_EXPIRY_MS = 86_400_000;

export default {
  fetch: app.fetch,
  /** Daily: delete completed attempts a day after they expired, in bounded batches. */
  async scheduled(_controller, env) {
    const run = await deleteExpiredAttempts(openDb(env.DB), Date.now() - RETENTION_AFTER_EXPIRY_MS);
    console.log(JSON.stringify({ level: "info", msg: "expired_attempts_deleted", count: run.deleted, batches: run.batches, done: run.done }));
  },
} satisfies ExportedHandler<Env>;
