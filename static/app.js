// The verification page: it arrives with an attempt already in its HTML (so the popup opens within the click's user
// activation, with no request before it), renews it through prepare before it expires, runs the provider's SDK
// through its driver (static/providers/), sends the result's id to the server and shows what the server decided.
// The texts (generated from src/views/messages.ts, a module per language): the page's language now, the other one
// when the person switches.
import { usePopup } from "/window-mode.js";

const config = JSON.parse(document.getElementById("page-config").textContent);
const textsOf = async (lang) => (await import(`/messages-${lang}.js`)).default;
const MESSAGES = { [config.lang]: await textsOf(config.lang) };
const $ = (id) => document.getElementById(id);
const ui = {
  back: $("back-to-site"),
  start: $("start"),
  status: $("status"),
  result: $("result"),
  message: $("result-message"),
  detail: $("result-detail"),
  retry: $("retry"),
  language: $("language"),
  guardian: $("guardian"),
  guardianQr: $("guardian-qr"),
  guardianLink: $("guardian-link"),
  guardianDeadline: $("guardian-deadline"),
  sms: $("sms"),
};

const query = new URLSearchParams(location.search);
const popup = usePopup({
  userAgent: navigator.userAgent,
  touchPoints: navigator.maxTouchPoints,
  mobileHint: navigator.userAgentData?.mobile,
  forced: query.get("mode"),
});

/** Set when the browser refuses a window the provider's SDK opens: the popup was blocked. */
let popupBlocked = false;
const nativeOpen = window.open;
window.open = (...args) => {
  const opened = nativeOpen.apply(window, args);
  if (!opened) popupBlocked = true;
  return opened;
};

let lang = config.lang;
let attempt = null; // { merchant_uid, expires_at, imp_code, params }
let renewTimer = null;
let shown = { status: "preparing", busy: true }; // what is on screen, by message key, so a language switch can redraw it

/** The configured provider's driver (static/providers/): its SDK, once loaded, and how to start an attempt with it. */
const provider = await import(config.providerScript);
const sdk = provider.sdk;

/** static/guardian.js, loaded only for a child who waits for a guardian (most visitors never need it). */
let guardian = null;

/** A message, its placeholders filled: the site's name, the age under which a guardian consents. */
const t = (key) =>
  MESSAGES[lang][key]?.replaceAll("{site}", config.serviceName ?? MESSAGES[lang].this_service).replaceAll("{under}", String(config.guardianUnder));

/** Inside an OIDC authorization, the way back to the client after a failure: access_denied with our code. */
function deniedUrl(code) {
  const { redirectUri, state, iss } = config.authorization;
  const url = new URL(redirectUri);
  url.searchParams.set("error", "access_denied");
  url.searchParams.set("error_description", code);
  if (state !== null) url.searchParams.set("state", state);
  url.searchParams.set("iss", iss);
  return url.href;
}
const errorText = (code) => MESSAGES[lang].errors[code] ?? MESSAGES[lang].errors.internal_error;
/** A failure the provider's SDK reported: its message (PortOne writes them in Korean) and its code, in our words around them. */
const sdkText = ({ message, code }) =>
  [message && t("sdk_said").replace("{message}", () => message), code && t("sdk_code").replace("{code}", () => code)].filter(Boolean).join(" ");
/** Under age: which age, under which rule. */
const ageLimit = () => t(`age_limit_${config.ageRule}`).replace("{n}", String(config.minAge));
/** Errors that trying again cannot change. */
const FINAL = new Set(["age_restricted", "rejoin_cooldown"]);
/** Set by "try again": once the new attempt is ready, focus goes to the start button (not lost to the page). */
let focusStartWhenReady = false;

