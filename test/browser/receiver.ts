// A site's webhook endpoint on 127.0.0.1, as a site runs one: the `standardwebhooks` library (the spec's own) checks
// every delivery against the sandbox client's secret.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { SANDBOX_OIDC } from "../../src/config/oidc.ts";

export interface Received {
  id: string;
  type: string;
  data: Record<string, unknown>;
  /** What the receiver answered. */
  status: number;
}

/** A site's webhook endpoint: verifies each delivery, answers with `answer(n)` (the n-th delivery of that id). */
export class Receiver {
  readonly received: Received[] = [];
  rejected = 0;
  answer: (id: string, nth: number) => number = () => 204;
  private server?: Server;
  private readonly hook = new Webhook(SANDBOX_OIDC.webhookSecret);

  async start(port: number) {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        let event: { type: string; data: Record<string, unknown> };
        try {
          event = this.hook.verify(body, req.headers as Record<string, string>) as typeof event;
        } catch {
          this.rejected++;
          res.writeHead(400).end();
          return;
        }
        const id = String(req.headers["webhook-id"]);
        const status = this.answer(id, this.received.filter((r) => r.id === id).length + 1);
        this.received.push({ id, type: event.type, data: event.data, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks`;
  }

  /** The deliveries of one type that the receiver took (2xx). */
  delivered(type: string) {
    return this.received.filter((r) => r.type === type && r.status < 300);
  }

  close() {
    return new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
