import { Hono } from "hono";
import type { AppEnv } from "../app";

export const health = new Hono<AppEnv>().get("/healthz", (c) => c.json({ ok: true, mode: c.var.config.mode }));
