import { createApp } from "./app";
import { deleteExpiredAttempts, openDb } from "./db/queries";

const app = createApp();

export default {
  fetch: app.fetch,
  /** Daily: drop pending attempts that expired more than a day ago (completed ones keep imp_uids single-use). */
  async scheduled(_controller, env) {
    const deleted = await deleteExpiredAttempts(openDb(env.DB), Date.now() - 86_400_000);
    console.log(JSON.stringify({ level: "info", msg: "expired_attempts_deleted", count: deleted }));
  },
} satisfies ExportedHandler<Env>;
