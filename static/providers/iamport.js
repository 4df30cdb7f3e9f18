// The page's driver of i'mport's browser SDK (PortOne V1): `IMP.init` and `IMP.certification`. The page calls
// `start` inside the click's user activation; it answers with the body to verify, a cancel, or nothing (redirecting).

/** The SDK, once its script has loaded. */
export const sdk = () => window.IMP;

/**
 * Runs `IMP.certification` synchronously (browsers block popups opened later). Popup mode reports through the
 * callback; redirect mode (`popup: false`) leaves the page for the provider's window and comes back to `redirectUrl`.
 */
export function start({ merchant_uid, imp_code, params }, { popup, redirectUrl }) {
  return new Promise((resolve) => {
    window.IMP.init(imp_code);
    window.IMP.certification({ ...params, merchant_uid, popup, ...(popup ? {} : { m_redirect_url: redirectUrl }) }, (rsp) => {
      // Never trust `success` alone: the server fetches the certification and decides.
      if (rsp?.success && rsp.imp_uid) return resolve({ body: { imp_uid: rsp.imp_uid, merchant_uid: rsp.merchant_uid ?? merchant_uid } });
      resolve({ cancelled: true, detail: rsp?.error_msg ?? null });
    });
  });
}
