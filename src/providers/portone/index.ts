import type { ProviderModule } from "../module";
import { portoneConfigurer } from "./config";
import { portoneSchemas } from "./schemas";

/** PortOne V2: everything the app knows of it. */
export const portone = {
  ...portoneConfigurer,
  schemas: portoneSchemas,
} satisfies ProviderModule;
