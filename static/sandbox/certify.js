/* The simulated carrier window: identity form → SMS code shown on screen → typed back → certified. */
(function () {
  "use strict";
  var q = new URLSearchParams(location.search);
  var merchantUid = q.get("merchant_uid") || "";
  // PortOne V2 (portone.js) opens the same window for its identity verification id.
  var v2 = q.get("version") === "v2";
  var popup = q.get("popup") !== "false";
  var redirectUrl = q.get("m_redirect_url");
  var openerOrigin = null;
  try {
    openerOrigin = new URL(q.get("origin") || "").origin;
  } catch (e) {
    openerOrigin = null;
  }
  var impUid = null;
  var $ = function (id) {
    return document.getElementById(id);
  };

  ["name", "phone", "carrier"].forEach(function (key) {
    if (q.get(key)) $(key).value = q.get(key);
  });

  function post(path, body) {
    return fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }).then(
      function (res) {
        return res.json().then(function (json) {
          return { ok: res.ok, json: json };
        });
      },
    );
  }

  function showError(id, text) {
    $(id).textContent = text;
    $(id).hidden = !text;
  }

  function finish(rsp) {
    if (popup) {
      if (window.opener && openerOrigin) window.opener.postMessage({ type: "imp-sandbox-result", rsp: rsp }, openerOrigin);
      window.close();
      return;
    }
    var back = new URL(redirectUrl, location.href);
    if (!/^https?:$/.test(back.protocol)) return;
    if (v2) {
      back.searchParams.set("identityVerificationId", merchantUid);
      if (!rsp.success) {
        back.searchParams.set("code", "FAILURE_TYPE_PG");
        back.searchParams.set("message", rsp.error_msg);
      }
      return location.replace(back.toString());
    }
    if (rsp.imp_uid) back.searchParams.set("imp_uid", rsp.imp_uid);
    back.searchParams.set("merchant_uid", merchantUid);
    back.searchParams.set("success", String(rsp.success));
    if (!rsp.success) {
      back.searchParams.set("error_code", rsp.error_code);
      back.searchParams.set("error_msg", rsp.error_msg);
    }
    location.replace(back.toString());
  }

  function cancel() {
    finish({
      success: false,
      imp_uid: impUid,
      merchant_uid: merchantUid,
      error_code: "F0000",
      error_msg: "사용자가 본인인증을 취소하였습니다.",
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".cancel"), function (button) {
    button.addEventListener("click", cancel);
  });

  $("person").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = new FormData($("person"));
    var body = {
      name: String(form.get("name") || "").trim(),
      birthday: String(form.get("birthday") || ""),
      gender: String(form.get("gender") || ""),
      carrier: String(form.get("carrier") || ""),
      phone: String(form.get("phone") || "").replace(/\D/g, ""),
      merchant_uid: merchantUid,
      origin: q.get("origin") || "",
    };
    if (!body.name || !body.birthday || !/^01\d{8,9}$/.test(body.phone)) {
      showError("person-error", "이름, 생년월일, 휴대폰 번호를 확인해 주세요. · Check your name, date of birth and number.");
      return;
    }
    showError("person-error", "");
    $("request-otp").disabled = true;
    post("/sandbox/window/request", body)
      .then(function (res) {
        if (!res.ok) throw new Error("request");
        impUid = res.json.imp_uid;
        if (window.opener && openerOrigin) window.opener.postMessage({ type: "imp-sandbox-started", imp_uid: impUid }, openerOrigin);
        return fetch("/sandbox/window/sms/" + encodeURIComponent(impUid)).then(function (r) {
          return r.json();
        });
      })
      .then(function (sms) {
        $("sms").textContent = sms.text;
        $("person").hidden = true;
        $("otp-form").hidden = false;
        $("otp").focus();
      })
      .catch(function () {
        showError("person-error", "입력한 정보를 확인해 주세요. · Please check the details you entered.");
      })
      .finally(function () {
        $("request-otp").disabled = false;
      });
  });

  $("otp-form").addEventListener("submit", function (event) {
    event.preventDefault();
    $("confirm-otp").disabled = true;
    post("/sandbox/window/confirm", { imp_uid: impUid, otp: $("otp").value.trim() })
      .then(function (res) {
        if (!res.ok) {
          showError("otp-error", (res.json.message || "인증번호가 일치하지 않습니다.") + " · The code does not match.");
          return;
        }
        finish({ success: true, imp_uid: impUid, merchant_uid: merchantUid });
      })
      .catch(function () {
        showError("otp-error", "다시 시도해 주세요. · Please try again.");
      })
      .finally(function () {
        $("confirm-otp").disabled = false;
      });
  });

  $("name").focus();
})();
