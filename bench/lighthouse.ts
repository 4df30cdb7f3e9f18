// The page on a phone: Lighthouse (its mobile preset: a mid-range phone on a slow 4G link, simulated) in Debian's
// Chromium, against the page `npm run dev` serves (wrangler dev, sandbox mode), side by side in one run with the
// seed's page — the guide's jQuery 1.12.4 and SDK script tags, served from 127.0.0.1 with the same SDK stand-in.
// Transfer is counted without the provider's SDK (both pages load the same one); the consent page and the console
// are measured too, for the record.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import { chromium } from "playwright-core";
import { passCarrierWindow } from "../test/browser/carrier.ts";
import { startWranglerDev } from "../test/support/wrangler-dev.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export interface PageScore {
  /** Lighthouse's performance score, 0–100. */
  performance: number;
  lcp_ms: number;
  tbt_ms: number;
  /** Bytes over the network for the page, the provider's SDK left out. */
  transfer_bytes: number;
  /** The SDK's own bytes (left out above). */
  sdk_bytes: number;
}

export interface LighthouseRun {
  app: PageScore;
  seed: PageScore;
  consent?: PageScore;
  console?: PageScore;
  chromium: string;
}

/** The provider's SDK, as either page loads it: the sandbox's stand-in (the app), the guide's script path (the seed). */
const isSdk = (url: string) => /\/sandbox\/iamport\.js|\/js\/iamport\.payment/.test(url);

/** The seed's page, as its guide writes it: jQuery, the SDK, IMP.init, a button that calls IMP.certification. */
const SEED_PAGE = `<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>본인인증</title>
<!-- jQuery -->
<script type="text/javascript" src="/jquery-1.12.4.min.js"></script>
<!-- iamport.payment.js -->
<script type="text/javascript" src="/js/iamport.payment-1.2.0.js"></script>
</head>
<body>
<h1>휴대폰 본인인증</h1>
<button id="certify" type="button">본인인증</button>
<script>
  var IMP = window.IMP;
  IMP.init("imp00000000");
  document.getElementById("certify").onclick = function () {
    IMP.certification({ merchant_uid: "ORD20180131-0000011", popup: true }, function (rsp) {
      if (rsp.success) {
        jQuery.ajax({ url: "/certifications", method: "POST", headers: { "Content-Type": "application/json" }, data: { imp_uid: rsp.imp_uid } });
      } else {
        alert("Verification failed. Error: " + rsp.error_msg);
      }
    });
  };
</script>
</body>
</html>
`;

