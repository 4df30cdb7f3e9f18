// The real SDKs' hosts, stood in for inside Chromium: every request the page (and the windows it opens) makes to
// i'mport's, PortOne's and the PGs' hosts is answered here, by the stand-in SDKs of this folder and the provider
// stubs of test/support. Chromium still applies the page's CSP to every one of them before it reaches a route, so a
// CSP that would block the real SDK blocks these too.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { BrowserContext, Route } from "playwright-core";
import type { ImpStub } from "../../support/iamport-stub.ts";
import type { PortOneStub } from "../../support/portone-stub.ts";

const file = (name: string) => readFileSync(new URL(name, import.meta.url), "utf8");
const FILES = {
  iamportSdk: file("./iamport.js"),
  iamportReady: file("./iamport-ready.html"),
  portoneSdk: file("./portone.js"),
  danalDriver: file("./portone-danal-driver.js"),
};

const HOSTS =
  /^https:\/\/(cdn\.iamport\.kr|service\.iamport\.kr|cdn\.portone\.io|checkout-service\.prod\.iamport\.co|wauth\.teledit\.com|sa\.inicis\.com)\//;
const CHECKOUT = "https://checkout-service.prod.iamport.co";

export interface RealSdkWorld {
  /** The i'mport stub the Worker under test reads certifications from (V1). */
  imp?: ImpStub;
  /** The store's channels, as i'mport's channel list gives them (V1). */
  channels?: Array<{ pg_provider: string; pg_id: string }>;
  /** The PortOne stub the Worker under test reads verifications from (V2). */
  portone?: PortOneStub;
  /** Set to make PortOne's prepare request fail as a network error would (V2). */
  prepareFails?: boolean;
  /** Every request that reached these hosts, as "METHOD URL". */
  requests: string[];
}

/** Serves the providers' and PGs' hosts for every page of `context` (popups included). */
export async function routeRealSdks(context: BrowserContext, world: RealSdkWorld) {
  await context.route(HOSTS, (route) => handle(route, world));
}

