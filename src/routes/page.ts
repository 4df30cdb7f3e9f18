import { Hono } from "hono";
import type { AppEnv } from "../app";

export const page = new Hono<AppEnv>().get("/", (c) => c.text("TODO"));
