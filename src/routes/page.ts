import { Hono } from "hono";
import type { AppEnv } from "../env";
import { startAttempt } from "../http/attempts";
import { requestedReturnTo } from "../http/return-to";
import { requireConfig } from "../http/security";
import { preferredLang } from "../views/messages";
import { pageCsp, renderPage } from "../views/page";
import { errorPage } from "../views/result-page";

/** The verification page, ready to start: it carries a fresh attempt and sets the binding cookie. An HTML route,
 * so its errors are pages too. */
export const page = new Hono<AppEnv>()
  .get("/", requireConfig, async (c) => {
    const config = c.get("config");
    // A `return_to` that is not allowed starts nothing: the page is a 400 (or 503 without a receipt key).
    const returnTo = requestedReturnTo(c, c.req.query("return_to"));
    const attempt = await startAttempt(c, returnTo);
    const requested = c.req.query("lang");
    const lang = requested === "ko" || requested === "en" ? requested : preferredLang(c.req.header("Accept-Language"));
    c.header("Content-Security-Policy", pageCsp(config));
    c.header("Vary", "Accept-Language");
    return c.html(renderPage(config, lang, new URL(c.req.url).origin, attempt, returnTo?.href));
  })
  .onError((err, c) => errorPage(c, err));
