// The in-page SMS form (VERIFY_METHOD sms or both): no window at all. The person's details go to the server's
// send route and on to the provider; the code goes to confirm, whose answer is a verification's like any other.
// Nothing typed here is kept by the page after it is sent, and nothing goes into a URL.

const $ = (id) => document.getElementById(id);

/**
 * `app`: what the page lends the form — `t` (messages), `attempt()` (the current attempt's prepare answer),
 * `post(path, body)`, `finish(answer, repeatBody)` (shows a verifying answer as the page shows any), `renew()`.
 */
export function setupSms(app) {
  const form = $("sms-form");
  const otpForm = $("otp-form");
  const error = $("sms-error");
  const otpError = $("otp-error");
  const timer = $("sms-timer");
  const resend = $("sms-resend");
  const resendIn = $("sms-resend-in");
  const agreements = [...form.querySelectorAll("input[name=agree]")];
  const all = $("sms-agree-all");
  let sent = null; // { expiresAt, resendAfter, impUid }
  let tick = null;

  const idField = () => (app.attempt()?.provider === "v2" ? "identity_verification_id" : "merchant_uid");
  const attemptBody = () => ({ [idField()]: app.attempt()?.[idField()] });
  const say = (el, key) => {
    el.textContent = key ? (app.t(key) ?? app.errorText(key)) : "";
    el.hidden = !key;
  };
  const person = () => {
    const data = new FormData(form);
    return {
      name: String(data.get("name") ?? "").trim(),
      birth: String(data.get("birth") ?? ""),
      gender_digit: String(data.get("gender_digit") ?? ""),
      carrier: String(data.get("carrier") ?? ""),
      phone: String(data.get("phone") ?? "").replace(/\D/g, ""),
    };
  };

  all.addEventListener("change", () => {
    for (const box of agreements) box.checked = all.checked;
  });
  for (const box of agreements) box.addEventListener("change", () => (all.checked = agreements.every((b) => b.checked)));

  function countdown() {
    clearInterval(tick);
    const draw = () => {
      const left = Math.max(0, Date.parse(sent.expiresAt) - Date.now());
      const m = Math.floor(left / 60_000);
      const s = Math.floor((left % 60_000) / 1000);
      timer.textContent = app.t("sms_time_left").replace("{time}", `${m}:${String(s).padStart(2, "0")}`);
      const wait = Math.ceil((Date.parse(sent.resendAfter) - Date.now()) / 1000);
      resend.disabled = wait > 0;
      resendIn.textContent = wait > 0 ? app.t("sms_resend_in").replace("{s}", String(wait)) : "";
      if (left === 0) say(otpError, "otp_expired");
    };
    draw();
    tick = setInterval(draw, 1000);
  }

  /** Sandbox mode: the simulated phone's inbox, on the page (a real code only ever arrives by text message). */
  async function showSandboxInbox(phone) {
    const inbox = $("sms-sandbox");
    if (!app.sandbox || !inbox) return;
    const res = await app.post("/sandbox/sms", { phone });
    const code = res.ok ? res.json.code : null;
    inbox.textContent = code ? `SANDBOX · SMS: [${code}]` : "";
    inbox.hidden = !code;
  }

  function adoptSent(json) {
    sent = { expiresAt: json.expires_at, resendAfter: json.resend_after, impUid: json.imp_uid ?? sent?.impUid };
    showSandboxInbox(person().phone);
    form.hidden = true;
    otpForm.hidden = false;
    $("sms-otp").value = "";
    say(otpError, null);
    countdown();
    $("sms-otp").focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const p = person();
    const complete = form.checkValidity() && /^\d{6}$/.test(p.birth) && /^[1-8]$/.test(p.gender_digit) && /^01\d{8,9}$/.test(p.phone);
    if (!complete || !agreements.every((b) => b.checked) || !app.attempt()) return say(error, "sms_missing");
    say(error, null);
    const res = await app.post("/certifications/sms/send", { ...attemptBody(), ...p, agreed: true });
    if (!res.ok) return say(error, res.error);
    adoptSent(res.json);
  });

  resend.addEventListener("click", async () => {
    const res = await app.post("/certifications/sms/resend", {
      ...attemptBody(),
      ...(idField() === "merchant_uid" ? { ...person(), agreed: true } : {}),
    });
    if (!res.ok) return say(otpError, res.error);
    adoptSent(res.json);
  });

  // Another number or a typo: a new attempt, and the form again.
  $("sms-change").addEventListener("click", async () => {
    reset();
    await app.renew();
  });

  otpForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const otp = $("sms-otp").value.trim();
    if (!/^\d{6}$/.test(otp)) return say(otpError, "otp_invalid");
    const verification = idField() === "merchant_uid" ? { merchant_uid: app.attempt().merchant_uid, imp_uid: sent.impUid } : attemptBody();
    const res = await app.post("/certifications/sms/confirm", { ...verification, otp });
    // A wrong or late code: the person tries again here; anything else is the verification's answer.
    if (!res.ok && (res.error === "otp_invalid" || res.error === "otp_expired")) return say(otpError, res.error);
    clearInterval(tick);
    app.finish(res, verification);
  });

  /** A new attempt: the form again, empty of codes (the person's details stay typed in). */
  function reset() {
    clearInterval(tick);
    sent = null;
    form.hidden = false;
    otpForm.hidden = true;
    say(error, null);
    say(otpError, null);
  }

  return { reset, redraw: () => sent && countdown() };
}
