// The page's driver of PortOne's V2 browser SDK: `PortOne.requestIdentityVerification`. The page calls `start`
// inside the click's user activation; it answers with the body to verify, a failure (the SDK's own message and
// code), or nothing (redirecting).

/** The SDK, once its script has loaded. */
export const sdk = () => window.PortOne;

/** Nothing to set up before the click: the SDK prepares each verification itself. */
export function init() {}

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
      if (rsp.code !== undefined) return { failed: { message: rsp.message || null, code: rsp.code } };
      return { body: { identity_verification_id } };
    },
    // A rejection: the SDK could not open its window at all (its prepare request or the PG's driver failed).
    (err) => ({ failed: { message: err?.message || null, code: err?.code || null, unopened: true } }),
  );
}
