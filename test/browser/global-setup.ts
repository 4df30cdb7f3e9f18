import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { startWranglerDev } from "../support/wrangler-dev.ts";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    baseUrlV2: string;
    /** A page of "the site" on another origin, allowed in RETURN_ORIGINS: where verified visitors are sent back. */
    siteUrl: string;
  }
}

/**
 * Serves the app with `wrangler dev` in sandbox mode, on 127.0.0.1, once with i'mport (V1) and once with
 * PortOne V2, each with its own fresh local D1 and KV.
 */
export default async function setup(project: TestProject) {
  const site = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(
      `<!doctype html><title>The site</title><h1>Welcome back</h1><p id="query">${new URL(req.url ?? "/", "http://x").search.replace(/[<>&"]/g, "")}</p>`,
    );
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  const vars = { IMP_MODE: "sandbox", RATE_LIMIT: "off", RETURN_ORIGINS: siteUrl };
  // One after the other: ports are chosen free just before each starts.
  const v1 = await startWranglerDev(vars);
  const v2 = await startWranglerDev({ ...vars, PORTONE_VERSION: "v2" });
  project.provide("baseUrl", v1.baseUrl);
  project.provide("baseUrlV2", v2.baseUrl);
  project.provide("siteUrl", siteUrl);
  return async () => {
    await Promise.all([v1.stop(), v2.stop()]);
    site.close();
  };
}
