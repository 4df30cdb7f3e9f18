// Checked by `tsc` (npm run check), never run: the per-request objects exist only where a route asks for them.
import { Hono } from "hono";
import type { AppEnv } from "../src/env";
import { withStorage, withVerification } from "../src/http/context";

export const unwired = new Hono<AppEnv>().get("/nothing-set-up", (c) => {
  // @ts-expect-error: no middleware set up D1 for this route
  c.get("db");
  // @ts-expect-error: nor the provider's client
  c.get("results");
  return c.text("");
});

export const wired = new Hono<AppEnv>()
  .get("/storage", withStorage("sandbox"), (c) => c.json({ db: typeof c.get("db"), log: c.get("log").d1.roundTrips }))
  .get("/verification", withVerification, (c) => c.json({ results: typeof c.get("results").fetchResult }));
