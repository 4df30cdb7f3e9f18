import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { describeRoute, validator } from "hono-openapi";
import * as v from "valibot";
import { findUser, withdrawUser } from "../db/queries";
import type { AppEnv } from "../env";
import { AppError } from "../errors";
import { withStorage } from "../http/context";
import { requireConfig } from "../http/security";
import { invalidRequest } from "../http/validation";
import { sameText } from "../lib/crypto";
import { errors, json, SiteUserResponse, UserId, WithdrawalResponse } from "./schemas";

const DAY_MS = 86_400_000;

/** `Authorization: Bearer <SITE_API_KEY>`, compared in constant time; no key configured: 503. */
const siteAuth = createMiddleware<AppEnv>(async (c, next) => {
  const key = c.get("config").siteApiKey;
  if (!key) throw new AppError("not_configured", "SITE_API_KEY is not set");
  const given = /^Bearer (.+)$/i.exec(c.req.header("Authorization") ?? "")?.[1] ?? "";
  if (!sameText(given, key)) throw new AppError("unauthorized");
  await next();
});

const byId = validator("param", v.object({ id: UserId }), invalidRequest);

/** The site API: for the site's own backend, server to server, JSON only. */
export const siteApi = new Hono<AppEnv>()
  // One line per call: what was called and how it ended, never the person.
  .use(withStorage("site_api"))
  .use(requireConfig)
  .use(siteAuth)
  .get(
    "/users/:id",
    describeRoute({
      summary: "A user, as the site's backend may see them",
      security: [{ siteApiKey: [] }],
      responses: { 200: json("the user", SiteUserResponse), ...errors("invalid_request", "unauthorized", "user_not_found", "not_configured") },
    }),
    byId,
    async (c) => {
      const user = await findUser(c.get("db"), c.req.valid("param").id);
      if (!user) throw new AppError("user_not_found");
      const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
      return c.json(
        {
          user: {
            id: user.id,
            name: user.name,
            gender: user.gender,
            birthday: user.birthday,
            created_at: new Date(user.createdAt).toISOString(),
            last_verified_at: iso(user.lastVerifiedAt ?? user.createdAt),
          },
        },
        200,
      );
    },
  )
  .delete(
    "/users/:id",
    describeRoute({
      summary: "The person withdraws: their personal data is deleted at once",
      security: [{ siteApiKey: [] }],
      responses: { 200: json("deleted", WithdrawalResponse), ...errors("invalid_request", "unauthorized", "user_not_found", "not_configured") },
    }),
    byId,
    async (c) => {
      const { id } = c.req.valid("param");
      const days = c.get("config").rejoinCooldownDays;
      const now = Date.now();
      if (!(await withdrawUser(c.get("db"), id, days > 0 ? now + days * DAY_MS : null))) throw new AppError("user_not_found");
      return c.json({ deleted: true as const, id }, 200);
    },
  );
