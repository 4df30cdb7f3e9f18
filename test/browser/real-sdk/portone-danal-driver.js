/*
 * A stand-in for PortOne's Danal identity-verification drivers (cdn.portone.io/drivers/pg/danal/identity-verification/
 * popup and redirection): Danal's window is a form posted from the site's page — into a popup, or the whole page.
 * The popup's last page (on checkout-service) reports the result to the page by postMessage.
 */
(() => {
  const CHECKOUT = "https://checkout-service.prod.iamport.co";

  function post(action, target, fields) {
    const form = document.createElement("form");
    form.method = "post";
    form.action = action;
    form.target = target;
    for (const [name, value] of Object.entries(fields)) {
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

  const name = document.currentScript.src.includes("/popup") ? "popup" : "redirection";

  window.__PORTONE__.registerDriver(`pg/danal/identity-verification/${name}`, {
    onAfterPrepare({ prepareResponse: prepared }, { onTransactionOver, onForceClose }) {
      if (name === "redirection") return post(prepared.form.action, "_top", prepared.form.data);
      const win = window.open("about:blank", "PORTONE_DANAL_IDENTITY_VERIFICATION", "width=440,height=800");
      if (!win) return onForceClose();
      let over = false;
      const onMessage = (event) => {
        if (event.origin !== CHECKOUT || event.data?.type !== "PORTONE_IDENTITY_VERIFICATION_OVER") return;
        over = true;
        window.removeEventListener("message", onMessage);
        win.close();
        onTransactionOver(event.data.response);
      };
      window.addEventListener("message", onMessage);
      const watch = () => {
        if (over) return;
        if (win.closed) {
          window.removeEventListener("message", onMessage);
          return onForceClose();
        }
        setTimeout(watch, 50);
      };
      watch();
      post(prepared.form.action, "PORTONE_DANAL_IDENTITY_VERIFICATION", prepared.form.data);
    },
  });
})();
