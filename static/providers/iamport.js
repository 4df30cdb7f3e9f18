// The page's driver of i'mport's browser SDK (PortOne V1): `IMP.init` and `IMP.certification`. The page calls
// `init` once it has the SDK and an attempt, and `start` inside the click's user activation; `start` answers with
// the body to verify, a failure (the SDK's own message and code), or nothing (redirecting).

/** The SDK, once its script has loaded. */
export const sdk = () => window.IMP;

/** The merchant code `IMP.init` ran with. */
let initialised = null;

/**
 * `IMP.init` once, as soon as the page is ready: the real SDK then loads the store's channel list and a hidden
 * iframe, and opens no window before both are in. Initialising on the click would reload them first (0.6–3 s),
 * and a popup opened that late is one a browser may block (Safari sooner than Chromium).
 */
export function init({ imp_code }) {
  if (initialised === imp_code) return;
  window.IMP.init(imp_code);
  initialised = imp_code;
}

/**
 * Runs `IMP.certification` synchronously (browsers block popups opened later). Popup mode reports through the
 * callback; redirect mode (`popup: false`) leaves the page for the provider's window and comes back to `redirectUrl`.
 */
export function start(attempt, { popup, redirectUrl }) {
  const { merchant_uid, params } = attempt;
  init(attempt);
  return new Promise((resolve) => {
    window.IMP.certification({ ...params, merchant_uid, popup, ...(popup ? {} : { m_redirect_url: redirectUrl }) }, (rsp) => {
      // Never trust `success` alone: the server fetches the certification and decides.
      if (rsp?.success && rsp.imp_uid) return resolve({ body: { imp_uid: rsp.imp_uid, merchant_uid: rsp.merchant_uid ?? merchant_uid } });
      resolve({ failed: { message: rsp?.error_msg || null, code: rsp?.error_code || null } });
    });
  });
}
