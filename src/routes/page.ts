import type { Context } from "hono";
import { Hono } from "hono/tiny";
import type { AppEnv } from "../env";
import { startAttempt } from "../flows/attempts";
import { errorPage } from "../http/error-page";
import { requireConfig } from "../http/security";
import { type Lang, preferredLang } from "../views/messages";
import { type PageAuthorization, pageCsp, renderPage } from "../views/page";

/**
 * The verification page, ready to start: it carries a fresh attempt (running the authorization, if any) and sets
 * the binding cookie. Nothing is stored.
 */
export async function showPage<E extends AppEnv>(c: Context<E>, runs: { authorization?: PageAuthorization; consent?: string } = {}) {
  const { authorization, consent } = runs;
  const config = c.get("config");
  const attempt = await startAttempt(c, { authorization: authorization?.sealed, consent });
  const requested = c.req.query("lang") ?? authorization?.authorization.lang;
  const lang: Lang = requested === "ko" || requested === "en" ? requested : preferredLang(c.req.header("Accept-Language"));
  c.header("Content-Security-Policy", pageCsp(config));
  c.header("Vary", "Accept-Language");
  return c.html(renderPage(config, lang, attempt, runs));
}

/** The verification page of the app's own flow (no OIDC client): an HTML route, so its errors are pages too. */
export const page = new Hono<AppEnv>().get("/", requireConfig, (c) => showPage(c)).onError((err, c) => errorPage(c, err));
