import type { Context } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../env";
import { type Lang, MESSAGES } from "./messages";
import { framedPage, langOf, PAGE_CSP } from "./result-page";

/** What the consent page shows: the client, its purpose and retention, the scope asked for, and where the form posts. */
export interface ConsentShown {
  clientName: string;
  purpose: string;
  retention: string;
  scope: string;
  attemptId: string;
  /** The client's origin: after the form, the answer redirects there (CSP form-action follows redirects). */
  clientOrigin: string;
  lang?: Lang;
}

/**
 * The consent to provision (PIPA §17), after a verification and before the third-party client's code: the recipient,
 * the items in words, the purpose, the retention, that refusing is allowed and what it means, and two buttons.
 * Everything interpolated is escaped by `html`; no script.
 */
export function consentPage<E extends AppEnv>(c: Context<E>, shown: ConsentShown) {
  const lang = langOf(c, shown.lang);
  const m = MESSAGES[lang];
  const withClient = (text: string) => text.replaceAll("{client}", shown.clientName);
  const items = [withClient(m.consent_items_openid), ...(shown.scope.split(" ").includes("profile") ? [m.consent_items_profile] : [])];
  c.header("Cache-Control", "no-store");
  return framedPage(c, {
    lang,
    title: m.consent_title,
    switchTo: `/consent?attempt=${encodeURIComponent(shown.attemptId)}&lang=${lang === "ko" ? "en" : "ko"}`,
    csp: PAGE_CSP.replace("form-action 'self'", `form-action 'self' ${shown.clientOrigin}`),
    referrer: "same-origin",
    card: html`<section class="consent" data-consent="true" aria-labelledby="consent-intro">
<p id="consent-intro">${withClient(m.consent_intro)}</p>
<dl class="consent-terms">
<dt>${m.consent_recipient}</dt><dd>${shown.clientName}</dd>
<dt>${m.consent_items}</dt><dd><ul>${items.map((item) => html`<li>${item}</li>`)}</ul></dd>
<dt>${m.consent_purpose}</dt><dd>${shown.purpose}</dd>
<dt>${m.consent_retention}</dt><dd>${shown.retention}</dd>
</dl>
<p class="detail">${withClient(m.consent_refuse)}</p>
<form method="post" action="/consent">
<input type="hidden" name="attempt" value="${shown.attemptId}">
<p><button class="button wide" type="submit" name="decision" value="agree" data-testid="consent-agree">${m.consent_agree}</button></p>
<p><button class="button wide secondary" type="submit" name="decision" value="decline" data-testid="consent-decline">${m.consent_decline}</button></p>
</form>
</section>`,
  });
}
