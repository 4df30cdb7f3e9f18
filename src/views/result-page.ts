import type { Context } from "hono";
import { html } from "hono/html";
import type { Config } from "../config";
import type { AppEnv } from "../env";
import { ERRORS, type ErrorCode } from "../errors";
import type { VerificationResult } from "../verification/verify";
import { type Lang, MESSAGES, preferredLang } from "./messages";

export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** A page's title: the site's name as people see it (`SERVICE_NAME`), when set, before what the page is. */
export const titleOf = (config: Config, title: string) => (config.serviceName ? `${config.serviceName} · ${title}` : title);

/**
 * The opening of every page: no referrer (URLs here can carry an imp_uid) — or `same-origin` for a page whose form
 * posts back here, so the browser still sends its Origin (under no-referrer a form's Origin is "null") — the shared
 * stylesheet (and a page's own, after it) and icon.
 */
export const documentStart = (
  lang: Lang,
  title: string,
  referrer: "no-referrer" | "same-origin" = "no-referrer",
  stylesheet?: string,
) => html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="${referrer}">
<title>${title}</title>
<link rel="stylesheet" href="/app.css">${
  stylesheet
    ? html`
<link rel="stylesheet" href="${stylesheet}">`
    : ""
}
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>`;

/**
 * What the page shows; `back` is the way back to the OIDC client that sent the visitor (`access_denied`, with the
 * error); `consentUrl` the guardian's link while a child waits for their consent.
 */
type Shown = { result: VerificationResult; consentUrl?: string } | { error: ErrorCode; cancelled?: boolean; back?: string };

/** The guardian's deadline, as people in Korea read a time (KST); the page's script shows it in the visitor's own zone. */
export const deadlineText = (lang: Lang, at: number) =>
  `${new Intl.DateTimeFormat(lang === "ko" ? "ko-KR" : "en-GB", { timeZone: "Asia/Seoul", dateStyle: "medium", timeStyle: "short" }).format(at)} KST`;

/** Errors that trying again cannot change: the page offers no "try again". */
const FINAL: readonly ErrorCode[] = ["age_restricted", "rejoin_cooldown"];

/**
 * The redirect URL's result page, in one language with a link to the other (the same URL: a repeated verification
 * answers the same). Everything interpolated is escaped by `html`.
 */
export function renderResultPage(shown: Shown, lang: Lang, context: { config: Config; switchTo: string; self: string }) {
  const m = MESSAGES[lang];
  const { config } = context;
  const other: Lang = lang === "ko" ? "en" : "ko";
  const result = "result" in shown ? shown.result : undefined;
  const consented = result?.consentedAt !== undefined && result.outcome !== "guardian_consented";
  const message = result
    ? consented && result.outcome === "new_user"
      ? m.new_user_with_consent
      : m[result.outcome].replace("{under}", String(config.guardianConsentUnder))
    : "error" in shown && shown.cancelled
      ? m.cancelled
      : m.errors[(shown as { error: ErrorCode }).error];
  const detail = "error" in shown && shown.error === "age_restricted" ? m[`age_limit_${config.ageRule}`].replace("{n}", String(config.minAge)) : "";
  const kind = result ? (result.outcome === "existing_user" ? "info" : "ok") : "error";
  const hook = result
    ? html`<section class="result ${kind}" role="status" data-outcome="${result.outcome}"${consented ? html` data-guardian-consent="true"` : ""}>`
    : html`<section class="result error" role="alert" data-error-code="${(shown as { error: ErrorCode }).error}">`;
  const pending =
    result?.outcome === "guardian_required" && "consentUrl" in shown ? { url: shown.consentUrl, at: result.guardian!.expiresAt } : undefined;
  const title = result?.outcome === "guardian_consented" ? m.guardian_title : m.title;
  const back = "back" in shown ? shown.back : undefined;
  const final = "error" in shown && FINAL.includes(shown.error);
  return html`${documentStart(lang, titleOf(config, title))}
