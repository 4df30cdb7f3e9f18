// Serves a provider stub over real HTTP on 127.0.0.1, for a Worker running in its own process (wrangler dev).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Anything that answers like a provider: the i'mport or the PortOne stub. */
type Stub = { fetch: typeof fetch };

export interface StubServer {
  url: string;
  close(): Promise<void>;
}

export async function startStubServer(stub: Stub): Promise<StubServer> {
  const server = createServer((req, res) => void handle(stub, req, res));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(stub: Stub, req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  // The caller giving up (its timeout) aborts the stub's work, as a closed connection would.
  const gone = new AbortController();
  res.on("close", () => gone.abort());
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
  }
  const body = chunks.length > 0 && req.method !== "GET" && req.method !== "HEAD" ? Buffer.concat(chunks) : undefined;
  let response: Response;
  try {
    response = await stub.fetch(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body, signal: gone.signal }));
  } catch {
    // A "network" fault, or the caller went away: drop the connection without an answer.
    res.destroy();
    return;
  }
  const payload = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(payload);
}
