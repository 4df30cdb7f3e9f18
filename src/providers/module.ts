import type * as v from "valibot";
import type { ProviderConfigurer } from "./provider";

/** Everything the app knows of one provider: one folder exports one of these, and the registry lists it. */
export interface ProviderModule extends ProviderConfigurer {
  /** Its shapes on the app's routes, for validation and /openapi.json. */
  schemas: {
    prepare: v.GenericSchema;
    verifyBody: v.GenericSchema;
    verification: v.GenericSchema;
    /** The parameters its window adds to the redirect URL. */
    redirectQuery: v.ObjectEntries;
    /** Its fields on the in-page SMS routes: the attempt's id, the result's (when it has one of its own), the 202's. */
    smsAttempt: v.ObjectEntries;
    smsResult: v.ObjectEntries;
    smsSent: v.ObjectEntries;
  };
}
