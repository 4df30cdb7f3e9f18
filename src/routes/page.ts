import { Hono } from "hono";
import type { AppEnv } from "../env";
import { requireConfig } from "../http/security";
import { preferredLang } from "../views/messages";
import { pageCsp, renderPage } from "../views/page";
import { errorPage } from "../views/result-page";
import { startAttempt } from "./verification";

/** The verification page, ready to start: it carries a fresh attempt and sets the binding cookie. An HTML route,
 * so its errors are pages too. */
export const page = new Hono<AppEnv>()
  .get("/", requireConfig, async (c) => {
    const config = c.get("config");
    const attempt = await startAttempt(c);
    const requested = c.req.query("lang");
    const lang = requested === "ko" || requested === "en" ? requested : preferredLang(c.req.header("Accept-Language"));
    c.header("Content-Security-Policy", pageCsp(config));
    c.header("Vary", "Accept-Language");
    return c.html(renderPage(config, lang, new URL(c.req.url).origin, attempt));
  })
  .onError((err, c) => errorPage(c, err));
