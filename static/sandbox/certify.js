/* The simulated carrier window: identity form → SMS code shown on screen → typed back → certified. */
(() => {
  var q = new URLSearchParams(location.search);
  var merchantUid = q.get("merchant_uid") || "";
  // PortOne V2 (portone.js) opens the same window for its identity verification id.
  var v2 = q.get("version") === "v2";
  var popup = q.get("popup") !== "false";
  var redirectUrl = q.get("m_redirect_url");
  var openerOrigin = null;
  var OTP_ERRORS_EN = {
    wrong_otp: "The code does not match.",
    expired_otp: "The code has expired.",
    already_confirmed: "This verification is already confirmed.",
  };
  try {
    openerOrigin = new URL(q.get("origin") || "").origin;
  } catch {
    openerOrigin = null;
  }
  var impUid = null;
  var $ = (id) => document.getElementById(id);

  // Danal's parameters, as IMP.certification passes them: a prefilled name and phone, the carrier in Danal's own
  // codes (SKT, KTF, LGT, MVNO — or the *_MVNO forms), the site's name, and a minimum age Danal enforces itself.
  var DANAL_CARRIERS = {
    SKT: "SKT",
    KT: "KT",
    KTF: "KT",
    LGT: "LGT",
    MVNO: "SKT_MVNO",
    SKT_MVNO: "SKT_MVNO",
    KT_MVNO: "KT_MVNO",
    LGT_MVNO: "LGT_MVNO",
  };
  if (q.get("name")) $("name").value = q.get("name");
  if (q.get("phone")) $("phone").value = q.get("phone").replace(/\D/g, "");
  if (DANAL_CARRIERS[q.get("carrier")]) $("carrier").value = DANAL_CARRIERS[q.get("carrier")];
  if (q.get("company")) {
    $("company").textContent = `요청한 곳 · Requested by: ${q.get("company")}`;
    $("company").hidden = false;
  }
  var minAge = Number(q.get("min_age")) || 0;
  var today = new Date();
  var todayText = [today.getFullYear(), String(today.getMonth() + 1).padStart(2, "0"), String(today.getDate()).padStart(2, "0")].join("-");
  $("birthday").max = todayText;

  /** International age (만 나이) on today's date. */
  function ageOf(birthday) {
    var parts = birthday.split("-").map(Number);
    var age = today.getFullYear() - parts[0];
    var beforeBirthday = today.getMonth() + 1 < parts[1] || (today.getMonth() + 1 === parts[1] && today.getDate() < parts[2]);
    return beforeBirthday ? age - 1 : age;
  }

  function post(path, body) {
    return fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }).then((res) =>
      res.json().then((json) => ({ ok: res.ok, json: json })),
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
  Array.prototype.forEach.call(document.querySelectorAll(".cancel"), (button) => {
    button.addEventListener("click", cancel);
  });

  $("person").addEventListener("submit", (event) => {
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
      // What the channel's PG decides: V1 names it in `pg`; V2's channel has it (the server knows).
      pg: q.get("pg") || "",
      version: v2 ? "v2" : "v1",
      flg_fixed_user: q.get("flg_fixed_user") || "",
    };
    body.dev_options = form.getAll("dev").map(String);
    body.ci_in_contract = form.get("ci_in_contract") ? "true" : "false";
    if (!body.name || !body.birthday || !/^01\d{8,9}$/.test(body.phone)) {
      showError("person-error", "이름, 생년월일, 휴대폰 번호를 확인해 주세요. · Check your name, date of birth and number.");
      return;
    }
    if (body.birthday > todayText) {
      showError("person-error", "생년월일이 미래일 수 없습니다. · The date of birth cannot be in the future.");
      return;
    }
    if (minAge > 0 && ageOf(body.birthday) < minAge) {
      // As Danal does with min_age: the verification fails in the window, and the page is told why.
      return finish({
        success: false,
        imp_uid: null,
        merchant_uid: merchantUid,
        error_code: "F1100",
        error_msg: `만 ${minAge}세 이상만 본인인증을 할 수 있습니다.`,
      });
    }
    showError("person-error", "");
    $("request-otp").disabled = true;
    post("/sandbox/window/request", body)
      .then((res) => {
        if (!res.ok) throw new Error(res.json?.message || "request");
        impUid = res.json.imp_uid;
        if (window.opener && openerOrigin) window.opener.postMessage({ type: "imp-sandbox-started", imp_uid: impUid }, openerOrigin);
        return fetch(`/sandbox/window/sms/${encodeURIComponent(impUid)}`).then((r) => r.json());
      })
      .then((sms) => {
        $("sms").textContent = sms.text;
        $("person").hidden = true;
        $("otp-form").hidden = false;
        $("otp").focus();
      })
      .catch((err) => {
        var said = err && err.message !== "request" ? ` (${err.message})` : "";
        showError("person-error", `입력한 정보를 확인해 주세요. · Please check the details you entered.${said}`);
      })
      .finally(() => {
        $("request-otp").disabled = false;
      });
  });

  $("otp-form").addEventListener("submit", (event) => {
    event.preventDefault();
    $("confirm-otp").disabled = true;
    post("/sandbox/window/confirm", { imp_uid: impUid, otp: $("otp").value.trim() })
      .then((res) => {
        if (!res.ok) {
          showError("otp-error", `${res.json.message || "다시 시도해 주세요."} · ${OTP_ERRORS_EN[res.json.error] || "Please try again."}`);
          return;
        }
        finish({ success: true, imp_uid: impUid, merchant_uid: merchantUid });
      })
      .catch(() => {
        showError("otp-error", "다시 시도해 주세요. · Please try again.");
      })
      .finally(() => {
        $("confirm-otp").disabled = false;
      });
  });

  // Escape closes the window as its cancel buttons do.
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") cancel();
  });

  $("name").focus();
})();
