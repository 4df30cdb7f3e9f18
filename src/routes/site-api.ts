import { createMiddleware } from "hono/factory";
import { Hono } from "hono/tiny";
import * as v from "valibot";
import type { OidcClient } from "../config";
import { clientEvents, requeueEvent } from "../db/events";
import { grantedUser, revokeGrant } from "../db/oidc";
import type { AppEnv } from "../env";
import { AppError } from "../errors";
import { eventBody, handOver } from "../flows/events";
import { type StorageVariables, withStorage } from "../http/context";
import { describeRoute, validator } from "../http/openapi";
import { requireConfig } from "../http/security";
import { requireOidc } from "../oidc/authorization";
import { authenticateClient } from "../oidc/clients";
import { Subject } from "./schemas";

const DAY_MS = 86_400_000;

/** The claims a consented scope lets the client receive. */
const consentedClaims = (scope: string) => [
  "sub",
  "outcome",
  "age",
  "guardian_consent",
  ...(scope.split(" ").includes("profile") ? ["name", "birthdate", "gender", "verified_claims"] : []),
];

type SiteEnv = AppEnv & { Variables: StorageVariables & { client: OidcClient } };

/** The client's own credentials (HTTP Basic, as at /token), compared in constant time; no clients configured: 503. */
const clientAuth = createMiddleware<SiteEnv>(async (c, next) => {
  const config = c.get("config");
  requireOidc(config);
  const auth = await authenticateClient(config, c.req.header("Authorization"));
  if (!auth.ok) {
    c.header("WWW-Authenticate", 'Basic realm="site API", charset="UTF-8"');
    throw new AppError("unauthorized");
  }
  c.set("client", auth.client);
  await next();
});

const bySub = validator("param", v.object({ sub: Subject }));
const EventId = v.pipe(v.string(), v.regex(/^evt_[0-9a-z]{25}$/));
const byEventId = validator("param", v.object({ id: EventId }));
const eventsQuery = validator(
  "query",
  v.object({ after: v.optional(EventId), limit: v.optional(v.pipe(v.string(), v.regex(/^(100|[1-9][0-9]?)$/))) }),
);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The site API: for a client's own backend, server to server, JSON only; it sees only the people who authorized it. */
export const siteApi = new Hono<SiteEnv>()
  // One line per call: what was called and how it ended, never the person.
  .use(withStorage("site_api"))
  .use(requireConfig)
  .use(clientAuth)
  .get("/users/:sub", describeRoute("siteUser"), bySub, async (c) => {
    const { sub } = c.req.valid("param");
    const found = await grantedUser(c.get("db"), c.get("client").id, sub);
    if (!found) throw new AppError("user_not_found");
    // The times are this client's (when it first and last got the person), never another client's activity.
    const { user, grant, consentedAt } = found;
    return c.json(
      {
        user: {
          id: sub,
          name: user.name,
          gender: user.gender,
          birthday: user.birthday,
          created_at: new Date(grant.createdAt).toISOString(),
          last_verified_at: iso(grant.lastVerifiedAt ?? grant.createdAt),
          guardian_consent: consentedAt === null ? null : { consented_at: new Date(consentedAt).toISOString() },
          // A third-party client's consent to provision (PIPA §17): when, and which claims; null for a client without one.
          consent:
            c.get("client").consent && grant.consentScope && grant.consentedAt !== null
              ? { consented_at: new Date(grant.consentedAt).toISOString(), items: consentedClaims(grant.consentScope) }
              : null,
        },
      },
      200,
    );
  })
  .delete("/users/:sub", describeRoute("siteUserDelete"), bySub, async (c) => {
    const { sub } = c.req.valid("param");
    const db = c.get("db");
    const clientId = c.get("client").id;
    const found = await grantedUser(db, clientId, sub);
    if (!found) throw new AppError("user_not_found");
    const days = c.get("config").rejoinCooldownDays;
    const result = await revokeGrant(db, clientId, found.user.id, days > 0 ? Date.now() + days * DAY_MS : null);
    if (!result.deleted) throw new AppError("user_not_found");
    return c.json({ deleted: true as const, id: sub, account_deleted: result.accountDeleted }, 200);
  })
  .get("/events", describeRoute("siteEvents"), eventsQuery, async (c) => {
    const { after, limit } = c.req.valid("query");
    const count = limit === undefined ? 100 : Number(limit);
    const rows = await clientEvents(c.get("db"), c.get("client").id, after, count);
    const events = rows.slice(0, count).map((e) => ({
      id: e.id,
      ...eventBody(e),
      delivery: { status: e.status, tries: e.tries },
    }));
    return c.json({ events, has_more: rows.length > count }, 200);
  })
  .post("/events/:id/redeliver", describeRoute("siteEventRedeliver"), byEventId, async (c) => {
    const queued = await requeueEvent(c.get("db"), c.get("client").id, c.req.valid("param").id, Date.now());
    if (!queued) throw new AppError("not_found");
    await handOver(c.env.EVENTS, [queued]);
    return c.json({ queued: true as const }, 202);
  });
