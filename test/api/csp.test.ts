// The page's CSP against what the providers' real SDKs do on the network (read from PortOne's own builds: i'mport's
// v1 1.3.0 and PortOne's V2 2.0.0), for each provider and PG profile: everything they need, nothing wider.
import { describe, expect, it } from "vitest";
import { harness, ORIGIN } from "../support/harness";

type Directive = "script-src" | "connect-src" | "frame-src" | "form-action";

/** Whether `csp` lets a page at ORIGIN use `url` under `directive` (CSP Level 3 source matching, as far as we use it). */
function allows(csp: string, directive: Directive, url: string): boolean {
  const directives = new Map(
    csp
      .split(";")
      .map((d) => d.trim().split(/\s+/) as [string, ...string[]])
      .map(([name, ...sources]) => [name, sources]),
  );
  // form-action does not fall back to default-src; the others do.
  const sources = directives.get(directive) ?? (directive === "form-action" ? undefined : directives.get("default-src"));
  if (!sources) return true;
  const target = new URL(url);
  return sources.some((source) => {
    if (source === "'self'") return target.origin === new URL(ORIGIN).origin;
    if (source.startsWith("'")) return false;
    const { protocol, host } = new URL(source.replace("*.", "wildcard."));
    if (protocol !== target.protocol) return false;
    return source.includes("*.") ? target.host.endsWith(host.replace(/^wildcard/, "")) : target.host === host;
  });
}

/** What each real SDK requests, frames, loads and posts from the page (the facts, per provider and PG). */
const V1_SDK: Array<[Directive, string]> = [
  ["script-src", "https://cdn.iamport.kr/v1/iamport.js"],
  // IMP.init: the store's channel list (JSONP, a script, in the build; an XHR as the facts describe it)
  ["script-src", "https://service.iamport.kr/users/pg/imp12345678?callback=jQuery_1"],
  ["connect-src", "https://service.iamport.kr/users/pg/imp12345678"],
  // …and the hidden iframe the SDK talks to
  ["frame-src", "https://service.iamport.kr/certificates/ready/imp12345678/danal/A010002002"],
];
const V2_SDK: Array<[Directive, string]> = [
  ["script-src", "https://cdn.portone.io/v2/browser-sdk.js"],
  ["connect-src", "https://checkout-service.prod.iamport.co/api/identity-verification-prepare/v2"],
  ["connect-src", "https://checkout-service.prod.iamport.co/api/identity-verification-status/v2?storeId=s"],
  ["connect-src", "https://tx-gateway-service.prod.iamport.co/"],
];
const DANAL_WINDOW: Array<[Directive, string]> = [
  ["form-action", "https://wauth.teledit.com/Danal/WebAuth/Web/Start.php"],
  ["form-action", "https://wauth.teledit.com/Danal/WebAuth/Mobile/Start.php"],
];
const V2_DANAL_DRIVER: Array<[Directive, string]> = [["script-src", "https://cdn.portone.io/drivers/pg/danal/identity-verification/popup-x.js"]];
const INICIS_WINDOW: Array<[Directive, string]> = [["form-action", "https://sa.inicis.com/auth"]];
const KCP_WINDOW: Array<[Directive, string]> = [["form-action", "https://cert.kcp.co.kr/kcp_cert/cert_view.jsp"]];

const cases: Array<{ name: string; vars: Record<string, string>; needs: Array<[Directive, string]>; refuses: Array<[Directive, string]> }> = [
  {
    name: "V1, Danal",
    vars: { IMP_PG: "danal.A010002002" },
    needs: [...V1_SDK, ...DANAL_WINDOW],
    refuses: [...INICIS_WINDOW, ...KCP_WINDOW, ["connect-src", "https://checkout-service.prod.iamport.co/"]],
  },
  {
    name: "V1, KG Inicis 통합인증",
    vars: { IMP_PG: "inicis_unified.MIIiasTest" },
    needs: [...V1_SDK, ...INICIS_WINDOW],
    refuses: [...DANAL_WINDOW, ...KCP_WINDOW],
  },
  { name: "V1, KCP", vars: { IMP_PG: "kcp_v2.IP0000" }, needs: [...V1_SDK, ...KCP_WINDOW], refuses: [...DANAL_WINDOW, ...INICIS_WINDOW] },
  // No PG named (a channel key alone): the page cannot know the PG, so every PG's window is allowed.
  { name: "V1, no PG named", vars: {}, needs: [...V1_SDK, ...DANAL_WINDOW, ...INICIS_WINDOW, ...KCP_WINDOW], refuses: [] },
  {
    name: "V2, Danal",
    vars: { PORTONE_VERSION: "v2", PORTONE_PG: "danal" },
    needs: [...V2_SDK, ...V2_DANAL_DRIVER, ...DANAL_WINDOW],
    refuses: [...INICIS_WINDOW, ...KCP_WINDOW, ["script-src", "https://service.iamport.kr/users/pg/x"], ["frame-src", "https://service.iamport.kr/"]],
  },
  {
    name: "V2, KG Inicis 통합인증",
    vars: { PORTONE_VERSION: "v2", PORTONE_PG: "inicis_unified" },
    needs: [...V2_SDK, ...INICIS_WINDOW],
    refuses: DANAL_WINDOW,
  },
  { name: "V2, KCP", vars: { PORTONE_VERSION: "v2", PORTONE_PG: "kcp_v2" }, needs: [...V2_SDK, ...KCP_WINDOW], refuses: DANAL_WINDOW },
  { name: "V2, no PG named", vars: { PORTONE_VERSION: "v2" }, needs: [...V2_SDK, ...DANAL_WINDOW, ...INICIS_WINDOW, ...KCP_WINDOW], refuses: [] },
];

/** Never allowed, whatever the provider: scripts from anywhere else, a form or a connection to any other host. */
const NEVER: Array<[Directive, string]> = [
  ["script-src", "https://evil.example/x.js"],
  ["connect-src", "https://evil.example/"],
  ["frame-src", "https://evil.example/"],
  ["form-action", "https://evil.example/"],
  ["script-src", "https://wauth.teledit.com/x.js"],
];

describe("the page's CSP in live mode, against what the real SDKs do", () => {
  for (const { name, vars, needs, refuses } of cases) {
    it(`${name}: allows every request, frame, script and form the SDK and the PG's window make`, async () => {
      const csp = (await harness(vars).request("/")).headers.get("Content-Security-Policy")!;
      expect(needs.filter(([directive, url]) => !allows(csp, directive, url))).toEqual([]);
    });

    it(`${name}: allows nothing another provider, another PG or anyone else needs`, async () => {
      const csp = (await harness(vars).request("/")).headers.get("Content-Security-Policy")!;
      expect([...refuses, ...NEVER].filter(([directive, url]) => allows(csp, directive, url))).toEqual([]);
      expect(csp).not.toMatch(/script-src[^;]*'unsafe/);
    });
  }

  it("the matcher itself: a wildcard matches subdomains only, 'self' only this origin, a missing form-action anything", () => {
    const csp = "default-src 'self'; script-src 'self' https://*.example.com; connect-src https://a.example";
    expect(allows(csp, "script-src", "https://cdn.example.com/x.js")).toBe(true);
    expect(allows(csp, "script-src", "https://example.com.evil/x.js")).toBe(false);
    expect(allows(csp, "script-src", `${ORIGIN}/app.js`)).toBe(true);
    expect(allows(csp, "connect-src", "https://b.example/")).toBe(false);
    expect(allows(csp, "frame-src", "https://a.example/")).toBe(false);
    expect(allows(csp, "form-action", "https://anywhere.example/")).toBe(true);
  });
});