/** The seed's page on 127.0.0.1: jQuery from the pinned package, the SDK stand-in relayed from the app. */
async function seedServer(appUrl: string): Promise<{ url: string; server: Server }> {
  const jquery = readFileSync("node_modules/jquery/dist/jquery.min.js");
  const sdk = Buffer.from(await (await fetch(`${appUrl}/sandbox/iamport.js`)).arrayBuffer());
  const server = createServer((req, res) => {
    const [type, body] =
      req.url === "/"
        ? ["text/html; charset=utf-8", SEED_PAGE]
        : req.url === "/jquery-1.12.4.min.js"
          ? ["text/javascript", jquery]
          : req.url?.startsWith("/js/iamport.payment")
            ? ["text/javascript", sdk]
            : [undefined, undefined];
    if (!type) res.writeHead(404).end();
    // Compressed as a host compresses text (wrangler dev serves the app's gzip'd too): the bytes compare like for like.
    else if (/\bgzip\b/.test(req.headers["accept-encoding"] ?? "")) {
      res.writeHead(200, { "Content-Type": type, "Content-Encoding": "gzip", Vary: "Accept-Encoding" }).end(gzipSync(body));
    } else res.writeHead(200, { "Content-Type": type }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

interface NetworkItem {
  url: string;
  transferSize?: number;
}

async function score(url: string, port: number, keepCookies = false): Promise<PageScore> {
  const result = await lighthouse(url, {
    port,
    output: "json",
    logLevel: "error",
    onlyCategories: ["performance"],
    // The consent page needs the verifying browser's cookies: the profile keeps them.
    disableStorageReset: keepCookies,
  });
  if (!result) throw new Error(`Lighthouse gave no result for ${url}`);
  const { lhr } = result;
  if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  const items = ((lhr.audits["network-requests"]?.details as { items?: NetworkItem[] } | undefined)?.items ?? []).filter(
    (i) => !i.url.startsWith("data:"),
  );
  const bytes = (list: NetworkItem[]) => list.reduce((sum, i) => sum + (i.transferSize ?? 0), 0);
  return {
    performance: Math.round((lhr.categories.performance?.score ?? 0) * 100),
    lcp_ms: Math.round(lhr.audits["largest-contentful-paint"]?.numericValue ?? Number.NaN),
    tbt_ms: Math.round(lhr.audits["total-blocking-time"]?.numericValue ?? Number.NaN),
    transfer_bytes: bytes(items.filter((i) => !isSdk(i.url))),
    sdk_bytes: bytes(items.filter((i) => isSdk(i.url))),
  };
}

const CONSENT_CLIENT = { id: "bench-third", secret: "bench-third-secret-of-at-least-32-chars", redirectUri: "http://127.0.0.1:9/cb" };

/** Drives a verification in this Chromium up to a third party's consent page; its URL (the cookies stay in the profile). */
async function reachConsentPage(appUrl: string, port: number): Promise<string> {
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  try {
    const page = await browser.contexts()[0]!.newPage();
    const query = new URLSearchParams({
      response_type: "code",
      client_id: CONSENT_CLIENT.id,
      redirect_uri: CONSENT_CLIENT.redirectUri,
      scope: "openid profile",
      state: "bench",
      nonce: "bench",
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
    });
    await page.goto(`${appUrl}/authorize?${query}`);
    const start = page.getByTestId("start-verification");
    await start.waitFor();
    for (let i = 0; i < 150 && !(await start.isEnabled()); i++) await page.waitForTimeout(100);
    const [popup] = await Promise.all([page.waitForEvent("popup"), start.click()]);
    await passCarrierWindow(popup, { name: "벤치동의", birthday: "1990-04-04", phone: "01055550001" });
    await page.waitForURL(/\/consent\?attempt=/, { timeout: 30_000 });
    const url = page.url();
    await page.close();
    return url;
  } finally {
    await browser.close();
  }
}

export async function measureLighthouse(): Promise<LighthouseRun> {
  const app = await startWranglerDev({
    IMP_MODE: "sandbox",
    RATE_LIMIT: "off",
    OIDC_CLIENTS: JSON.stringify([
      {
        client_id: CONSENT_CLIENT.id,
        name: "Bench Partner",
        redirect_uris: [CONSENT_CLIENT.redirectUri],
        consent: { purpose: "회원 가입과 연령 확인", retention: "회원 탈퇴 시까지" },
      },
    ]),
    OIDC_CLIENT_SECRETS: JSON.stringify({ [CONSENT_CLIENT.id]: CONSENT_CLIENT.secret }),
  });
  const seed = await seedServer(app.baseUrl);
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    chromeFlags: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
  });
  try {
    const version = ((await (await fetch(`http://127.0.0.1:${chrome.port}/json/version`)).json()) as { Browser: string }).Browser;
    // Alternating, so a drift of the machine weighs on both alike; the median of the runs is kept.
    const runs = { app: [] as PageScore[], seed: [] as PageScore[] };
    for (let i = 0; i < 3; i++) {
      for (const name of i % 2 ? (["seed", "app"] as const) : (["app", "seed"] as const)) {
        runs[name].push(await score(name === "app" ? `${app.baseUrl}/` : seed.url, chrome.port));
      }
    }
    const consoleScore = await score(`${app.baseUrl}/admin`, chrome.port);
    const consentScore = await score(await reachConsentPage(app.baseUrl, chrome.port), chrome.port, true);
    return { app: median(runs.app), seed: median(runs.seed), console: consoleScore, consent: consentScore, chromium: version };
  } finally {
    await chrome.kill();
    await new Promise<void>((resolve) => seed.server.close(() => resolve()));
    app.stop();
  }
}

/** The run whose performance score is the median. */
function median(runs: PageScore[]): PageScore {
  return [...runs].sort((a, b) => a.performance - b.performance || a.lcp_ms - b.lcp_ms)[Math.floor(runs.length / 2)]!;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await measureLighthouse(), null, 2));
}
