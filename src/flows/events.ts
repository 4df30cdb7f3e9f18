import type { Config } from "../config";
import type { Db } from "../db/client";
import { claimEvent, type Event, recordTry } from "../db/events";
import { webhookHeaders } from "../lib/webhooks";
import { clientOf } from "../oidc/authorization";

/**
 * Events to the sites' backends: handed to the EVENTS queue once the batch that wrote them is stored, and posted by
 * the queue's consumer, signed (Standard Webhooks), retried with delays that double, recorded failed after the last
 * try. D1's outbox row is what counts: a message lost on the way is handed over again by the cron.
 */

/** Tries per event: with WEBHOOK_RETRY_BASE_SECONDS = 30, the last one comes 17 hours after the first. */
export const MAX_TRIES = 12;
/** How long the receiver has to answer. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * The message the queue carries: the event's id and how many tries it had when the message was sent (the outbox
 * holds the rest). One message stands for one try: a try that fails sends the next one, delayed.
 */
export interface EventMessage {
  id: string;
  tries: number;
}

/** The longest delay a queue message takes (Cloudflare Queues: 12 hours); a longer wait is taken in steps. */
export const MAX_DELAY_SECONDS = 43_200;

/** Hands events to the queue for their next try; a failure is left to the cron (the outbox holds them as pending). */
export async function handOver(queue: Queue<EventMessage>, due: readonly EventMessage[]): Promise<void> {
  if (due.length === 0) return;
  await queue.sendBatch(due.map((body) => ({ body, contentType: "json" as const })));
}

/** An event's body as the site receives it, the same on every try: `{ type, timestamp, data }`. */
export function eventBody(e: Event): { type: Event["type"]; timestamp: string; data: Record<string, unknown> } {
  const consent = e.consentedAt === null ? null : { consented_at: new Date(e.consentedAt).toISOString() };
  const data: Record<string, unknown> =
    e.type === "identity.verified"
      ? { sub: e.sub, outcome: e.outcome, auth_time: e.authTime, age: e.age, guardian_consent: consent }
      : e.type === "guardian.consented"
        ? { sub: e.sub, consented_at: consent?.consented_at }
        : { sub: e.sub, reason: e.reason };
  return { type: e.type, timestamp: new Date(e.createdAt).toISOString(), data };
}

/**
 * What one message came to: done (delivered, failed for good, or nothing for this message to do), or a message to
 * send for the next try, after a delay.
 */
export type Delivery = { done: true; status?: "delivered" | "failed" } | { done: false; next: EventMessage; delaySeconds: number };

/**
 * One try of event `id`: claimed (so a copy of its message never posts it at the same time), signed, posted with a
 * timeout. A 2xx is delivered; anything else is retried after WEBHOOK_RETRY_BASE_SECONDS × 2^(tries − 1), until the
 * MAX_TRIES-th try fails, which records it failed. No receiver's answer is read beyond its status.
 */
export async function deliver(db: Db, config: Config, message: EventMessage, post: typeof fetch = fetch, now = Date.now()): Promise<Delivery> {
  const { taken, event } = await claimEvent(db, message.id, message.tries, now);
  if (!taken) {
    // Early (a wait longer than a queue's longest delay, taken in steps): this message waits again. Anything else —
    // delivered, failed, tried since by another message, or gone — leaves nothing for this one to do.
    const waiting = event?.status === "pending" && event.tries === message.tries && event.nextTryAt > now;
    if (!waiting) return { done: true };
    return { done: false, next: message, delaySeconds: Math.min(MAX_DELAY_SECONDS, Math.ceil((event.nextTryAt - now) / 1000)) };
  }
  const e = event!;
  const webhook = clientOf(config, e.clientId)?.webhook;
  // The client lost its webhook since (its configuration changed): nothing to send to; failed, for the site API.
  if (!webhook) {
    await recordTry(db, e.id, { status: "failed", httpStatus: 0, at: now, nextTryAt: now });
    return { done: true, status: "failed" };
  }
  const body = JSON.stringify(eventBody(e));
  const headers = await webhookHeaders(webhook.secret, e.id, Math.floor(now / 1000), body);
  let httpStatus = 0;
  try {
    const res = await post(webhook.url, {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/json", "User-Agent": "imp-identity-edge-webhooks" },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    httpStatus = res.status;
    await res.body?.cancel();
  } catch {
    httpStatus = 0; // a timeout, a refused or closed connection
  }
  const at = Date.now();
  if (httpStatus >= 200 && httpStatus < 300) {
    await recordTry(db, e.id, { status: "delivered", httpStatus, at, nextTryAt: at });
    return { done: true, status: "delivered" };
  }
  const tries = e.tries + 1;
  if (tries >= MAX_TRIES) {
    await recordTry(db, e.id, { status: "failed", httpStatus, at, nextTryAt: at });
    return { done: true, status: "failed" };
  }
  const delaySeconds = config.webhookRetryBaseSeconds * 2 ** (tries - 1);
  await recordTry(db, e.id, { status: "pending", httpStatus, at, nextTryAt: at + delaySeconds * 1000 });
  return { done: false, next: { id: e.id, tries }, delaySeconds: Math.min(MAX_DELAY_SECONDS, delaySeconds) };
}
