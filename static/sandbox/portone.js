/*
 * The sandbox's stand-in for https://cdn.portone.io/v2/browser-sdk.js: the same
 * `PortOne.requestIdentityVerification(request)` → Promise<response | undefined>, opening the simulated carrier
 * verification window instead of a PG's. A popup (IFRAME on PC is shown as a popup here) resolves with
 * `{ transactionType, identityVerificationId, identityVerificationTxId, code?, message? }` — failure and cancel
 * carry a `code`; REDIRECTION resolves with nothing and comes back to `redirectUrl?identityVerificationId=…`.
 */
(() => {
  var base = new URL(".", document.currentScript?.src ? document.currentScript.src : location.href);
  var MOBILE = /Android|iPhone|iPad|iPod|Mobile|wv\)/i;

  function response(request, fields) {
    var rsp = { transactionType: "IDENTITY_VERIFICATION", identityVerificationId: request.identityVerificationId };
    for (var key in fields) rsp[key] = fields[key];
    return rsp;
  }

  function failure(request, code, message, txId) {
    return response(request, { identityVerificationTxId: txId || undefined, code: code, message: message });
  }

  function windowUrl(request, popup) {
    var url = new URL("certify", base);
    var q = url.searchParams;
    q.set("version", "v2");
    q.set("merchant_uid", request.identityVerificationId);
    q.set("popup", popup ? "true" : "false");
    q.set("origin", location.href);
    if (!popup) q.set("m_redirect_url", request.redirectUrl);
    var customer = request.customer || {};
    if (customer.fullName) q.set("name", customer.fullName);
    if (customer.phoneNumber) q.set("phone", customer.phoneNumber);
    var inicis = request.bypass?.inicisUnified;
    if (inicis?.flgFixedUser) q.set("flg_fixed_user", inicis.flgFixedUser);
    var danal = request.bypass?.danal;
    if (danal?.CPTITLE) q.set("company", danal.CPTITLE);
    if (danal?.AGELIMIT) q.set("min_age", String(danal.AGELIMIT));
    return url.toString();
  }

  function requestIdentityVerification(request) {
    request = request || {};
    return new Promise((resolve) => {
      if (!request.storeId || !request.identityVerificationId || !request.channelKey) {
        return resolve(failure(request, "INVALID_REQUEST", "storeId, identityVerificationId, channelKey는 필수 파라미터입니다."));
      }
      var windowType = request.windowType || {};
      var type = MOBILE.test(navigator.userAgent) ? windowType.mobile || "REDIRECTION" : windowType.pc || "IFRAME";
      if (type === "REDIRECTION") {
        if (!request.redirectUrl) return resolve(failure(request, "INVALID_REQUEST", "REDIRECTION에는 redirectUrl이 필요합니다."));
        location.href = windowUrl(request, false);
        return resolve(undefined);
      }
      var win = window.open(windowUrl(request, true), "portone_sandbox_identity_verification", "width=460,height=760");
      if (!win) return resolve(failure(request, "FAILURE_TYPE_PG", "팝업이 차단되었습니다. 팝업 차단을 해제한 뒤 다시 시도해 주세요."));
      var finished = false;
      var txId = null;
      function finish(rsp) {
        if (finished) return;
        finished = true;
        clearInterval(watch);
        window.removeEventListener("message", onMessage);
        resolve(rsp);
      }
      function onMessage(event) {
        if (event.origin !== base.origin || event.source !== win) return;
        var data = event.data || {};
        if (data.type === "imp-sandbox-started") txId = data.imp_uid;
        if (data.type !== "imp-sandbox-result") return;
        var rsp = data.rsp || {};
        finish(
          rsp.success
            ? response(request, { identityVerificationTxId: rsp.imp_uid })
            : failure(request, "FAILURE_TYPE_PG", rsp.error_msg || "본인인증에 실패했습니다.", rsp.imp_uid || txId),
        );
      }
      window.addEventListener("message", onMessage);
      // Closing the window is cancelling it, unless its result is still on its way (see iamport.js).
      var watch = setInterval(() => {
        if (!win.closed) return;
        clearInterval(watch);
        setTimeout(() => {
          finish(failure(request, "FAILURE_TYPE_PG", "사용자가 본인인증을 취소하였습니다.", txId));
        }, 500);
      }, 250);
    });
  }

  window.PortOne = { requestIdentityVerification: requestIdentityVerification };
})();
