import type { ProviderModule } from "../module";
import { iamportConfigurer } from "./config";
import { iamportSchemas } from "./schemas";

/** i'mport (PortOne V1): everything the app knows of it. */
export const iamport = {
  ...iamportConfigurer,
  schemas: iamportSchemas,
} satisfies ProviderModule;
