import { iamport } from "./iamport";
import type { ProviderModule } from "./module";
import { portone } from "./portone";

export type { ProviderModule };

/**
 * Every provider the app speaks, picked by PORTONE_VERSION. A provider is one folder that exports a ProviderModule;
 * adding one is that folder and a line here.
 */
export const PROVIDERS = [iamport, portone] as const satisfies readonly ProviderModule[];