function render() {
  document.documentElement.lang = lang;
  document.title = config.serviceName ? `${config.serviceName} · ${t("title")}` : t("title");
  for (const el of document.querySelectorAll("[data-text]")) el.textContent = t(el.dataset.text);
  ui.language.textContent = t("language");
  ui.language.lang = lang === "ko" ? "en" : "ko";
  ui.status.textContent = shown.status ? t(shown.status) : "";
  ui.status.hidden = !shown.status;
  ui.status.dataset.busy = String(Boolean(shown.busy));
  ui.result.hidden = !shown.result;
  if (shown.result) {
    const { outcome, error, cancelled, detailKey, sdk, consented } = shown.result;
    const said = consented && outcome === "new_user" ? "new_user_with_consent" : outcome;
    ui.message.textContent = outcome ? t(said) : cancelled ? t("cancelled") : errorText(error);
    // detailKey: one of our messages; sdk: what the provider's SDK said (its own text, and its code), as text only.
    ui.detail.textContent = error === "age_restricted" ? ageLimit() : [detailKey && t(detailKey), sdk && sdkText(sdk)].filter(Boolean).join(" ");
    ui.detail.hidden = !ui.detail.textContent;
  }
  ui.retry.textContent = shown.result?.outcome ? t("back") : t("retry");
  // A child waiting for a guardian: the link, its QR code and the deadline.
  ui.guardian.hidden = !shown.guardian;
  if (shown.guardian && guardian) {
    ui.guardianLink.href = shown.guardian.url;
    ui.guardianLink.textContent = shown.guardian.url;
    guardian.drawQr(ui.guardianQr, shown.guardian.url, t("guardian_qr"));
    ui.guardianDeadline.textContent = t("guardian_deadline").replace("{time}", guardian.localTime(shown.guardian.expiresAt, lang));
  }
  // After a failure inside an OIDC authorization, the client gets the visitor back with the error, if they want.
  const error = shown.result && !shown.result.outcome ? shown.result.error : null;
  ui.back.hidden = !(error && config.authorization);
  if (error && config.authorization) ui.back.href = deniedUrl(error);
}

/** Outcomes after which there is nothing to start over: a child waiting for a guardian, a guardian who consented. */
const SETTLED = new Set(["guardian_required", "guardian_consented"]);

function show(next) {
  shown = next;
  ui.retry.hidden = !next.result || FINAL.has(next.result.error) || SETTLED.has(next.result.outcome);
  ui.start.hidden = Boolean(next.result) || config.verifyMethod === "sms";
  if (ui.sms) ui.sms.hidden = Boolean(next.result);
  const outcome = next.result?.outcome;
  ui.result.className = `result ${outcome === "existing_user" ? "info" : outcome ? "ok" : "error"}`;
  ui.result.removeAttribute("data-outcome");
  ui.result.removeAttribute("data-error-code");
  ui.result.removeAttribute("role");
  ui.result.removeAttribute("data-guardian-consent");
  if (next.result?.outcome) {
    ui.result.dataset.outcome = next.result.outcome;
    if (next.result.consented && next.result.outcome !== "guardian_consented") ui.result.dataset.guardianConsent = "true";
    ui.result.setAttribute("role", "status");
  } else if (next.result) {
    ui.result.dataset.errorCode = next.result.error;
    ui.result.setAttribute("role", "alert");
  }
  render();
  if (next.result) ui.result.focus();
}

async function postJson(path, body) {
  let res;
  try {
    res = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    return { ok: false, error: "internal_error", detailKey: "network" };
  }
  const json = await res.json().catch(() => null);
  return res.ok ? { ok: true, status: res.status, json } : { ok: false, error: json?.error?.code ?? "internal_error" };
}

const failure = (res) => ({ result: { error: res.error, detailKey: res.detailKey } });

/** The margin before expiry at which the page renews its attempt, so a click always starts a live one. */
const RENEW_BEFORE_MS = 60_000;

function adopt(next) {
  clearTimeout(renewTimer);
  attempt = next;
  sms?.reset();
  const renewIn = Date.parse(attempt.expires_at) - Date.now() - RENEW_BEFORE_MS;
  renewTimer = setTimeout(() => shown.result || shown.busy || prepare(), Math.max(renewIn, 5_000));
  ui.start.disabled = !sdk();
  if (sdk()) show({ status: "", busy: false });
  focusStartIfAsked();
}

function focusStartIfAsked() {
  if (!focusStartWhenReady || ui.start.disabled || ui.start.hidden) return;
  focusStartWhenReady = false;
  ui.start.focus();
}

async function prepare() {
  clearTimeout(renewTimer);
  ui.start.disabled = true;
  const res = await postJson("/certifications/prepare", {
    ...(config.authorization ? { authorization: config.authorization.sealed } : {}),
    ...(config.consent ? { consent: config.consent } : {}),
  });
  if (!res.ok) {
    attempt = null;
    return show(failure(res));
  }
  adopt(res.json);
}

/** The attempt the HTML came with, unless it is about to expire (a page restored from the browser's cache). */
function initialAttempt() {
  const embedded = config.attempt;
  if (embedded && Date.parse(embedded.expires_at) - Date.now() > RENEW_BEFORE_MS) return adopt(embedded);
  return prepare();
}

function loadSdk() {
  return new Promise((resolve, reject) => {
    if (sdk()) return resolve();
    const script = document.createElement("script");
    script.src = config.sdkUrl;
    script.onload = () => (sdk() ? resolve() : reject(new Error("no SDK")));
    script.onerror = () => reject(new Error("sdk"));
    document.head.append(script);
  });
}