const js = (body: string) => ({ status: 200, contentType: "application/javascript; charset=utf-8", body });
const html = (body: string) => ({ status: 200, contentType: "text/html; charset=utf-8", body });
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** A page that goes on to `url` at once (the providers' return pages redirect the person back to the site). */
const goTo = (url: string) => html(`<!doctype html><meta charset="utf-8"><script>location.replace(${JSON.stringify(url)})</script>`);
/** The same person gets the same CI (and DI) every time, as a carrier's verification gives. */
const personKey = (kind: string, name: string, birthday: string) =>
  `${kind}_${createHash("sha256").update(`${name}|${birthday}`).digest("base64url")}`;

async function handle(route: Route, world: RealSdkWorld) {
  const request = route.request();
  const url = new URL(request.url());
  world.requests.push(`${request.method()} ${url.href}`);
  const form = new URLSearchParams(request.postData() ?? "");
  const cors = { "Access-Control-Allow-Origin": (await request.headerValue("origin")) ?? "*" };
  const key = `${url.host}${url.pathname}`;

  if (key === "cdn.iamport.kr/v1/iamport.js") return route.fulfill(js(FILES.iamportSdk));
  if (key.startsWith("service.iamport.kr/users/pg/")) {
    const callback = url.searchParams.get("callback") ?? "callback";
    const channels = (world.channels ?? []).map((c) => ({ ...c, type: "certification" }));
    return route.fulfill(js(`${callback}(${JSON.stringify({ code: 0, data: channels })})`));
  }
  if (key.startsWith("service.iamport.kr/certificates/ready/")) return route.fulfill(html(FILES.iamportReady));
  if (key === "service.iamport.kr/certificates/return") return route.fulfill(iamportReturn(form, world));

  if (key === "cdn.portone.io/v2/browser-sdk.js") return route.fulfill(js(FILES.portoneSdk));
  if (/^cdn\.portone\.io\/drivers\/pg\/danal\/identity-verification\/(popup|redirection)\.js$/.test(key)) return route.fulfill(js(FILES.danalDriver));
  if (url.origin === CHECKOUT) {
    if (request.method() === "OPTIONS") {
      return route.fulfill({
        status: 204,
        headers: { ...cors, "Access-Control-Allow-Methods": "GET, POST", "Access-Control-Allow-Headers": "Content-Type" },
      });
    }
    if (url.pathname === "/api/identity-verification-prepare/v2") {
      if (world.prepareFails) return route.abort("failed");
      return route.fulfill({
        status: 200,
        headers: cors,
        contentType: "application/json",
        body: JSON.stringify(prepare(request.postDataJSON(), world)),
      });
    }
    if (url.pathname === "/api/identity-verification-status/v2") {
      const record = world.portone?.records.get(url.searchParams.get("identityVerificationId") ?? "");
      const status = record?.status === "VERIFIED" ? "STATUS_VERIFIED" : record?.status === "FAILED" ? "STATUS_FAILED" : "STATUS_PREPARED";
      return route.fulfill({ status: 200, headers: cors, contentType: "application/json", body: JSON.stringify({ status }) });
    }
    if (url.pathname === "/api/identity-verification-return") return route.fulfill(portoneReturn(form, world));
  }
  if (request.method() === "POST" && (url.host === "wauth.teledit.com" || key === "sa.inicis.com/auth")) return route.fulfill(pgWindow(form));
  return route.fulfill({ status: 404, contentType: "text/plain", body: `no stand-in for ${url.href}` });
}

/** The PG's identity window (Danal's, KG Inicis's): the person's name and birth date, confirm or cancel. */
function pgWindow(posted: URLSearchParams) {
  const hidden = [...posted].map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join("\n");
  return html(`<!doctype html>
<html lang="ko"><meta charset="utf-8"><title>본인확인 (stand-in)</title>
<form method="post" action="${escapeHtml(posted.get("return_to") ?? "")}">
${hidden}
<label>이름 <input name="name" required></label>
<label>생년월일 <input name="birthday" type="date" required></label>
<label><input type="radio" name="gender" value="male" checked> 남</label>
<label><input type="radio" name="gender" value="female"> 여</label>
<button type="submit">확인</button>
<button type="submit" name="cancel" value="1" formnovalidate>취소</button>
</form>
<script>
  // In a popup, cancelling is closing the window: the SDK notices it closed.
  document.querySelector("[name=cancel]").addEventListener("click", (event) => {
    if (window.opener) {
      event.preventDefault();
      window.close();
    }
  });
</script>
</html>`);
}

/** i'mport's return page after the PG's window: the certification now exists; the SDK hears `done`, or the person goes back. */
function iamportReturn(posted: URLSearchParams, world: RealSdkWorld) {
  const impUid = posted.get("imp_uid")!;
  const merchantUid = posted.get("merchant_uid")!;
  const back = (success: boolean) => {
    const to = new URL(posted.get("m_redirect_url")!);
    to.searchParams.set("imp_uid", impUid);
    to.searchParams.set("merchant_uid", merchantUid);
    to.searchParams.set("success", String(success));
    return goTo(to.href);
  };
  if (posted.get("cancel")) return back(false);
  const name = posted.get("name")!;
  const birthday = posted.get("birthday")!;
  const pg = posted.get("pg_provider")!;
  world.imp!.certify({
    imp_uid: impUid,
    merchant_uid: merchantUid,
    pg_provider: pg,
    name,
    birthday,
    gender: posted.get("gender") === "female" ? "female" : "male",
    unique_key: personKey("ci", name, birthday),
    // KG Inicis never gives a DI.
    unique_in_site: pg === "inicis_unified" ? null : personKey("di", name, birthday),
  });
  if (posted.get("popup") !== "true") return back(true);
  const done = { request_id: posted.get("request_id"), success: true, imp_uid: impUid, merchant_uid: merchantUid };
  return html(
    `<!doctype html><meta charset="utf-8"><script>opener.postMessage(${JSON.stringify(JSON.stringify({ action: "done", data: done }))}, "*")</script>`,
  );
}

/** PortOne's prepare: the verification is READY, and the answer tells the SDK which driver opens which window. */
function prepare(body: { data: Record<string, unknown>; deviceInfo?: { platformType?: string } }, world: RealSdkWorld) {
  const data = body.data as { identityVerificationId: string; storeId: string; redirectUrl?: string; windowType?: { pc?: string; mobile?: string } };
  const mobile = body.deviceInfo?.platformType === "PLATFORM_TYPE_MOBILE";
  const windowType = (mobile ? data.windowType?.mobile : data.windowType?.pc) ?? (mobile ? "REDIRECTION" : "POPUP");
  const txId = `tx${crypto.randomUUID().replaceAll("-", "")}`;
  world.portone!.pending(data.identityVerificationId, "READY");
  return {
    pgProvider: "PG_PROVIDER_DANAL",
    transactionType: "IDENTITY_VERIFICATION",
    windowType,
    storeId: data.storeId,
    identityVerificationId: data.identityVerificationId,
    identityVerificationTxId: txId,
    redirectUrl: data.redirectUrl,
    form: {
      action: `https://wauth.teledit.com/Danal/WebAuth/${windowType === "REDIRECTION" ? "Mobile" : "Web"}/Start.php`,
      data: {
        identity_verification_id: data.identityVerificationId,
        tx_id: txId,
        popup: String(windowType !== "REDIRECTION"),
        redirect_url: data.redirectUrl ?? "",
        return_to: `${CHECKOUT}/api/identity-verification-return`,
      },
    },
  };
}

/** PortOne's return page after Danal's window: the verification is VERIFIED; the driver hears it, or the person goes back. */
function portoneReturn(posted: URLSearchParams, world: RealSdkWorld) {
  const id = posted.get("identity_verification_id")!;
  const back = (fields: Record<string, string>) => {
    const to = new URL(posted.get("redirect_url")!);
    to.searchParams.set("identityVerificationId", id);
    for (const [name, value] of Object.entries(fields)) to.searchParams.set(name, value);
    return goTo(to.href);
  };
  if (posted.get("cancel")) {
    world.portone!.pending(id, "FAILED");
    return back({ code: "FAILURE_TYPE_PG", message: "사용자가 본인인증을 취소하였습니다." });
  }
  const name = posted.get("name")!;
  const birthday = posted.get("birthday")!;
  world.portone!.verify(id, {
    name,
    birthDate: birthday,
    gender: posted.get("gender") === "female" ? "FEMALE" : "MALE",
    ci: personKey("ci", name, birthday),
    di: personKey("di", name, birthday),
  });
  if (posted.get("popup") !== "true") return back({});
  const response = { transactionType: "IDENTITY_VERIFICATION", identityVerificationId: id, identityVerificationTxId: posted.get("tx_id") };
  return html(
    `<!doctype html><meta charset="utf-8"><script>opener.postMessage(${JSON.stringify({ type: "PORTONE_IDENTITY_VERIFICATION_OVER", response })}, "*")</script>`,
  );
}
