/*
 * A stand-in for i'mport's v1 SDK (cdn.iamport.kr/v1/iamport.js) that does on the network what PortOne's own build
 * does (1.3.0, read from its public source), so the page's CSP meets the same requests as it would in production:
 * - IMP.init(code) loads the store's channel list from service.iamport.kr as JSONP (a <script>, as jQuery makes of
 *   `?callback=?`), then a hidden iframe from the same host, which the SDK talks to by postMessage and whose
 *   messages it accepts from https://service.iamport.kr only;
 * - IMP.certification waits for that iframe, opens a blank popup on a computer (none on a phone without `popup`),
 *   and, when the iframe answers `<pg>.cert.modal`, builds a POST form inside the site's page and submits it to the
 *   PG's window: into the popup, or the whole page on a phone;
 * - `done` from service.iamport.kr closes the popup and calls the callback; a popup the person closed is reported
 *   to the iframe (`check.closing`), which answers `done` with the failure.
 * test/browser/real-sdk/routes.ts serves it, and the hosts it talks to, in the browser tests.
 */
(() => {
  const CORE = "https://service.iamport.kr";
  const MOBILE = /Android|iPhone|iPad|iPod|Mobile|wv\)/i;
  const POPUP_NAMES = { danal: "IMP_DANAL_CERT", inicis_unified: "IMP_INICIS_UNIFIED_CERT" };
  let frame = null;
  let queued = null;
  let sequence = 0;
  const callbacks = new Map();
  const popup = { name: null, win: null, monitoring: false, impUid: null };

  function init(code) {
    frame?.iframe.remove();
    frame = null;
    const callback = `jQuery_imp_${Date.now()}_${sequence++}`;
    window[callback] = (res) => {
      delete window[callback];
      const channel = res?.code === 0 && res.data.length > 0 ? res.data[0] : { pg_provider: null, pg_id: null };
      createFrame(code, channel);
    };
    const script = document.createElement("script");
    script.src = `${CORE}/users/pg/${code}?callback=${callback}`;
    document.head.append(script);
  }

  function createFrame(code, channel) {
    const iframe = document.createElement("iframe");
    iframe.style.display = "none";
    iframe.src = `${CORE}/certificates/ready/${code}${channel.pg_provider ? `/${channel.pg_provider}/${channel.pg_id}` : ""}`;
    const created = { iframe, loaded: false, provider: channel.pg_provider };
    iframe.addEventListener("load", () => {
      created.loaded = true;
      if (queued) {
        const next = queued;
        queued = null;
        request(next.param, next.callback);
      }
    });
    frame = created;
    document.body.append(iframe);
  }

  const toFrame = (action, data) =>
    frame.iframe.contentWindow.postMessage(JSON.stringify({ action, data, origin: location.href, from: "iamport-sdk" }), CORE);

  function certification(param, callback) {
    if (!frame?.loaded) {
      queued = { param, callback };
      return;
    }
    request(param, callback);
  }

  function request(param, callback) {
    const requestId = `req_${Date.now()}_${sequence++}`;
    if (typeof callback === "function") callbacks.set(requestId, callback);
    const inPopup = !MOBILE.test(navigator.userAgent) || param.popup === true;
    if (inPopup) {
      popup.name = POPUP_NAMES[frame.provider] ?? "IMP_CERT";
      popup.win = window.open("about:blank", popup.name, "height=800,width=440");
      if (!popup.win) return alert("팝업차단을 해제해주셔야 인증창이 나타납니다.");
      popup.monitoring = true;
      const watch = () => {
        if (!popup.monitoring) return;
        if (popup.win.closed) {
          popup.monitoring = false;
          return toFrame("communicate", { request_id: requestId, merchant_uid: param.merchant_uid, imp_uid: popup.impUid, result: "check.closing" });
        }
        setTimeout(watch, 50);
      };
      watch();
    } else {
      popup.win = null;
    }
    toFrame("certification", { ...param, popup: inPopup, request_id: requestId });
  }

  /** The PG's window: a POST form built inside the site's own page, as the real SDK does (the page's form-action applies). */
  function submitToWindow(data) {
    popup.impUid = data.imp_uid;
    const form = document.createElement("form");
    form.method = "post";
    form.action = data.form.action;
    form.target = popup.win && !popup.win.closed ? popup.name : "_top";
    for (const [name, value] of Object.entries(data.form.data)) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.append(input);
    }
    document.body.append(form);
    form.submit();
    form.remove();
  }

  window.addEventListener("message", (event) => {
    if (event.origin !== CORE) return;
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    const data = message.data ?? {};
    if (message.action === "danal.cert.modal" || message.action === "inicis_unified.cert.modal") return submitToWindow(data);
    if (message.action === "done") {
      popup.monitoring = false;
      if (popup.win && !popup.win.closed) popup.win.close();
      const callback = callbacks.get(data.request_id);
      callbacks.delete(data.request_id);
      callback?.(data);
    }
  });

  window.IMP = { init, certification };
})();