<body>
<main>
<header>
<h1>${title}</h1>
<a class="link" href="${context.switchTo}" lang="${other}">${m.language}</a>
</header>
${config.mode === "sandbox" ? html`<p><span class="badge">SANDBOX</span></p>` : ""}
<div class="card">
${hook}
<p class="message">${message}</p>
${detail ? html`<p class="detail">${detail}</p>` : ""}
${result && "user" in result ? html`<p class="who"><span class="label">${m.name_label}:</span> ${result.user.name}</p>` : ""}
</section>
${
  pending
    ? html`<section class="guardian" id="guardian" data-consent-url="${pending.url}" data-expires-at="${new Date(pending.at).toISOString()}" data-reload="true">
<p>${m.guardian_ask}</p>
<div class="qr" id="guardian-qr" role="img" aria-label="${m.guardian_qr}"></div>
<p class="consent-link"><span class="label">${m.guardian_link}</span><br><a id="guardian-link" href="${pending.url}">${pending.url}</a></p>
<p role="status" aria-live="polite" id="guardian-wait">${m.guardian_wait}</p>
<p class="detail" id="guardian-deadline">${m.guardian_deadline.replace("{time}", deadlineText(lang, pending.at))}</p>
<p><a class="button wide secondary" href="${context.self}">${m.guardian_check}</a></p>
</section>
<script type="module" src="/guardian.js"></script>`
    : ""
}
${back ? html`<p><a class="button wide" href="${back}">${m.return_to_site}</a></p>` : ""}
${final || pending || result?.outcome === "guardian_consented" ? "" : html`<p><a class="button wide${back ? " secondary" : ""}" href="/">${result ? m.back : m.retry}</a></p>`}
</div>
</main>
</body>
</html>`;
}

/**
 * A result page, with the strict CSP of a page that runs no script — but for a child waiting for a guardian, whose
 * page draws the QR code and asks, by itself, whether the guardian has consented (scripts and requests to here only).
 */
export function resultPage<E extends AppEnv>(c: Context<E>, shown: Shown, status?: 200 | 202) {
  const waiting = "consentUrl" in shown && shown.consentUrl !== undefined;
  c.header("Content-Security-Policy", waiting ? `${PAGE_CSP}; script-src 'self'; connect-src 'self'` : PAGE_CSP);
  c.header("Vary", "Accept-Language");
  const lang = langOf(c);
  const switchTo = new URL(c.req.url);
  switchTo.searchParams.set("lang", lang === "ko" ? "en" : "ko");
  const self = new URL(c.req.url);
  const page = renderResultPage(shown, lang, {
    config: c.get("config"),
    switchTo: `${switchTo.pathname}${switchTo.search}`,
    self: `${self.pathname}${self.search}`,
  });
  return c.html(page, "error" in shown ? ERRORS[shown.error].status : (status ?? 200));
}

/** The page's language: `?lang=`, else what the request names (ui_locales, an authorization's), else Accept-Language. */
export function langOf<E extends AppEnv>(c: Context<E>, named?: string): Lang {
  const requested = c.req.query("lang") ?? named;
  return requested === "ko" || requested === "en" ? requested : preferredLang(c.req.header("Accept-Language"));
}

/**
 * A page of its own, with no script: the document's start, its title and the link to the other language, one card.
 * `csp` and `referrer` for a page whose form posts (form-action, and an Origin the browser still sends).
 */
export function framedPage<E extends AppEnv>(
  c: Context<E>,
  p: { lang: Lang; title: string; switchTo: string; card: ReturnType<typeof html>; csp?: string; referrer?: "same-origin" },
) {
  c.header("Content-Security-Policy", p.csp ?? PAGE_CSP);
  c.header("Vary", "Accept-Language");
  const other: Lang = p.lang === "ko" ? "en" : "ko";
  return c.html(
    html`${documentStart(p.lang, titleOf(c.get("config"), p.title), p.referrer)}
<body>
<main>
<header>
<h1>${p.title}</h1>
<a class="link" href="${p.switchTo}" lang="${other}">${MESSAGES[p.lang].language}</a>
</header>
<div class="card">
${p.card}
</div>
</main>
</body>
</html>`,
    200,
  );
}

/**
 * RP-Initiated Logout's page, when no client's URI was given to go back to: signed out, in the visitor's language
 * (its switch link names only the language: an `id_token_hint` in the request is never repeated).
 */
export function signedOutPage<E extends AppEnv>(c: Context<E>) {
  const lang = langOf(c, c.req.query("ui_locales")?.split(" ")[0]);
  const m = MESSAGES[lang];
  return framedPage(c, {
    lang,
    title: m.signed_out_title,
    switchTo: `/logout?lang=${lang === "ko" ? "en" : "ko"}`,
    card: html`<section class="result info" role="status" data-signed-out="true">
<p class="message">${m.signed_out}</p>
</section>`,
  });
}
