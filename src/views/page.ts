import { html, raw } from "hono/html";
import type { Config } from "../config";
import type { Authorization } from "../oidc/authorization";
import { type Lang, MESSAGES } from "./messages";
import { documentStart, titleOf } from "./result-page";

/** What the page knows of the OIDC authorization it runs: the sealed form (to renew its attempt), and the way back. */
export interface PageAuthorization {
  sealed: string;
  authorization: Authorization;
  clientName: string;
  issuer: string;
}

/**
 * A strict policy that still lets the SDK work: scripts only from here and the SDK's origin; frames, forms and
 * connections only to i'mport and the PGs (none at all in sandbox mode, where everything is same-origin).
 */
export function pageCsp(config: Config): string {
  const live = config.mode === "live";
  const { page } = config.provider;
  const sdkOrigin = live ? new URL(page.sdkUrl).origin : "";
  const hosts = live ? ` ${page.hosts.join(" ")}` : "";
  return [
    "default-src 'self'",
    `script-src 'self'${live ? ` ${sdkOrigin}` : ""}`,
    // The SDK styles the frames it injects with inline styles.
    `style-src 'self' 'unsafe-inline'`,
    `img-src 'self' data:${hosts}`,
    `connect-src 'self'${hosts}`,
    `frame-src 'self'${hosts}`,
    `form-action 'self'${hosts}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * The verification page, with its first attempt in it (the body `prepare` would answer), so the start button
 * works without a request of the page's own. Texts come from the shared messages; app.js switches language
 * without a reload.
 */
export function renderPage(config: Config, lang: Lang, attempt: object, runs: { authorization?: PageAuthorization; consent?: string } = {}) {
  const { authorization, consent } = runs;
  const m = MESSAGES[lang];
  const a = authorization?.authorization;
  // The placeholders of the texts, filled the same way by app.js when the language switches.
  const fill = (text: string) =>
    text.replaceAll("{site}", config.serviceName ?? m.this_service).replaceAll("{under}", String(config.guardianConsentUnder));
  const pageConfig = {
    attempt,
    // Inside an OIDC authorization: its sealed form for prepare, and what the way back after a failure needs.
    authorization: authorization
      ? {
          sealed: authorization.sealed,
          client: authorization.clientName,
          redirectUri: a!.redirectUri,
          state: a!.state ?? null,
          iss: authorization.issuer,
        }
      : null,
    // The guardian's page: its link's token, so prepare binds the attempt to it.
    consent: consent ?? null,
    guardianUnder: config.guardianConsentUnder,
    minAge: config.minAge,
    ageRule: config.ageRule,
    providerScript: config.provider.page.script,
    lang,
    messages: MESSAGES,
    sdkUrl: config.provider.page.sdkUrl,
    // Absolute under PUBLIC_URL; else the page resolves it against its own address (never the request's Host).
    redirectUrl: `${config.oidc.publicUrl ?? ""}/certifications/redirect`,
    sandbox: config.mode === "sandbox",
    serviceName: config.serviceName ?? null,
  };
  // JSON inside <script>: escape "<" so no value can close the element.
  const json = JSON.stringify(pageConfig).replace(/</g, "\\u003c");
  const title = consent ? "guardian_title" : "title";
  return html`${documentStart(lang, titleOf(config, m[title]))}
<body>
<main>
  <header>
    <h1 data-text="${title}">${m[title]}</h1>
    <button type="button" class="link" id="language" lang="${lang === "ko" ? "en" : "ko"}">${m.language}</button>
  </header>
  ${config.mode === "sandbox" ? html`<p><span class="badge">SANDBOX</span></p>` : ""}
  <div class="card">
    ${authorization ? html`<p class="requested-by" id="requested-by">${m.requested_by.replaceAll("{site}", authorization.clientName)}</p>` : ""}
    ${
      consent
        ? html`<section class="notice" id="guardian-notice">
      <p data-text="guardian_intro">${fill(m.guardian_intro)}</p>
      <p data-text="guardian_collected">${m.guardian_collected}</p>
      <p data-text="guardian_how">${m.guardian_how}</p>
    </section>`
        : html`<p class="intro" data-text="intro">${m.intro}</p>`
    }
    <button type="button" class="wide" id="start" data-testid="start-verification" disabled data-text="${consent ? "guardian_start" : "start"}">${consent ? m.guardian_start : m.start}</button>
    <p class="status" id="status" role="status" aria-live="polite" tabindex="-1" data-busy="true">${m.preparing}</p>
    <section id="result" class="result" tabindex="-1" hidden>
      <p class="message" id="result-message"></p>
      <p class="detail" id="result-detail" hidden></p>
    </section>
    <section id="guardian" class="guardian" hidden>
      <p data-text="guardian_ask">${m.guardian_ask}</p>
      <div class="qr" id="guardian-qr"></div>
      <p class="consent-link"><span class="label" data-text="guardian_link">${m.guardian_link}</span><br><a id="guardian-link" href="#"></a></p>
      <p role="status" aria-live="polite" id="guardian-wait" data-text="guardian_wait">${m.guardian_wait}</p>
      <p class="detail" id="guardian-deadline"></p>
    </section>
    <a class="button wide" id="back-to-site" hidden data-text="return_to_site">${m.return_to_site}</a>
    <button type="button" class="wide secondary" id="retry" hidden data-text="retry">${m.retry}</button>
  </div>
</main>
<script type="application/json" id="page-config">${raw(json)}</script>
<link rel="modulepreload" href="/window-mode.js">
<link rel="modulepreload" href="${config.provider.page.script}">
<script type="module" src="/app.js"></script>
</body>
</html>`;
}
