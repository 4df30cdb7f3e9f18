import { html, raw } from "hono/html";
import type { Config } from "../config";
import type { Authorization } from "../oidc/authorization";
import { SMS_CARRIERS } from "../providers/provider";
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
 * A strict policy that still lets the provider's SDK work: in live mode, exactly the sources the provider's SDK and
 * its PG's window need (declared with each provider and PG); in sandbox mode nothing but the app's own origin.
 */
export function pageCsp(config: Config): string {
  const { script = [], connect = [], frame = [], form = [] } = config.mode === "live" ? config.provider.page.csp : {};
  const self = (sources: readonly string[]) => ["'self'", ...sources].join(" ");
  return [
    "default-src 'self'",
    `script-src ${self(script)}`,
    // The SDKs style the frames and overlays they inject with inline styles.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src ${self(connect)}`,
    `frame-src ${self(frame)}`,
    `form-action ${self(form)}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** JSON inside <script>: "<" escaped, so no value can close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

/** Where the page's JSON goes in its cached markup. No text of ours contains it; it is cut out, never served. */
const CONFIG_SLOT = "\u0000page-config\u0000";

/**
 * The markup of the page around its JSON, per configuration, language, page kind (a guardian's or not) and the
 * OIDC client asking: everything else a page carries is in its JSON. Configured clients are few, so this stays
 * small; it is rebuilt only when the configuration (and so the Config object) changes. It pays: with the texts moved
 * to static/messages-{ko,en}.js, a page view went from 1.11 to 0.63 ms of CPU (bench/README.md).
 */
const shells = new WeakMap<Config, Map<string, [string, string]>>();

function shellOf(config: Config, lang: Lang, guardian: boolean, clientName: string | undefined): [string, string] {
  let byKind = shells.get(config);
  if (!byKind) {
    byKind = new Map();
    shells.set(config, byKind);
  }
  const key = `${lang}\n${guardian ? "g" : ""}\n${clientName ?? ""}`;
  let shell = byKind.get(key);
  if (!shell) {
    const markup = String(pageMarkup(config, lang, guardian, clientName));
    const at = markup.indexOf(CONFIG_SLOT);
    shell = [markup.slice(0, at), markup.slice(at + CONFIG_SLOT.length)];
    byKind.set(key, shell);
  }
  return shell;
}

/**
 * The verification page, with its first attempt in it (the body `prepare` would answer), so the start button
 * works without a request of the page's own. Its markup is in its language; app.js takes the texts of that language
 * from static/messages-{lang}.js (generated from the same messages), and the other's when the person switches,
 * without a reload.
 */
export function renderPage(config: Config, lang: Lang, attempt: object, runs: { authorization?: PageAuthorization; consent?: string } = {}) {
  const { authorization, consent } = runs;
  const a = authorization?.authorization;
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
    verifyMethod: config.verifyMethod,
    minAge: config.minAge,
    ageRule: config.ageRule,
    providerScript: config.provider.page.script,
    lang,
    sdkUrl: config.provider.page.sdkUrl,
    // Absolute under PUBLIC_URL; else the page resolves it against its own address (never the request's Host).
    redirectUrl: `${config.oidc.publicUrl ?? ""}/certifications/redirect`,
    sandbox: config.mode === "sandbox",
    serviceName: config.serviceName ?? null,
  };
  const [before, after] = shellOf(config, lang, Boolean(consent), authorization?.clientName);
  return before + scriptJson(pageConfig) + after;
}

/** The page's markup (a guardian's page or a person's own), its JSON left as CONFIG_SLOT. */
function pageMarkup(config: Config, lang: Lang, guardian: boolean, clientName: string | undefined) {
  const m = MESSAGES[lang];
  // The placeholders of the texts, filled the same way by app.js when the language switches.
  const fill = (text: string) =>
    text.replaceAll("{site}", config.serviceName ?? m.this_service).replaceAll("{under}", String(config.guardianConsentUnder));
  const title = guardian ? "guardian_title" : "title";
  const sms = config.verifyMethod !== "window";
  return html`${documentStart(lang, titleOf(config, m[title]))}
<body>
<main>
  <header>
    <h1 data-text="${title}">${m[title]}</h1>
    <button type="button" class="link" id="language" lang="${lang === "ko" ? "en" : "ko"}">${m.language}</button>
  </header>
  ${config.mode === "sandbox" ? html`<p><span class="badge">SANDBOX</span></p>` : ""}
  <div class="card">
    ${clientName !== undefined ? html`<p class="requested-by" id="requested-by">${m.requested_by.replaceAll("{site}", clientName)}</p>` : ""}
    ${
      guardian
        ? html`<section class="notice" id="guardian-notice">
      <p data-text="guardian_intro">${fill(m.guardian_intro)}</p>
      <p data-text="guardian_collected">${m.guardian_collected}</p>
      <p data-text="guardian_how">${m.guardian_how}</p>
    </section>`
        : html`<p class="intro" data-text="intro">${m.intro}</p>`
    }
    ${sms ? smsForm(m) : ""}
    ${config.verifyMethod === "both" ? html`<p class="or" data-text="sms_or_window">${m.sms_or_window}</p>` : ""}
    <button type="button" class="wide${config.verifyMethod === "both" ? " secondary" : ""}" id="start" data-testid="start-verification" disabled
      ${config.verifyMethod === "sms" ? "hidden" : ""} data-text="${guardian ? "guardian_start" : "start"}">${guardian ? m.guardian_start : m.start}</button>
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
<script type="application/json" id="page-config">${raw(CONFIG_SLOT)}</script>
${sms ? html`<link rel="modulepreload" href="/sms.js">` : ""}
<link rel="modulepreload" href="/messages-${lang}.js">
<link rel="modulepreload" href="/window-mode.js">
<link rel="modulepreload" href="${config.provider.page.script}">
<script type="module" src="/app.js"></script>
</body>
</html>`;
}

const AGREEMENTS = ["privacy", "unique_id", "carrier", "service"] as const;

type Messages = (typeof MESSAGES)[Lang];

/**
 * The in-page SMS form (static/sms.js drives it): labelled fields named as the JSON fields, the 7th digit masked,
 * the four agreements the carriers require, each with its text; then the code, its time left, and a resend.
 */
function smsForm(m: Messages) {
  const hinted = (id: string, name: string, label: keyof Messages, hint: keyof Messages | null, attrs: string) =>
    html`<label for="${id}" data-text="${label}">${m[label]}</label>
      <input id="${id}" name="${name}" ${raw(attrs)}${hint ? raw(` aria-describedby="${id}-hint"`) : ""} required>
      ${hint ? html`<p class="hint" id="${id}-hint" data-text="${hint}">${m[hint]}</p>` : ""}`;
  return html`<section class="sms-flow" id="sms" aria-labelledby="sms-title">
  <h2 id="sms-title" data-text="sms_title">${m.sms_title}</h2>
  <p class="intro" data-text="sms_intro">${m.sms_intro}</p>
  <form id="sms-form" novalidate>
    ${hinted("sms-name", "name", "sms_name", null, 'autocomplete="name" maxlength="50"')}
    ${hinted("sms-birth", "birth", "sms_birth", "sms_birth_hint", 'inputmode="numeric" autocomplete="off" maxlength="6" pattern="[0-9]{6}"')}
    ${hinted("sms-gender-digit", "gender_digit", "sms_gender_digit", "sms_gender_hint", 'type="password" inputmode="numeric" autocomplete="off" maxlength="1" pattern="[1-8]"')}
    <label for="sms-carrier" data-text="sms_carrier">${m.sms_carrier}</label>
    <select id="sms-carrier" name="carrier" required>
      ${SMS_CARRIERS.map((c) => html`<option value="${c}" data-text="sms_carrier_${c}">${m[`sms_carrier_${c}`]}</option>`)}
    </select>
    ${hinted("sms-phone", "phone", "sms_phone", "sms_phone_hint", 'type="tel" inputmode="numeric" autocomplete="tel-national" maxlength="11"')}
    <fieldset class="agreements">
      <legend data-text="sms_agreements">${m.sms_agreements}</legend>
      <label class="check"><input type="checkbox" id="sms-agree-all"> <span data-text="sms_agree_all">${m.sms_agree_all}</span></label>
      ${AGREEMENTS.map(
        (a) => html`<div class="agreement">
        <label class="check"><input type="checkbox" name="agree" value="${a}" required> <span data-text="sms_agree_${a}">${m[`sms_agree_${a}`]}</span></label>
        <details><summary data-text="sms_read">${m.sms_read}</summary><p data-text="sms_agree_${a}_text">${m[`sms_agree_${a}_text`]}</p></details>
      </div>`,
      )}
    </fieldset>
    <p class="form-error" id="sms-error" role="alert" hidden></p>
    <button type="submit" class="wide" data-testid="sms-send" data-text="sms_send">${m.sms_send}</button>
  </form>
  <form id="otp-form" novalidate hidden>
    <p role="status" data-text="sms_sent">${m.sms_sent}</p>
    <label for="sms-otp" data-text="sms_otp">${m.sms_otp}</label>
    <input id="sms-otp" name="otp" inputmode="numeric" autocomplete="one-time-code" maxlength="6" pattern="[0-9]{6}" aria-describedby="sms-timer" required>
    <p class="hint" id="sms-timer"></p>
    <p class="badge-note" id="sms-sandbox" hidden></p>
    <p class="form-error" id="otp-error" role="alert" hidden></p>
    <button type="submit" class="wide" data-testid="sms-confirm" data-text="sms_confirm">${m.sms_confirm}</button>
    <button type="button" class="wide secondary" id="sms-resend" disabled data-text="sms_resend">${m.sms_resend}</button>
    <p class="hint" id="sms-resend-in" aria-live="polite"></p>
    <button type="button" class="link" id="sms-change" data-text="sms_change">${m.sms_change}</button>
  </form>
</section>`;
}