/**
 * Failures the same result gets past once the provider or the network recovers (the server keeps the attempt
 * usable): "try again" sends it again instead of a new verification through the carrier's window.
 */
const RESUBMIT = new Set(["upstream_error", "upstream_timeout", "upstream_unauthorized"]);
/** The last body sent for verification, while "try again" may send it again. */
let submitted = null;

/**
 * Sends a result for verification and shows the answer; `answered` is an answer already in hand (the SMS form's
 * confirm), with `body` what POST /certifications takes to ask again.
 */
async function verify(body, answered) {
  show({ status: "verifying", busy: true });
  const res = answered ?? (await postJson("/certifications", body));
  attempt = null;
  submitted = !res.ok && (RESUBMIT.has(res.error) || res.detailKey === "network") ? body : null;
  const consented = Boolean(res.json?.guardian_consent);
  if (res.ok && res.json.redirect_to) {
    // Inside an OIDC authorization: on to the client with the code (the URL carries nothing else).
    show({ result: { outcome: res.json.outcome, consented } });
    return location.assign(res.json.redirect_to);
  }
  if (res.ok && res.status === 202) {
    // A child: a parent or guardian consents on their own phone; this page moves on by itself once they have.
    const { consent_url: url, expires_at: expiresAt } = res.json.guardian;
    guardian ??= await import("/guardian.js");
    show({ result: { outcome: res.json.outcome }, guardian: { url, expiresAt } });
    return guardian.waitForGuardian((status) => (status === "active" ? verify(body) : show({ result: { error: "consent_expired" } })));
  }
  if (res.ok) return show({ result: { outcome: res.json.outcome, consented } });
  show(failure(res));
}

/** The SDK reported a failure (a cancel included), or could not open its window at all. */
const failed = ({ message, code, unopened } = {}) => {
  attempt = null;
  const sdk = message || code ? { message, code } : null;
  show({ result: { error: "not_certified", cancelled: true, detailKey: unopened ? "sdk_window_failed" : null, sdk } });
};

/** Where redirect mode comes back to, in the language the person chose. */
function redirectUrl() {
  // Absolute under PUBLIC_URL; otherwise this page's own origin.
  const url = new URL(config.redirectUrl, location.href);
  url.searchParams.set("lang", lang);
  return url.href;
}

/**
 * Runs the provider's SDK: synchronously in the click handler (browsers block popups opened later). A popup the
 * browser blocked falls back to redirect mode by itself, once, with the same attempt.
 */
function start(_event, inPopup = popup) {
  if (!attempt || !sdk()) return;
  show({ status: "waiting", busy: true });
  ui.start.disabled = true;
  popupBlocked = false;
  provider.start(attempt, { popup: inPopup, redirectUrl: redirectUrl() }).then(
    (outcome) => {
      if (inPopup && popupBlocked) return start(null, false);
      if (!outcome) return; // redirecting: the redirect page shows the outcome
      if (outcome.failed) return failed(outcome.failed);
      verify(outcome.body);
    },
    (err) => (inPopup && popupBlocked ? start(null, false) : failed({ message: err?.message, code: err?.code, unopened: true })),
  );
}

function retry() {
  if (submitted) {
    ui.status.focus();
    return verify(submitted);
  }
  show({ status: "preparing", busy: true });
  ui.start.hidden = false;
  // The button that was pressed is gone: keep focus on the status until the start button can take it.
  focusStartWhenReady = true;
  ui.status.focus();
  prepare();
}

/** The in-page SMS form, where VERIFY_METHOD offers it. */
const sms =
  config.verifyMethod === "window"
    ? null
    : (await import("/sms.js")).setupSms({
        t: (key) => (key in MESSAGES[lang] ? t(key) : null),
        errorText,
        attempt: () => attempt,
        post: postJson,
        finish: (res, body) => verify(body, res),
        renew: () => prepare(),
        sandbox: config.sandbox,
      });

ui.start.addEventListener("click", start);
ui.retry.addEventListener("click", retry);
ui.language.addEventListener("click", async () => {
  const next = lang === "ko" ? "en" : "ko";
  MESSAGES[next] ??= await textsOf(next);
  lang = next;
  render();
  sms?.redraw();
});

Promise.all([loadSdk(), initialAttempt()])
  .then(() => {
    // The SDK's own setup, once, before any click (i'mport's loads its channel list and iframe here).
    if (attempt) provider.init(attempt);
    if (attempt && !shown.result) {
      ui.start.disabled = false;
      show({ status: "", busy: false });
    }
  })
  .catch(() => show({ result: { error: "upstream_error", detailKey: "sdk_unavailable" } }));
