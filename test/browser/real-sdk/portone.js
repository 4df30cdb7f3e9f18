/*
 * A stand-in for PortOne's V2 browser SDK (cdn.portone.io/v2/browser-sdk.js) that does on the network what PortOne's
 * own build does (2.0.0, read from its public source), so the page's CSP meets the same requests as in production:
 * - requestIdentityVerification first POSTs to checkout-service.prod.iamport.co/api/identity-verification-prepare/v2
 *   (a cross-origin fetch: the page's connect-src), and rejects with "본인인증 창 호출에 실패하였습니다. …" when it
 *   cannot;
 * - then it loads the PG's driver script from cdn.portone.io/drivers/ (script-src), which opens the PG's window by
 *   posting a form from the page (form-action) and reports the verification as finished or the window as closed;
 * - a closed window makes the SDK ask checkout-service for the status, and a verification that did not finish
 *   becomes a response with a `code` and a `message`.
 * test/browser/real-sdk/routes.ts serves it, and the hosts it talks to, in the browser tests.
 */
(() => {
  const CHECKOUT = "https://checkout-service.prod.iamport.co";
  const DRIVERS = "https://cdn.portone.io/drivers";
  const MOBILE = /Android|iPhone|iPad|iPod|Mobile|wv\)/i;
  const drivers = {};
  window.__PORTONE__ = {
    registerDriver(name, driver) {
      drivers[name] = driver;
    },
  };

  class IdentityVerificationError extends Error {
    constructor({ code, message }) {
      super(message);
      this.transactionType = "IDENTITY_VERIFICATION";
      this.code = code;
    }
  }

  function loadDriver(id) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.async = true;
      script.src = `${DRIVERS}/${id}.js`;
      script.addEventListener("load", () => resolve(drivers[id]));
      script.addEventListener("error", () => reject(new Error(`기능 실행을 위한 스크립트 로딩에 실패하였습니다. (드라이버 ID: ${id})`)));
      document.body.append(script);
    });
  }

  async function statusOf(prepared) {
    const url = new URL(`${CHECKOUT}/api/identity-verification-status/v2`);
    url.searchParams.set("storeId", prepared.storeId);
    url.searchParams.set("identityVerificationId", prepared.identityVerificationId);
    url.searchParams.set("identityVerificationTxId", prepared.identityVerificationTxId);
    const res = await fetch(url);
    return (await res.json()).status;
  }

  async function requestIdentityVerification(request) {
    try {
      const res = await fetch(`${CHECKOUT}/api/identity-verification-prepare/v2`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          data: request,
          deviceInfo: { platformType: MOBILE.test(navigator.userAgent) ? "PLATFORM_TYPE_MOBILE" : "PLATFORM_TYPE_PC" },
        }),
      });
      if (!res.ok) {
        const text = await res.text();
        let failure;
        try {
          failure = JSON.parse(text);
        } catch {
          failure = { code: "UnknownError", message: `본인인증 창 호출에 실패하였습니다. ${text}` };
        }
        throw new IdentityVerificationError(failure);
      }
      const prepared = await res.json();
      const pg = prepared.pgProvider.replace("PG_PROVIDER_", "").toLowerCase();
      const driver = await loadDriver(`pg/${pg}/identity-verification/${prepared.windowType.toLowerCase()}`);
      const base = {
        transactionType: "IDENTITY_VERIFICATION",
        identityVerificationId: prepared.identityVerificationId,
        identityVerificationTxId: prepared.identityVerificationTxId,
      };
      return await new Promise((resolve) =>
        driver.onAfterPrepare(
          { prepareResponse: prepared },
          {
            onTransactionOver: (response) => resolve({ ...base, ...response }),
            onForceClose: async () => {
              const status = await statusOf(prepared).catch(() => "UNKNOWN");
              resolve(status === "STATUS_VERIFIED" ? base : { ...base, code: "FAILURE_TYPE_PG", message: "사용자가 본인인증을 취소하였습니다." });
            },
          },
        ),
      );
    } catch (err) {
      throw err instanceof IdentityVerificationError
        ? err
        : new IdentityVerificationError({ code: "UnknownError", message: `본인인증 창 호출에 실패하였습니다. ${err.message}` });
    }
  }

  window.PortOne = { requestIdentityVerification };
})();
