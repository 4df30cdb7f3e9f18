/*
 * The sandbox's stand-in for https://cdn.iamport.kr/v1/iamport.js: the same `IMP.init(code)` and
 * `IMP.certification(param, callback)`, opening a simulated carrier verification window instead of a PG's.
 * Popup mode reports through `callback(rsp)`; redirect mode comes back to `m_redirect_url?imp_uid=…&merchant_uid=…&success=…`.
 */
(() => {
  var base = new URL(".", document.currentScript?.src ? document.currentScript.src : location.href);
  var merchantCode = null;
  var MOBILE = /Android|iPhone|iPad|iPod|Mobile|wv\)/i;

  function failure(param, code, message, impUid) {
    return {
      success: false,
      imp_uid: impUid || null,
      merchant_uid: param.merchant_uid,
      error_code: code,
      error_msg: message,
    };
  }

  function windowUrl(param, popup) {
    var url = new URL("certify", base);
    var q = url.searchParams;
    q.set("imp_code", merchantCode || "");
    q.set("merchant_uid", param.merchant_uid || "");
    q.set("popup", popup ? "true" : "false");
    q.set("origin", location.href);
    if (!popup) q.set("m_redirect_url", param.m_redirect_url);
    ["company", "name", "phone", "carrier", "min_age", "pg"].forEach((key) => {
      if (param[key] !== undefined && param[key] !== null) q.set(key, String(param[key]));
    });
    return url.toString();
  }

  function certification(param, callback) {
    param = param || {};
    var done = typeof callback === "function" ? callback : () => {};
    if (!merchantCode) return done(failure(param, "F1000", "IMP.init()으로 가맹점 식별코드를 먼저 설정해 주세요."));
    if (!param.merchant_uid) return done(failure(param, "F1001", "merchant_uid는 필수 파라미터입니다."));
    // As the real SDK: popup is forced on PC; on mobile, false needs m_redirect_url.
    var popup = !MOBILE.test(navigator.userAgent) || param.popup === true;
    if (!popup && !param.m_redirect_url) {
      return done(failure(param, "F1002", "popup: false 인 경우 m_redirect_url 파라미터가 필요합니다."));
    }
    if (!popup) {
      location.href = windowUrl(param, false);
      return;
    }

    var win = window.open(windowUrl(param, true), "imp_sandbox_certification", "width=460,height=760");
    if (!win) return done(failure(param, "F1003", "팝업이 차단되었습니다. 팝업 차단을 해제한 뒤 다시 시도해 주세요."));
    var finished = false;
    var lastImpUid = null;
    function finish(rsp) {
      if (finished) return;
      finished = true;
      clearInterval(watch);
      window.removeEventListener("message", onMessage);
      done(rsp);
    }
    function onMessage(event) {
      if (event.origin !== base.origin || event.source !== win) return;
      var data = event.data || {};
      if (data.type === "imp-sandbox-started") lastImpUid = data.imp_uid;
      if (data.type === "imp-sandbox-result") finish(data.rsp);
    }
    window.addEventListener("message", onMessage);
    // Closing the window is cancelling it, unless its result is still on its way: the window posts its result and
    // closes itself at once, so give a message already queued a moment to arrive.
    var watch = setInterval(() => {
      if (!win.closed) return;
      clearInterval(watch);
      setTimeout(() => {
        finish(failure(param, "F0000", "사용자가 본인인증을 취소하였습니다.", lastImpUid));
      }, 500);
    }, 250);
  }

  window.IMP = {
    init: (code) => {
      merchantCode = code;
    },
    certification: certification,
  };
})();
