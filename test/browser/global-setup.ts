import type { TestProject } from "vitest/node";
import { startWranglerDev } from "../support/wrangler-dev.ts";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

/** Serves the app with `wrangler dev` in sandbox mode, on 127.0.0.1, with its own fresh local D1 and KV. */
export default async function setup(project: TestProject) {
  const dev = await startWranglerDev({ IMP_MODE: "sandbox", RATE_LIMIT: "off" });
  project.provide("baseUrl", dev.baseUrl);
  return () => dev.stop();
}
