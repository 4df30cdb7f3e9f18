// The page's driver of PortOne's V2 browser SDK: `PortOne.requestIdentityVerification`. The page calls `start`
// inside the click's user activation; it answers with the body to verify, a cancel, or nothing (redirecting).

/** The SDK, once its script has loaded. */
export const sdk = () => window.PortOne;

export function start({ identity_verification_id, store_id, channel_key, params }, { popup, redirectUrl }) {
  const windowType = popup ? { pc: "POPUP", mobile: "POPUP" } : { pc: "REDIRECTION", mobile: "REDIRECTION" };
  return window.PortOne.requestIdentityVerification({
    ...params,
    storeId: store_id,
    identityVerificationId: identity_verification_id,
    channelKey: channel_key,
    redirectUrl,
    windowType,
    // Redirect even where the SDK would resolve its promise in place (in-app browsers): the redirect page decides.
    ...(popup ? {} : { forceRedirect: true }),
  }).then(
    (rsp) => {
      if (rsp === undefined) return undefined; // redirecting: the redirect page shows the outcome
      // PortOne's rule: a response with a code is a failure, a cancel included.
      if (rsp.code !== undefined) return { cancelled: true, detail: rsp.message ?? null };
      return { body: { identity_verification_id } };
    },
    () => ({ cancelled: true, detail: null }),
  );
}
