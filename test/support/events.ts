import type { EventMessage } from "../../src/flows/events";
import type { harness } from "./harness";
import { CLIENTS, oidcVars } from "./oidc";

/** A client's webhook secret, as `npm run keygen -- webhook` prints one. */
export const WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
export const WEBHOOK_URL = "https://shop.example/hooks/imp";

/** Vars of a live deployment whose `shop` client has a webhook (its `app` client, pairwise, too, when asked). */
export async function hookedVars(options: { app?: boolean } = {}): Promise<Record<string, string>> {
  const base = await oidcVars();
  const clients = CLIENTS.map((c) =>
    c.client_id === "shop" || (options.app && c.client_id === "app") ? { ...c, webhook_url: `${WEBHOOK_URL}?client=${c.client_id}` } : c,
  );
  return {
    ...base,
    OIDC_CLIENTS: JSON.stringify(clients),
    WEBHOOK_SECRETS: JSON.stringify({ shop: WEBHOOK_SECRET, ...(options.app ? { app: WEBHOOK_SECRET } : {}) }),
  };
}

/** Vars with the EVENTS queue replaced, as the harness takes them. */
export const withQueue = (vars: Record<string, string>, queue: Queue) => ({ ...vars, EVENTS: queue }) as Parameters<typeof harness>[0];

/** A stand-in for the EVENTS queue that keeps what was sent (its consumer is called by the test, with its own receiver). */
export function recordingQueue() {
  const sent: EventMessage[] = [];
  const queue = {
    async send(body: EventMessage) {
      sent.push(body);
    },
    async sendBatch(messages: Iterable<{ body: EventMessage }>) {
      for (const m of messages) sent.push(m.body);
    },
  } as unknown as Queue;
  return { queue, sent };
}
