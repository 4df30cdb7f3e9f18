import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import type { AppEnv } from "../env";
import { HealthResponse, json } from "./schemas";

/** Whether this deployment can serve verifications; a configuration problem names its vars, never their values. */
export const health = new Hono<AppEnv>().get(
  "/healthz",
  describeRoute({
    summary: "Whether the configuration is complete and valid",
    responses: {
      200: json("configured", HealthResponse),
      503: json("a configuration problem: the names of the wrong or missing vars", HealthResponse),
    },
  }),
  (c) => {
    const config = c.get("config");
    const configProblems = c.get("configProblems");
    const status = { mode: config.mode, provider: config.provider };
    if (configProblems.length === 0) return c.json({ ok: true, ...status }, 200);
    return c.json({ ok: false, ...status, problems: [...new Set(configProblems.map((p) => p.name))] }, 503);
  },
);
