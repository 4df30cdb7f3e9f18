// A child waiting for a guardian's consent: the QR code of the guardian's link, drawn here with the vendored lean-qr
// (no network), and the question, asked by itself, whether the guardian has consented. The verification page
// imports it; the redirect mode's result page loads it on its own (data-reload: it reloads itself once the answer
// changes, and the server says what it means).
import { generate } from "/vendor/lean-qr/index.js";
import { toSvg } from "/vendor/lean-qr/svg.js";

/** Draws the QR code of `url` into `container` (an image with a text alternative). */
export function drawQr(container, url, label) {
  const svg = toSvg(generate(url), document, { on: "#111", off: "#fff", pad: 4, width: 232, height: 232 });
  svg.setAttribute("aria-hidden", "true");
  container.setAttribute("role", "img");
  container.setAttribute("aria-label", label);
  container.replaceChildren(svg);
}

/** The deadline in the visitor's own time zone and language. */
export const localTime = (iso, lang) =>
  new Intl.DateTimeFormat(lang === "ko" ? "ko-KR" : "en-GB", { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));

/**
 * Asks how the consent stands (`GET /certifications/guardian-status`, with the binding cookie) until it is no longer
 * pending: every 3 seconds for two minutes, then every 10, and at once when the page comes back into view. Calls
 * `onSettled(status)` once with `active` or `expired`; a failed request is asked again later.
 */
export function waitForGuardian(onSettled) {
  const started = Date.now();
  let timer = null;
  let done = false;
  const ask = async () => {
    clearTimeout(timer);
    if (done) return;
    try {
      const res = await fetch("/certifications/guardian-status", { credentials: "same-origin", cache: "no-store" });
      const body = res.ok ? await res.json() : null;
      if (body && body.status !== "pending_guardian") {
        done = true;
        return onSettled(body.status);
      }
    } catch {
      // offline for a moment: ask again later
    }
    timer = setTimeout(ask, Date.now() - started < 120_000 ? 3_000 : 10_000);
  };
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && ask());
  timer = setTimeout(ask, 3_000);
}

const standalone = document.getElementById("guardian");
if (standalone?.dataset.reload === "true") {
  const qr = document.getElementById("guardian-qr");
  drawQr(qr, standalone.dataset.consentUrl, qr.getAttribute("aria-label"));
  waitForGuardian(() => location.reload());
}
