import type { TestProject } from "vitest/node";
import { startWranglerDev } from "../support/wrangler-dev.ts";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    baseUrlV2: string;
  }
}

/**
 * Serves the app with `wrangler dev` in sandbox mode, on 127.0.0.1, once with i'mport (V1) and once with
 * PortOne V2, each with its own fresh local D1 and KV.
 */
export default async function setup(project: TestProject) {
  const vars = { IMP_MODE: "sandbox", RATE_LIMIT: "off" };
  // At once: a busy machine needs the time for two, not twice it (startWranglerDev never hands out a port twice).
  const [v1, v2] = await Promise.all([startWranglerDev(vars), startWranglerDev({ ...vars, PORTONE_VERSION: "v2" })]);
  project.provide("baseUrl", v1.baseUrl);
  project.provide("baseUrlV2", v2.baseUrl);
  return async () => {
    await Promise.all([v1.stop(), v2.stop()]);
  };
}
