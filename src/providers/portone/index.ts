import type { ProviderModule } from "../module";
import { portoneConfigurer } from "./config";
import { portoneSandbox } from "./sandbox";
import { portoneSchemas } from "./schemas";

/** PortOne V2: everything the app knows of it. */
export const portone = {
  ...portoneConfigurer,
  schemas: portoneSchemas,
  sandbox: { path: "/", app: portoneSandbox },
} satisfies ProviderModule;
