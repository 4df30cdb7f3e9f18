import { iamportSandbox } from "./iamport";
import { portoneSandbox } from "./portone";

/**
 * Each provider's REST simulator, mounted where that provider's API has its paths (sandbox mode only): i'mport's
 * under the sandbox's prefix (the client's IMP_API_BASE points there), PortOne's at the root, as PortOne answers
 * (its own SDK keeps only the origin of a base URL).
 */
export const SIMULATORS = [
  { path: "/sandbox/api", app: iamportSandbox },
  { path: "/", app: portoneSandbox },
] as const;
