import { createApp } from "./app";
import { readConfig } from "./config";
import { CONSOLE_RETENTION_MS, deleteOldConsoleRows } from "./db/console";
import { deleteOldEvents, EVENT_RETENTION_MS, takeOverdueEvents } from "./db/events";
import { deleteSpentCodes } from "./db/oidc";
import { deleteEndedCooldowns, deleteExpiredAttempts, deleteLapsedChildren, openDb } from "./db/queries";
import { deleteSpentSms } from "./db/sms";
import { deliver, type EventMessage, handOver } from "./flows/events";
import { logLine } from "./lib/log";
import { ACCESS_TOKEN_TTL_S } from "./oidc/tokens";
import { PROVIDERS } from "./providers/registry";

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
   * cooldowns, spent codes, events after 30 days, the console's counts and audit rows after 400.
   */
  async scheduled(controller, env) {
    const db = openDb(env.DB);
    const children = await deleteLapsedChildren(db, Date.now());
    // SMS flows of attempts that expired, and phone counts of hours gone by: counters only.
    const smsRows = await deleteSpentSms(db, Date.now());
    // Events whose message was lost (or never sent): the outbox hands them over again.
    const overdue = await takeOverdueEvents(db, Date.now());
    await handOver(env.EVENTS, overdue);
    if (controller.cron === LAPSED_CHILDREN_CRON) {
      logLine("info", "guardian_cleanup", { children_deleted: children, sms_rows_deleted: smsRows, events_handed_over: overdue.length });
      return;
    }
    const oldEvents = await deleteOldEvents(db, Date.now() - EVENT_RETENTION_MS);
    const consoleRows = await deleteOldConsoleRows(db, Date.now() - CONSOLE_RETENTION_MS);
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
      events_handed_over: overdue.length,
      events_deleted: oldEvents,
      console_rows_deleted: consoleRows,
    });
  },
  /**
   * The EVENTS queue's consumer: each message is one try of one event (src/flows/events.ts). A failed try sends the
   * next one, delayed; the last failed try goes to the dead-letter queue too. A message that cannot be handled (D1
   * unreachable) is retried by the queue, then dead-lettered.
   */
  async queue(batch, env) {
    const { config } = await readConfig(env, PROVIDERS);
    const db = openDb(env.DB);
    for (const message of batch.messages) {
      try {
        const result = await deliver(db, config, message.body);
        if (!result.done) await env.EVENTS.send(result.next, { contentType: "json", delaySeconds: result.delaySeconds });
        else if (result.status === "failed") await env.EVENTS_DEAD.send(message.body, { contentType: "json" });
        logLine("info", "webhook_delivery", { status: result.done ? (result.status ?? "nothing_to_do") : "retry", tries: message.body.tries + 1 });
        message.ack();
      } catch (err) {
        logLine("error", "webhook_delivery_fault", { error: err instanceof Error ? err.name : typeof err });
        message.retry();
      }
    }
  },
} satisfies ExportedHandler<Env, EventMessage>;
