import { iamport } from "./iamport";
import type { ProviderModule } from "./module";
import { portone } from "./portone";

export type { ProviderModule };

/**
 * Every provider the app speaks, picked by PORTONE_VERSION. A provider is one folder that exports a ProviderModule;
 * adding one is that folder and a line here.
 */
export const PROVIDERS = [iamport, portone] as const satisfies readonly ProviderModule[];

type Intersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type SchemaPart = "smsAttempt" | "smsResult" | "smsSent";

/**
 * One part of every provider's schemas, merged: a route that takes any provider's fields (the configured provider
 * reads its own), so that the route names none.
 */
export const everyProvider = <K extends SchemaPart>(part: K) =>
  Object.assign({}, ...PROVIDERS.map((p) => p.schemas[part])) as Intersection<(typeof PROVIDERS)[number]["schemas"][K]>;
