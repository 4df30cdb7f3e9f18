import type { Context } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../env";
import { ERRORS, toAppError, type ErrorCode } from "../errors";
import { logUnexpected } from "../http/log";
import type { VerificationResult } from "../verification/verify";
import { MESSAGES, preferredLang, type Lang } from "./messages";

export const PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The opening of every page: no referrer (URLs here can carry an imp_uid), the shared stylesheet and icon. */
export const documentStart = (lang: Lang, title: string) => html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="stylesheet" href="/app.css">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>`;

/** What the page shows; `back` is a link to the site that sent the visitor (`return_to`, with the error). */
type Shown = { result: VerificationResult } | { error: ErrorCode; cancelled?: boolean; back?: string };

/** The `m_redirect_url` result page. Everything interpolated is escaped by `html`. */
export function renderResultPage(shown: Shown, lang: Lang) {
  const other: Lang = lang === "ko" ? "en" : "ko";
  const text = (l: Lang) =>
    "result" in shown
      ? MESSAGES[l][shown.result.outcome]
      : shown.cancelled
        ? MESSAGES[l].cancelled
        : MESSAGES[l].errors[shown.error];
  const hook =
    "result" in shown
      ? html`<section class="result ok" role="status" data-outcome="${shown.result.outcome}">`
      : html`<section class="result error" role="alert" data-error-code="${shown.error}">`;
  return html`${documentStart(lang, MESSAGES[lang].title)}
<body>
<main>
<h1>${MESSAGES[lang].title}</h1>
<div class="card">
${hook}
<p class="message">${text(lang)}</p>
<p class="message secondary" lang="${other}">${text(other)}</p>
${"result" in shown ? html`<p class="who">${shown.result.user.name}</p>` : ""}
</section>
${"back" in shown && shown.back ? html`<p><a class="button wide" href="${shown.back}">${MESSAGES[lang].return_to_site}</a></p>` : ""}
<p><a class="button wide${"back" in shown && shown.back ? " secondary" : ""}" href="/">${"result" in shown ? MESSAGES[lang].back : MESSAGES[lang].retry}</a></p>
</div>
</main>
</body>
</html>`;
}

/** A result page, with the strict CSP of a page that runs no script. */
export function resultPage(c: Context<AppEnv>, shown: Shown) {
  c.header("Content-Security-Policy", PAGE_CSP);
  const lang = preferredLang(c.req.header("Accept-Language"));
  return c.html(renderResultPage(shown, lang), "error" in shown ? ERRORS[shown.error].status : 200);
}

/**
 * The error handler of the HTML routes: whatever was thrown becomes a page with the table's status and
 * `data-error-code`, never JSON; an unexpected fault is logged and shown as `internal_error`.
 */
export function errorPage(c: Context<AppEnv>, err: unknown, options: { cancelled?: boolean; back?: (code: ErrorCode) => string | undefined } = {}) {
  const error = toAppError(err);
  if (error.code === "internal_error") logUnexpected(c, err);
  return resultPage(c, { error: error.code, cancelled: options.cancelled, back: options.back?.(error.code) });
}
