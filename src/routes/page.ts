import { Hono } from "hono";
import type { AppEnv } from "../env";
import { requireConfig } from "../http/security";
import { preferredLang } from "../views/messages";
import { pageCsp, renderPage } from "../views/page";
import { errorPage } from "../views/result-page";

/** The verification page: an HTML route, so its errors are pages too. */
export const page = new Hono<AppEnv>()
  .get("/", requireConfig, (c) => {
    const { config } = c.var;
    const requested = c.req.query("lang");
    const lang = requested === "ko" || requested === "en" ? requested : preferredLang(c.req.header("Accept-Language"));
    c.header("Content-Security-Policy", pageCsp(config));
    c.header("Vary", "Accept-Language");
    return c.html(renderPage(config, lang, new URL(c.req.url).origin));
  })
  .onError((err, c) => errorPage(c, err));
