import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { Hono } from "hono/tiny";
import * as v from "valibot";
import { erasePerson, overview, redeliverEvent } from "../db/console";
import type { AppEnv } from "../env";
import { AppError } from "../errors";
import { type EventMessage, handOver } from "../flows/events";
import { type Operator, operatorOf } from "../http/access";
import { type StorageVariables, withStorage } from "../http/context";
import { errorPage } from "../http/error-page";
import { logUnexpected } from "../http/log";
import { requestUrl } from "../http/url";
import { limitBody } from "../http/validation";
import { seoulDay } from "../lib/dates";
import { jwkEntry } from "../oidc/tokens";
import { keyIdOf } from "../verification/identity";
import { type ConsoleTexts, NOTICES, type Notice, renderConsole } from "../views/console";
import type { Lang } from "../views/messages";
import { langOf, PAGE_CSP, titleOf } from "../views/result-page";
import { Subject } from "./schemas";

/**
 * The operator console, `/admin`: how verification goes (the last 30 days' counts), what needs an operator (key
 * rotation, failed webhooks, configuration problems), and two actions with an audit row each — redeliver an event,
 * erase a person. Every request is an operator's (http/access.ts) before anything is read; its pages are HTML, also
 * when refused. No `requireConfig`: the console is where a configuration's problems are shown.
 */

type AdminEnv = AppEnv & { Variables: StorageVariables & { operator: Operator } };

const DAY_MS = 86_400_000;
/** Days shown, today included. */
const DAYS = 30;

const EventId = v.pipe(v.string(), v.regex(/^evt_[0-9a-z]{25}$/));

/**
 * A form posted from the console itself. Its pages send their Origin (`same-origin` referrer policy); a browser that
 * still says `Origin: null` for it is judged by `Sec-Fetch-Site`. A browser's cross-site post is refused either way;
 * a request with neither header is no browser's (a script with an Access service token), so no forgery.
 */
const consolePosts = createMiddleware<AdminEnv>(async (c, next) => {
  const origin = c.req.header("Origin");
  const site = c.req.header("Sec-Fetch-Site");
  const own = c.get("config").oidc.publicUrl ?? requestUrl(c).origin;
  const sameSite = site === undefined || site === "same-origin";
  const sameOrigin = origin === undefined || origin === own || (origin === "null" && site === "same-origin");
  if (!sameSite || !sameOrigin) throw new AppError("forbidden_origin");
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(c.req.header("Content-Type") ?? "")) throw new AppError("invalid_request", "a form");
  await next();
});

/** Events to the queue after the answer: the outbox has them, and the cron hands them over should this fail. */
const queue = (c: Context<AdminEnv>, due: EventMessage[]) =>
  c.executionCtx.waitUntil(handOver(c.env.EVENTS, due).catch((err: unknown) => logUnexpected(c, err)));

/**
 * The console's words in both languages: a static asset (static/console-texts.json, `npm run messages`), read once per
 * isolate through the assets binding, so that they never weigh on the Worker's bundle.
 */
let texts: Promise<Record<Lang, ConsoleTexts>> | undefined;
const consoleTexts = (c: Context<AdminEnv>) => {
  texts ??= c.env.ASSETS.fetch(new Request(new URL("/console-texts.json", c.req.url))).then((res) => {
    if (!res.ok) throw new Error(`console-texts.json: ${res.status}`);
    return res.json() as Promise<Record<Lang, ConsoleTexts>>;
  });
  return texts.catch((err: unknown) => {
    texts = undefined;
    throw err;
  });
};

/** After an action, back to the console (See Other) with what came of it; nothing the operator typed is in the URL. */
const back = (c: Context<AdminEnv>, notice: Notice, section: string) => c.redirect(`/admin?lang=${langOf(c)}&done=${notice}#${section}`, 303);

export const admin = (accessFetch: typeof fetch) =>
  new Hono<AdminEnv>()
    // One log line per request, a refused one too (its error code, never who or what was asked for).
    .use(withStorage("admin"))
    .use(async (c, next) => {
      c.set("operator", await operatorOf(c, accessFetch));
      await next();
    })
    .get("/", async (c) => {
      const config = c.get("config");
      const now = Date.now();
      const days = Array.from({ length: DAYS }, (_, i) => seoulDay(now - (DAYS - 1 - i) * DAY_MS));
      const { signingKey, rsaKey, previousKeys } = config.oidc;
      const done = c.req.query("done");
      const currentKeyId = await keyIdOf(config.keyring.current);
      c.header("Content-Security-Policy", PAGE_CSP);
      c.header("Vary", "Accept-Language");
      const lang = langOf(c);
      const page = renderConsole({
        lang,
        texts: (await consoleTexts(c))[lang],
        serviceTitle: (title) => titleOf(config, title),
        sandbox: config.mode === "sandbox",
        days,
        overview: await overview(c.get("db"), { since: days[0]!, currentKeyId, clientIds: config.oidc.clients.map((k) => k.id), now }),
        currentKeyId,
        signingKeys: [
          ...[signingKey, rsaKey].flatMap((k) => (k ? [{ kid: k.kid, alg: k.alg, current: true }] : [])),
          ...previousKeys.map((p) => ({ ...jwkEntry(p.jwk), current: false })),
        ],
        clients: config.oidc.clients.map((client) => ({
          id: client.id,
          name: client.name,
          confidential: !client.public,
          subjectType: client.subjectType,
          webhook: client.webhook !== undefined,
        })),
        problems: [...new Set(c.get("configProblems").map((p) => p.name))],
        notice: NOTICES.find((n) => n === done),
      });
      return c.html(page, 200);
    })
    .post("/events/:id/redeliver", consolePosts, limitBody, async (c) => {
      const id = c.req.param("id");
      if (!v.is(EventId, id)) return back(c, "redeliver_not_found", "webhooks");
      const queued = await redeliverEvent(c.get("db"), id, c.get("operator").actor, Date.now());
      if (!queued) return back(c, "redeliver_not_found", "webhooks");
      queue(c, [queued]);
      return back(c, "redelivered", "webhooks");
    })
    .post("/erase", consolePosts, limitBody, async (c) => {
      const config = c.get("config");
      const form = await c.req.parseBody();
      const sub = typeof form.sub === "string" ? form.sub.trim() : "";
      const client = config.oidc.clients.find((k) => k.id === form.client_id);
      if (!client || !v.is(Subject, sub)) return back(c, "erase_invalid", "erase");
      const now = Date.now();
      const days = config.rejoinCooldownDays;
      const erased = await erasePerson(c.get("db"), {
        clientId: client.id,
        sub,
        hooked: config.oidc.clients.filter((k) => k.webhook).map((k) => k.id),
        cooldownUntil: days > 0 ? now + days * DAY_MS : null,
        actor: c.get("operator").actor,
        now,
      });
      if (!erased) return back(c, "erase_not_found", "erase");
      queue(
        c,
        erased.events.map((id) => ({ id, tries: 0 })),
      );
      return back(c, "erased", "erase");
    })
    .onError((err, c) => errorPage(c, err));
