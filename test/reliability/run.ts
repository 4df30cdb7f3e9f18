// The reliability suite: drives the real Worker (wrangler dev, live mode) over HTTP on 127.0.0.1 against a
// fault-injecting i'mport stub, and prints what was tried and what held. Every line asserts its figure.
// Run: npm run test:reliability   (also part of npm test)
import { spawnSync } from "node:child_process";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ERRORS } from "../../src/errors.ts";
import { HttpClient, percentile, pool } from "../support/http-client.ts";
import { type Fault, ImpStub } from "../support/iamport-stub.ts";
import { type PortOneFault, PortOneStub, STUB_CHANNEL_KEY } from "../support/portone-stub.ts";
import { startStubServer } from "../support/stub-server.ts";
import { startWranglerDev } from "../support/wrangler-dev.ts";

const HMAC_KEY = "y-cQwTd2qQ_pdhbqTjIYfYGV1NWcumECWXYs-6beZcE";
const SITE_SECRET = "reliability-site-client-secret-0123456789";
const SITE_AUTH = `Basic ${btoa(`site:${SITE_SECRET}`)}`;
// Every answer must carry a code of the app's own table (or, at /token, of RFC 6749 §5.2); an internal_error is a
// failure of the suite.
const OAUTH_CODES = ["invalid_request", "invalid_client", "invalid_grant", "unsupported_grant_type", "invalid_token", "token_required"].map(
  (c) => `oauth:${c}`,
);
const CODES = new Set([...Object.keys(ERRORS).filter((code) => code !== "internal_error"), ...OAUTH_CODES]);

interface Line {
  check: string;
  tried: string;
  figure: string;
  expected: string;
  ok: boolean;
}
const lines: Line[] = [];
const record = (line: Line) => {
  lines.push(line);
  console.log(`  ${line.ok ? "✓" : "✗"} ${line.check}: ${line.figure} (expected ${line.expected})`);
};
const step = (text: string) => console.log(`\n▶ ${text}`);

const stub = new ImpStub("reliability_key", "reliability_secret");
const upstream = await startStubServer(stub);
step("starting the Worker (wrangler dev, live mode) against the stub");
const signingJwk = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
/** A live Worker against the i'mport stub, its OIDC client `site` (with `client`'s extra settings) and its keys. */
const liveVars = (baseUrl: string, client: Record<string, unknown> = {}, extra: Record<string, string> = {}) => ({
  IMP_MODE: "live",
  IMP_CODE: "imp12345678",
  IMP_KEY: stub.impKey,
  IMP_SECRET: stub.impSecret,
  IDENTITY_HMAC_KEY: HMAC_KEY,
  IMP_API_BASE: upstream.url,
  IMP_TIMEOUT_MS: "1000",
  RATE_LIMIT: "off",
  PUBLIC_URL: baseUrl,
  OIDC_CLIENTS: JSON.stringify([{ client_id: "site", name: "Site", redirect_uris: ["https://site.example/cb"], ...client }]),
  OIDC_CLIENT_SECRETS: JSON.stringify({ site: SITE_SECRET }),
  SIGNING_KEY: JSON.stringify({ ...signingJwk, kid: "reliability" }),
  // The client's ID tokens are RS256, the default.
  SIGNING_RSA_KEY: JSON.stringify({
    ...generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }),
    kid: "reliability-rsa",
  }),
  ...extra,
});
const dev = await startWranglerDev((baseUrl) => liveVars(baseUrl));
const base = dev.baseUrl;
const browser = () => new HttpClient(base);
const snapshot = () =>
  JSON.stringify(
    dev.query(
      "SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM attempts) AS attempts, (SELECT COUNT(*) FROM attempts WHERE user_id IS NOT NULL) AS linked, (SELECT group_concat(imp_uid) FROM attempts) AS imp_uids",
    ),
  );
const certified = async (b: HttpClient, fields: Parameters<ImpStub["certify"]>[0] = {}) => {
  const { merchant_uid } = await b.prepare();
  return stub.certify({ merchant_uid, ...fields });
};
const codeOf = async (res: Response): Promise<string | null> => {
  const text = await res.text();
  // RFC 6750: userinfo says what is wrong with a token in its challenge, with no body.
  const challenge = res.headers.get("WWW-Authenticate");
  if (!text && challenge?.startsWith("Bearer")) return `oauth:${/error="([a-z_]+)"/.exec(challenge)?.[1] ?? "token_required"}`;
  if ((res.headers.get("Content-Type") ?? "").includes("text/html")) return /data-error-code="([a-z_]+)"/.exec(text)?.[1] ?? null;
  try {
    const { error } = JSON.parse(text) as { error?: { code?: string } | string };
    return typeof error === "string" ? `oauth:${error}` : (error?.code ?? null);
  } catch {
    return null;
  }
};

try {
  // ── 1. Bad inputs ───────────────────────────────────────────────────────────────────────────────────────────
  step("bad inputs");
  const owner = browser();
  const ownerCert = await certified(owner);
  const other = browser();
  await other.prepare();
  const done = browser();
  const doneCert = await certified(done);
  const setup = await done.verify({ imp_uid: doneCert.imp_uid });
  if (setup.status !== 200) throw new Error(`setup verification failed: ${setup.status} ${await setup.text()}\n${dev.lines.slice(-20).join("\n")}`);

  const badImpUids: unknown[] = [
    1,
    1.5,
    -1,
    0,
    true,
    false,
    null,
    [],
    {},
    ["imp_1"],
    { $gt: "" },
    "",
    "imp_",
    "imp_abc",
    "IMP_123",
    "imp_1 ",
    " imp_1",
    "imp_1\n",
    "imp_1' OR '1'='1",
    "imp_1; DROP TABLE users;--",
    "<script>alert(1)</script>",
    "imp_1\r\nSet-Cookie: a=b",
    "imp_١٢٣",
    "imp_１２３",
    `imp_${"9".repeat(33)}`,
    "../../etc/passwd",
    "%00",
    "imp_1\u0000",
    "😀",
    "\u202eimp_1",
    "imp_1\u200b",
    "imp_-1",
    "imp_1e5",
    "imp_0x1F",
    "\\u0069mp_1",
    "imp_1/../2",
    "imp_1?x=1",
    "imp_1#x",
    "imp_1%20",
  ];
  const badMerchantUids: unknown[] = [1, [], {}, true, null, "", "x".repeat(200), "' OR 1=1--", "<img src=x onerror=alert(1)>", "😀".repeat(40)];
  const malformed = [
    "{",
    '{"imp_uid":',
    '{"imp_uid":"imp_1",}',
    "null",
    "true",
    "1",
    '"imp_1"',
    "[]",
    "",
    " ",
    "NaN",
    '{"imp_uid":"imp_1"}{}',
    "\u0000",
    "{'imp_uid':'imp_1'}",
    '{"imp_uid":"imp_1"',
    "\ufeff{}",
  ];
  type Probe = { name: string; run: () => Promise<Response> };
  const probes: Probe[] = [];
  const json =
    (body: string, client = owner) =>
    () =>
      client.verify(body);
  for (const v of badImpUids) {
    probes.push({ name: `imp_uid ${JSON.stringify(v)}`, run: json(JSON.stringify({ imp_uid: v })) });
    probes.push({
      name: `imp_uid ${JSON.stringify(v)} + merchant_uid`,
      run: json(JSON.stringify({ imp_uid: v, merchant_uid: ownerCert.merchant_uid })),
    });
    if (typeof v === "string") {
      probes.push({
        name: `redirect imp_uid ${JSON.stringify(v)}`,
        run: () => owner.send(`/certifications/redirect?${new URLSearchParams({ imp_uid: v, success: "true" })}`),
      });
    }
  }
  for (const v of badMerchantUids) {
    probes.push({ name: `merchant_uid ${JSON.stringify(v)}`, run: json(JSON.stringify({ imp_uid: ownerCert.imp_uid, merchant_uid: v })) });
  }
  for (const body of malformed) probes.push({ name: `malformed ${JSON.stringify(body)}`, run: json(body) });
  for (const depth of [100, 1000, 3000, 10000]) {
    probes.push({ name: `nesting ${depth}`, run: json(`{"imp_uid":${"[".repeat(depth)}${"]".repeat(depth)}}`) });
  }
  for (const size of [8 * 1024 + 1, 64 * 1024, 1024 * 1024]) {
    probes.push({ name: `body ${size} bytes`, run: json(JSON.stringify({ imp_uid: ownerCert.imp_uid, pad: "x".repeat(size) })) });
  }
  for (const type of [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "application/json-patch+json",
    "",
    "application/jsonp",
  ]) {
    probes.push({
      name: `content-type ${JSON.stringify(type)}`,
      run: () =>
        owner.send("/certifications", {
          method: "POST",
          headers: type ? { "Content-Type": type } : {},
          body: JSON.stringify({ imp_uid: ownerCert.imp_uid }),
        }),
    });
  }
  for (const origin of [
    "https://evil.example",
    "null",
    `${base}.evil.example`,
    "http://127.0.0.1:1",
    `${base}/`,
    "http://localhost:1",
    "file://",
    `${base}@evil.example`,
  ]) {
    probes.push({
      name: `origin ${origin}`,
      run: () =>
        owner.send("/certifications", {
          method: "POST",
          origin,
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ imp_uid: ownerCert.imp_uid }),
        }),
    });
    probes.push({ name: `prepare from origin ${origin}`, run: () => owner.send("/certifications/prepare", { method: "POST", origin }) });
  }
  const forgedCookies = [
    "",
    "imp_browser=",
    "imp_browser=short",
    `imp_browser=${"A".repeat(43)}`,
    `imp_browser=${"x".repeat(5000)}`,
    "imp_browser=a;b=c",
    other.cookie,
    done.cookie,
    "imp_browser=../../etc/passwd",
  ];
  for (const cookie of forgedCookies) {
    const forged = browser();
    forged.cookie = cookie;
    probes.push({ name: `cookie ${cookie.slice(0, 30)} → verify`, run: () => forged.verify({ imp_uid: ownerCert.imp_uid }) });
    probes.push({
      name: `cookie ${cookie.slice(0, 30)} → redirect`,
      run: () => forged.send(`/certifications/redirect?imp_uid=${ownerCert.imp_uid}&merchant_uid=${ownerCert.merchant_uid}&success=true`),
    });
  }
  for (const query of [
    "success=true",
    "imp_success=true",
    `success=true&merchant_uid=${ownerCert.merchant_uid}`,
    "imp_uid=imp_999999999999&success=true",
    `imp_uid=${doneCert.imp_uid}&success=true`,
    `imp_uid=${ownerCert.imp_uid}&merchant_uid=mid_forged&success=true`,
    "imp_uid=%00",
    "imp_uid=%FF%FE",
    "imp_uid=imp_1&imp_uid=imp_2",
    `imp_uid=${"9".repeat(5000)}`,
    "merchant_uid=%E0%A4%A",
    "success=false",
    "",
  ]) {
    probes.push({ name: `redirect ?${query.slice(0, 40)}`, run: () => other.send(`/certifications/redirect?${query}`) });
  }
  for (const [method, path] of [
    ["PUT", "/certifications"],
    ["DELETE", "/certifications"],
    ["PATCH", "/certifications/prepare"],
    ["GET", "/certifications"],
    ["GET", "/certifications/prepare"],
    ["POST", "/certifications/redirect"],
    ["POST", "/healthz"],
    ["DELETE", "/"],
    ["GET", "/sandbox/iamport.js"],
    ["POST", "/sandbox/api/users/getToken"],
  ] as const) {
    probes.push({ name: `${method} ${path}`, run: () => owner.send(path, { method, ...(method === "GET" ? {} : { body: "{}" }) }) });
  }
  for (const path of ["/%E0%A4%A", "/certifications/%2e%2e/%2e%2e/etc/passwd", "/certifications//", `/${"a".repeat(4000)}`, "/..%2f..%2f", "/%00"]) {
    probes.push({ name: `path ${path.slice(0, 30)}`, run: () => owner.send(path) });
  }
  // The site API: server to server, the client's own credentials; every wrong key, id or method answers from the table.
  const doneUser = dev.query<{ id: string }>("SELECT id FROM users LIMIT 1")[0]!.id;
  for (const auth of [
    undefined,
    "",
    "Bearer",
    "Bearer ",
    `Basic ${btoa(`site:${SITE_SECRET}x`)}`,
    `basic ${btoa(`Site:${SITE_SECRET}`)}`,
    `Bearer ${SITE_SECRET}`,
    `Basic ${SITE_SECRET}`,
    `Basic ${btoa(`sandbox:sandbox-client-secret`)}`,
    `Basic ${btoa(`site:${SITE_SECRET.slice(1)}`)}`,
    `Basic ${"x".repeat(5000)}`,
  ]) {
    for (const method of ["GET", "DELETE"]) {
      probes.push({
        name: `site API ${method} auth ${String(auth).slice(0, 20)}`,
        run: () => owner.send(`/api/users/${doneUser}`, { method, origin: null, headers: auth === undefined ? {} : { Authorization: auth } }),
      });
    }
  }
  for (const id of [
    "1 OR 1=1",
    "usr_",
    `usr_${"a".repeat(100)}`,
    "%00",
    "..%2f..%2fetc",
    "usr_00000000000000000000000000000000",
    "<script>",
    "usr_1'--",
  ]) {
    for (const method of ["GET", "DELETE"]) {
      probes.push({
        name: `site API ${method} id ${id.slice(0, 20)}`,
        run: () => owner.send(`/api/users/${id}`, { method, origin: null, headers: { Authorization: SITE_AUTH } }),
      });
    }
  }
  for (const method of ["POST", "PUT", "PATCH"]) {
    probes.push({
      name: `site API ${method}`,
      run: () => owner.send(`/api/users/${doneUser}`, { method, origin: null, headers: { Authorization: SITE_AUTH }, body: "{}" }),
    });
  }
  // OpenID Connect: requests that cannot authorize, bodies the token endpoint refuses, tokens userinfo refuses.
  for (const query of [
    "",
    "client_id=site",
    "client_id=site&redirect_uri=https://evil.example/cb",
    "client_id=nobody&redirect_uri=https://site.example/cb",
    "client_id=site&client_id=site&redirect_uri=https://site.example/cb",
    "client_id=%00&redirect_uri=%00",
    `client_id=${"a".repeat(3000)}`,
  ]) {
    probes.push({ name: `authorize ${query.slice(0, 30)}`, run: () => owner.send(`/authorize?${query}`) });
  }
  const form = { "Content-Type": "application/x-www-form-urlencoded" };
  for (const [auth, body] of [
    [SITE_AUTH, `grant_type=authorization_code&code=forged&redirect_uri=https://site.example/cb&code_verifier=${"v".repeat(43)}`],
    [SITE_AUTH, `grant_type=authorization_code&code=x&code=y&redirect_uri=https://site.example/cb&code_verifier=${"v".repeat(43)}`],
    [SITE_AUTH, "grant_type=password&username=a&password=b"],
    [SITE_AUTH, ""],
    [SITE_AUTH, "%%%"],
    [SITE_AUTH, `code=${"c".repeat(9000)}`],
    [undefined, "grant_type=authorization_code&code=x"],
    [`Basic ${btoa("site:wrong")}`, "grant_type=authorization_code&code=x"],
    ["Basic %%%", "grant_type=authorization_code&code=x"],
  ] as const) {
    probes.push({
      name: `token ${String(auth).slice(0, 12)} ${body.slice(0, 30)}`,
      run: () => owner.send("/token", { method: "POST", origin: null, headers: { ...form, ...(auth ? { Authorization: auth } : {}) }, body }),
    });
  }
  for (const auth of ["Bearer x.y.z", "Bearer ", "Basic abc", `Bearer ${"a".repeat(5000)}`]) {
    probes.push({ name: `userinfo ${auth.slice(0, 20)}`, run: () => owner.send("/userinfo", { origin: null, headers: { Authorization: auth } }) });
  }
  // Guardian consent: links that were not sealed here, the child's status without a cookie of ours.
  for (const token of [
    "x",
    "a.b.c",
    `${"A".repeat(22)}.zzzzzz.${"B".repeat(22)}`,
    `${"A".repeat(22)}.1.${"B".repeat(22)}`,
    "%00",
    "..%2f",
    "a".repeat(3000),
  ]) {
    probes.push({ name: `guardian link ${token.slice(0, 30)}`, run: () => owner.send(`/guardian/${token}`) });
  }
  for (const cookie of ["", "imp_browser=forged", `imp_browser=${"a".repeat(43)}.${"b".repeat(22)}`]) {
    probes.push({
      name: `guardian status cookie ${cookie.slice(0, 20)}`,
      run: () => owner.send("/certifications/guardian-status", { headers: { Cookie: cookie } }),
    });
  }
  for (const body of ["nope", "[]", "{", "null", '"x"', '{"authorization":"forged.tag"}', '{"consent":"forged.1.tag"}', '{"consent":7}']) {
    probes.push({
      name: `prepare body ${body}`,
      run: () => owner.send("/certifications/prepare", { method: "POST", body, headers: { "Content-Type": "application/json" } }),
    });
  }

  const before = snapshot();
  const answers = await pool(probes, 8, async (p) => {
    const res = await p.run();
    return { name: p.name, status: res.status, code: await codeOf(res) };
  });
  const serverErrors = answers.filter((a) => a.status >= 500);
  const unknownCodes = answers.filter((a) => a.status >= 400 && a.code !== null && !CODES.has(a.code));
  const uncoded = answers.filter((a) => a.status >= 400 && a.code === null);
  const successes = answers.filter((a) => a.status < 400);
  const after = snapshot();
  for (const a of [...serverErrors, ...unknownCodes, ...uncoded, ...successes]) console.log(`    ! ${a.name} → ${a.status} ${a.code}`);
  record({
    check: "bad inputs",
    tried: `${probes.length} generated`,
    figure: `${serverErrors.length} answers of 5xx`,
    expected: "0 of ≥ 200",
    ok: probes.length >= 200 && serverErrors.length === 0,
  });
  record({
    check: "bad inputs: answers",
    tried: `${probes.length}`,
    figure: `${answers.length - successes.length - uncoded.length - unknownCodes.length} with a contract error code`,
    expected: `all ${probes.length}`,
    ok: successes.length + uncoded.length + unknownCodes.length === 0,
  });
  record({
    check: "bad inputs: rows changed",
    tried: `${probes.length}`,
    figure: before === after ? "0 rows changed" : "rows changed",
    expected: "0",
    ok: before === after,
  });
  const survivor = (await owner.verify({ imp_uid: ownerCert.imp_uid })).status;
  record({ check: "bad inputs: the owner's attempt survives", tried: "1", figure: String(survivor), expected: "200", ok: survivor === 200 });

  // ── 2. Upstream faults ──────────────────────────────────────────────────────────────────────────────────────
  step("upstream faults");
  const faults: Array<{ name: string; op: "getToken" | "getCertification"; fault: Fault; times: number; code: string; fresh?: boolean }> = [
    { name: "getToken 500", op: "getToken", fault: { kind: "status", status: 500 }, times: 1, code: "upstream_error", fresh: true },
    { name: "getToken timeout", op: "getToken", fault: { kind: "hang" }, times: 1, code: "upstream_timeout", fresh: true },
    { name: "getToken connection error", op: "getToken", fault: { kind: "network" }, times: 1, code: "upstream_error", fresh: true },
    { name: "getToken unparseable", op: "getToken", fault: { kind: "unparseable" }, times: 1, code: "upstream_error", fresh: true },
    {
      name: "getToken code != 0 with 200",
      op: "getToken",
      fault: { kind: "code", code: -1, message: "오류" },
      times: 1,
      code: "upstream_error",
      fresh: true,
    },
    { name: "GET 5xx (persistent)", op: "getCertification", fault: { kind: "status", status: 503 }, times: 2, code: "upstream_error" },
    { name: "GET timeout", op: "getCertification", fault: { kind: "hang" }, times: 1, code: "upstream_timeout" },
    { name: "GET connection error (persistent)", op: "getCertification", fault: { kind: "network" }, times: 2, code: "upstream_error" },
    { name: "GET unparseable", op: "getCertification", fault: { kind: "unparseable" }, times: 1, code: "upstream_error" },
    { name: "GET code != 0 with 200", op: "getCertification", fault: { kind: "code", code: 1, message: "오류" }, times: 1, code: "upstream_error" },
    { name: "GET 401 twice (keys revoked)", op: "getCertification", fault: { kind: "unauthorized" }, times: 2, code: "upstream_unauthorized" },
  ];
  let correct = 0;
  let recovered = 0;
  for (const f of faults) {
    const b = browser();
    const cert = await certified(b);
    if (f.fresh) stub.expireTokens(); // the Worker's cached token now fails once: it must fetch a new one
    if (f.fresh) stub.fail("getCertification", { kind: "unauthorized" });
    stub.fail(f.op, f.fault, f.times);
    const code = await codeOf(await b.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid }));
    if (code === f.code) correct++;
    else console.log(`    ! ${f.name}: got ${code}, expected ${f.code}`);
    const retry = await b.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid });
    if (retry.status === 200) recovered++;
    else console.log(`    ! ${f.name}: retry answered ${retry.status} ${await codeOf(retry)}`);
  }
  record({
    check: "upstream faults: correct codes",
    tried: `${faults.length} faults`,
    figure: `${correct} correct`,
    expected: `${faults.length}`,
    ok: correct === faults.length,
  });
  record({
    check: "upstream faults: attempts lost",
    tried: `${faults.length} retries`,
    figure: `${faults.length - recovered} lost`,
    expected: "0",
    ok: recovered === faults.length,
  });

  {
    const b = browser();
    const cert = await certified(b);
    stub.fail("getCertification", { kind: "status", status: 502 });
    const res = await b.verify({ imp_uid: cert.imp_uid });
    record({ check: "transient GET 5xx retried once", tried: "1", figure: String(res.status), expected: "200", ok: res.status === 200 });
  }
  {
    const b = browser();
    const cert = await certified(b);
    stub.fail("getCertification", { kind: "unauthorized" });
    const tokens = stub.calls.getToken;
    const res = await b.verify({ imp_uid: cert.imp_uid });
    record({
      check: "token expiring mid-flight → renew, retry once",
      tried: "1",
      figure: `${res.status}, ${stub.calls.getToken - tokens} getToken`,
      expected: "200, 1 getToken",
      ok: res.status === 200 && stub.calls.getToken - tokens === 1,
    });
  }
  {
    const people = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const b = browser();
        return { b, cert: await certified(b) };
      }),
    );
    stub.expireTokens();
    const tokens = stub.calls.getToken;
    const statuses = await Promise.all(people.map(async ({ b, cert }) => (await b.verify({ imp_uid: cert.imp_uid })).status));
    const ok = statuses.filter((s) => s === 200).length;
    const renewals = stub.calls.getToken - tokens;
    record({
      check: "401 storm (20 at once)",
      tried: "20",
      figure: `${ok} verified, ${renewals} getToken`,
      expected: "20 verified, ≤ 2 getToken",
      ok: ok === 20 && renewals <= 2,
    });
  }

  // KV and D1 cannot be broken inside wrangler dev from outside: those faults run in workerd (test/providers/faults.test.ts).
  step("KV and D1 faults (in workerd: test/providers/faults.test.ts)");
  const report = join(mkdtempSync(join(tmpdir(), "imp-rel-")), "faults.json");
  const vitest = spawnSync(
    process.execPath,
    [
      join("node_modules", "vitest", "vitest.mjs"),
      "run",
      "--project",
      "worker",
      "test/providers/faults.test.ts",
      "--reporter=json",
      `--outputFile=${report}`,
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  const results = (
    JSON.parse(readFileSync(report, "utf8")) as { testResults: Array<{ assertionResults: Array<{ title: string; status: string }> }> }
  ).testResults.flatMap((r) => r.assertionResults);
  if (results.length === 0) console.log(vitest.stdout, vitest.stderr);
  for (const r of results) record({ check: `KV/D1: ${r.title}`, tried: "1", figure: r.status, expected: "passed", ok: r.status === "passed" });

  // ── 3. Races ────────────────────────────────────────────────────────────────────────────────────────────────
  step("races");
  {
    const ci = `CI-race-${Date.now()}`;
    const people = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const b = browser();
        return { b, cert: await certified(b, { unique_key: ci }) };
      }),
    );
    const outcomes = await Promise.all(
      people.map(async ({ b, cert }) => ((await (await b.verify({ imp_uid: cert.imp_uid })).json()) as { outcome?: string }).outcome),
    );
    const created = outcomes.filter((o) => o === "new_user").length;
    const existing = outcomes.filter((o) => o === "existing_user").length;
    const key = createHmac("sha256", HMAC_KEY).update(ci).digest("hex");
    const rows = dev.query<{ n: number }>(`SELECT COUNT(*) AS n FROM users WHERE identity_key = '${key}'`)[0]?.n;
    record({
      check: "50 concurrent verifications of one person",
      tried: "50",
      figure: `${created} new_user, ${existing} existing_user, ${rows} user row`,
      expected: "1, 49, 1",
      ok: created === 1 && existing === 49 && rows === 1,
    });
  }
  {
    const owner = browser();
    const cert = await certified(owner);
    const others = await Promise.all(
      Array.from({ length: 19 }, async () => {
        const b = browser();
        return { b, own: await b.prepare() };
      }),
    );
    const statuses = await Promise.all([
      owner.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid }).then((r) => r.status),
      ...others.map(({ b, own }) => b.verify({ imp_uid: cert.imp_uid, merchant_uid: own.merchant_uid }).then((r) => r.status)),
    ]);
    const wins = statuses.filter((s) => s === 200).length;
    record({
      check: "20 concurrent submissions of one imp_uid from different attempts",
      tried: "20",
      figure: `${wins} success`,
      expected: "1",
      ok: wins === 1 && statuses[0] === 200,
    });
  }

  {
    // A person a channel gives only a DI for (Danal without CI in the contract): one account all the same.
    const di = `DI-race-${Date.now()}`;
    const people = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const b = browser();
        return { b, cert: await certified(b, { unique_key: "", unique_in_site: di }) };
      }),
    );
    const outcomes = await Promise.all(
      people.map(async ({ b, cert }) => ((await (await b.verify({ imp_uid: cert.imp_uid })).json()) as { outcome?: string }).outcome),
    );
    const created = outcomes.filter((o) => o === "new_user").length;
    const existing = outcomes.filter((o) => o === "existing_user").length;
    const key = createHmac("sha256", HMAC_KEY).update(`site:${di}`).digest("hex");
    const rows = dev.query<{ n: number }>(`SELECT COUNT(*) AS n FROM users WHERE site_identity_key = '${key}'`)[0]?.n;
    record({
      check: "50 concurrent verifications of one person with a DI only",
      tried: "50",
      figure: `${created} new_user, ${existing} existing_user, ${rows} user row`,
      expected: "1, 49, 1",
      ok: created === 1 && existing === 49 && rows === 1,
    });
  }
  {
    // A CI of one account and a DI of another, 20 times at once: every one refused, nothing written.
    const stamp = Date.now();
    const ciOnly = browser();
    await ciOnly.verify({ imp_uid: (await certified(ciOnly, { unique_key: `CI-split-${stamp}`, unique_in_site: null })).imp_uid });
    const diOnly = browser();
    await diOnly.verify({ imp_uid: (await certified(diOnly, { unique_key: "", unique_in_site: `DI-split-${stamp}` })).imp_uid });
    const before = dev.query<{ n: number }>("SELECT COUNT(*) AS n FROM attempts")[0]?.n;
    const people = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const b = browser();
        return { b, cert: await certified(b, { unique_key: `CI-split-${stamp}`, unique_in_site: `DI-split-${stamp}` }) };
      }),
    );
    const codes = await Promise.all(
      people.map(async ({ b, cert }) => ((await (await b.verify({ imp_uid: cert.imp_uid })).json()) as { error?: { code: string } }).error?.code),
    );
    const conflicts = codes.filter((c) => c === "identity_conflict").length;
    const after = dev.query<{ n: number }>("SELECT COUNT(*) AS n FROM attempts")[0]?.n;
    record({
      check: "20 concurrent verifications whose CI and DI belong to two accounts",
      tried: "20",
      figure: `${conflicts} identity_conflict, ${(after ?? 0) - (before ?? 0)} attempts written`,
      expected: "20, 0",
      ok: conflicts === 20 && after === before,
    });
  }

  // ── 4. Bounded load ─────────────────────────────────────────────────────────────────────────────────────────
  const LOAD = Number(process.env.RELIABILITY_LOAD ?? 1000);
  const CONCURRENCY = 32;
  step(`load: ${LOAD} verifications at concurrency ${CONCURRENCY}`);
  {
    stub.expireTokens();
    const tokens = stub.calls.getToken;
    const started = Date.now();
    let finished = 0;
    const timings: number[] = [];
    const errors: string[] = [];
    const tty = process.stdout.isTTY;
    const progress = setInterval(
      () => (tty ? process.stdout.write(`\r    ${finished}/${LOAD} done`) : console.log(`    ${finished}/${LOAD} done`)),
      tty ? 500 : 5000,
    );
    await pool(
      Array.from({ length: LOAD }, (_, i) => i),
      CONCURRENCY,
      async () => {
        const t0 = performance.now();
        try {
          const b = browser();
          const cert = await certified(b);
          const res = await b.verify({ imp_uid: cert.imp_uid, merchant_uid: cert.merchant_uid });
          if (res.status !== 200) errors.push(`${res.status} ${await codeOf(res)}`);
          else await res.arrayBuffer();
        } catch (err) {
          errors.push(String(err));
        }
        timings.push(performance.now() - t0);
        finished++;
      },
    );
    clearInterval(progress);
    console.log(`${tty ? "\r" : ""}    ${finished}/${LOAD} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    timings.sort((a, b) => a - b);
    const renewals = stub.calls.getToken - tokens;
    if (errors.length) console.log(`    ! first errors: ${errors.slice(0, 5).join("; ")}`);
    record({
      check: "bounded load",
      tried: `${LOAD} at concurrency ${CONCURRENCY}`,
      figure: `${errors.length} errors, ${renewals} getToken, p50 ${percentile(timings, 50).toFixed(0)} ms, p99 ${percentile(timings, 99).toFixed(0)} ms (prepare + verify)`,
      expected: "0 errors, ≤ 2 getToken",
      ok: errors.length === 0 && renewals <= 2,
    });
  }

  // ── 5. PortOne V2 ───────────────────────────────────────────────────────────────────────────────────────────
  step("PortOne V2: starting a second Worker (wrangler dev, live mode, PORTONE_VERSION=v2) against a PortOne stub");
  const portone = new PortOneStub("reliability_portone_secret");
  const upstreamV2 = await startStubServer(portone);
  const devV2 = await startWranglerDev({
    IMP_MODE: "live",
    PORTONE_VERSION: "v2",
    PORTONE_STORE_ID: "store-reliability",
    PORTONE_CHANNEL_KEY: STUB_CHANNEL_KEY,
    PORTONE_API_SECRET: portone.secret,
    PORTONE_API_BASE: upstreamV2.url,
    // Danal's channel, with the in-page SMS form beside the window: its routes get bad inputs too.
    PORTONE_PG: "danal",
    VERIFY_METHOD: "both",
    IDENTITY_HMAC_KEY: HMAC_KEY,
    IMP_TIMEOUT_MS: "1000",
    RATE_LIMIT: "off",
  });
  try {
    const v2Browser = () => new HttpClient(devV2.baseUrl);
    const prepareV2 = async (b: HttpClient) => ((await b.prepare()) as unknown as { identity_verification_id: string }).identity_verification_id;
    const verifiedV2 = async (b: HttpClient, customer = {}) => {
      const id = await prepareV2(b);
      portone.verify(id, customer);
      return id;
    };
    const verifyV2 = (b: HttpClient, id: unknown) => b.verify({ identity_verification_id: id });
    const snapshotV2 = () =>
      JSON.stringify(devV2.query("SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT group_concat(imp_uid) FROM attempts) AS ids"));

    step("PortOne V2: bad inputs");
    const owner = v2Browser();
    const ownerId = await verifiedV2(owner);
    const stranger = v2Browser();
    await stranger.prepare();
    const probes: Array<{ name: string; run: () => Promise<Response> }> = [];
    const badIds: unknown[] = [
      ...badMerchantUids,
      "A".repeat(40),
      ownerId.slice(0, 39),
      `${ownerId}A`,
      ownerId.replace(/^./, (c) => (c === "A" ? "B" : "A")),
      ownerId.toLowerCase() === ownerId ? ownerId.toUpperCase() : ownerId.toLowerCase(),
      `${ownerId.slice(0, 20)}-${ownerId.slice(21)}`,
    ];
    for (const id of badIds) {
      probes.push({ name: `v2 id ${JSON.stringify(id).slice(0, 40)}`, run: () => verifyV2(owner, id) });
      if (typeof id === "string")
        probes.push({
          name: `v2 redirect id ${id.slice(0, 30)}`,
          run: () => owner.send(`/certifications/redirect?${new URLSearchParams({ identityVerificationId: id })}`),
        });
    }
    for (const body of [
      ...malformed,
      JSON.stringify({ imp_uid: "imp_123" }),
      JSON.stringify({ identity_verification_id: ownerId, pad: "x".repeat(9000) }),
    ]) {
      probes.push({ name: `v2 body ${body.slice(0, 30)}`, run: () => owner.verify(body) });
    }
    // The SMS routes: bodies, ids and cookies they refuse before any SMS is sent.
    const person = { name: "문자", phone: "01012345678", birth: "900101", gender_digit: "1", carrier: "SKT", agreed: true };
    const smsBodies: Array<[string, unknown]> = [
      ["send", { identity_verification_id: ownerId, ...person, phone: "0212345678" }],
      ["send", { identity_verification_id: ownerId, ...person, agreed: false }],
      ["send", { identity_verification_id: ownerId, ...person, birth: "991332" }],
      ["send", { identity_verification_id: ownerId, ...person, gender_digit: "0" }],
      ["send", { identity_verification_id: ownerId, ...person, carrier: "LGT" }],
      ["send", { identity_verification_id: ownerId, ...person, name: "x".repeat(51) }],
      ["send", { identity_verification_id: "A".repeat(40), ...person }],
      ["send", { merchant_uid: ownerId, ...person }],
      ["send", "{"],
      ["send", "[]"],
      ["resend", { identity_verification_id: ownerId }],
      ["resend", { identity_verification_id: "A".repeat(40) }],
      ["confirm", { identity_verification_id: ownerId, otp: "12345" }],
      ["confirm", { identity_verification_id: ownerId, otp: "123456" }],
      ["confirm", { identity_verification_id: "A".repeat(40), otp: "123456" }],
      ["confirm", { identity_verification_id: ownerId, otp: 123456 }],
    ];
    for (const [route, body] of smsBodies) {
      probes.push({
        name: `v2 sms ${route} ${JSON.stringify(body).slice(0, 40)}`,
        run: () =>
          owner.send(`/certifications/sms/${route}`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: typeof body === "string" ? body : JSON.stringify(body),
          }),
      });
    }
    probes.push({
      name: "v2 sms send from a stranger's browser",
      run: () =>
        stranger.send("/certifications/sms/send", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ identity_verification_id: ownerId, ...person }),
        }),
    });
    for (const cookie of [...forgedCookies, stranger.cookie]) {
      const forged = v2Browser();
      forged.cookie = cookie;
      probes.push({ name: `v2 cookie ${cookie.slice(0, 20)} → verify`, run: () => verifyV2(forged, ownerId) });
      probes.push({
        name: `v2 cookie ${cookie.slice(0, 20)} → redirect`,
        run: () => forged.send(`/certifications/redirect?identityVerificationId=${ownerId}`),
      });
    }
    for (const origin of ["https://evil.example", "null", `${devV2.baseUrl}.evil.example`]) {
      probes.push({
        name: `v2 origin ${origin}`,
        run: () =>
          owner.send("/certifications", {
            method: "POST",
            origin,
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ identity_verification_id: ownerId }),
          }),
      });
    }
    for (const query of [
      "",
      "code=FAILURE_TYPE_PG",
      "identityVerificationId=",
      `identityVerificationId=${ownerId}&identityVerificationId=${ownerId}`,
      "identityVerificationId=%00",
    ]) {
      probes.push({ name: `v2 redirect ?${query.slice(0, 30)}`, run: () => stranger.send(`/certifications/redirect?${query}`) });
    }
    const beforeV2 = snapshotV2();
    const answers = await pool(probes, 8, async (p) => {
      const res = await p.run();
      return { name: p.name, status: res.status, code: await codeOf(res) };
    });
    const wrong = answers.filter((a) => a.status < 400 || a.status >= 500 || a.code === null || !CODES.has(a.code));
    for (const a of wrong) console.log(`    ! ${a.name} → ${a.status} ${a.code}`);
    record({
      check: "v2 bad inputs: answers",
      tried: `${probes.length} generated`,
      figure: `${answers.length - wrong.length} with a contract error code, ${answers.filter((a) => a.status >= 500).length} of 5xx`,
      expected: `all ${probes.length}, 0 of 5xx`,
      ok: wrong.length === 0 && probes.length >= 60,
    });
    record({
      check: "v2 bad inputs: rows changed",
      tried: `${probes.length}`,
      figure: beforeV2 === snapshotV2() ? "0 rows changed" : "rows changed",
      expected: "0",
      ok: beforeV2 === snapshotV2(),
    });
    const survivor = (await verifyV2(owner, ownerId)).status;
    record({ check: "v2 bad inputs: the owner's attempt survives", tried: "1", figure: String(survivor), expected: "200", ok: survivor === 200 });

    step("PortOne V2: upstream faults");
    const faultsV2: Array<{ name: string; fault: PortOneFault; times: number; code: string }> = [
      {
        name: "401",
        fault: { kind: "status", status: 401, body: '{"type":"UNAUTHORIZED"}', contentType: "application/json" },
        times: 1,
        code: "upstream_unauthorized",
      },
      {
        name: "403",
        fault: { kind: "status", status: 403, body: '{"type":"FORBIDDEN"}', contentType: "application/json" },
        times: 1,
        code: "upstream_unauthorized",
      },
      { name: "5xx (persistent)", fault: { kind: "status", status: 503 }, times: 2, code: "upstream_error" },
      { name: "timeout", fault: { kind: "hang" }, times: 1, code: "upstream_timeout" },
      { name: "connection error (persistent)", fault: { kind: "network" }, times: 2, code: "upstream_error" },
      { name: "unparseable", fault: { kind: "unparseable" }, times: 1, code: "upstream_error" },
      { name: "HTML 404", fault: { kind: "status", status: 404, body: "<html>404</html>" }, times: 1, code: "upstream_error" },
    ];
    let correctV2 = 0;
    let recoveredV2 = 0;
    for (const f of faultsV2) {
      const b = v2Browser();
      const id = await verifiedV2(b);
      portone.fail(f.fault, f.times);
      const code = await codeOf(await verifyV2(b, id));
      if (code === f.code) correctV2++;
      else console.log(`    ! v2 ${f.name}: got ${code}, expected ${f.code}`);
      if ((await verifyV2(b, id)).status === 200) recoveredV2++;
    }
    record({
      check: "v2 upstream faults: correct codes",
      tried: `${faultsV2.length} faults`,
      figure: `${correctV2} correct`,
      expected: `${faultsV2.length}`,
      ok: correctV2 === faultsV2.length,
    });
    record({
      check: "v2 upstream faults: attempts lost",
      tried: `${faultsV2.length} retries`,
      figure: `${faultsV2.length - recoveredV2} lost`,
      expected: "0",
      ok: recoveredV2 === faultsV2.length,
    });

    step("PortOne V2: races");
    {
      const ci = `CI-v2-race-${Date.now()}`;
      const people = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const b = v2Browser();
          return { b, id: await verifiedV2(b, { ci }) };
        }),
      );
      const outcomes = await Promise.all(people.map(async ({ b, id }) => ((await (await verifyV2(b, id)).json()) as { outcome?: string }).outcome));
      const key = createHmac("sha256", HMAC_KEY).update(ci).digest("hex");
      const rows = devV2.query<{ n: number }>(`SELECT COUNT(*) AS n FROM users WHERE identity_key = '${key}'`)[0]?.n;
      const created = outcomes.filter((o) => o === "new_user").length;
      const existing = outcomes.filter((o) => o === "existing_user").length;
      record({
        check: "v2 50 concurrent verifications of one person",
        tried: "50",
        figure: `${created} new_user, ${existing} existing_user, ${rows} user row`,
        expected: "1, 49, 1",
        ok: created === 1 && existing === 49 && rows === 1,
      });
    }
    {
      const b = v2Browser();
      const id = await verifiedV2(b);
      const others = await Promise.all(
        Array.from({ length: 19 }, async () => {
          const o = v2Browser();
          await o.prepare();
          return o;
        }),
      );
      const statuses = await Promise.all([verifyV2(b, id), ...others.map((o) => verifyV2(o, id))].map((p) => p.then((r) => r.status)));
      const wins = statuses.filter((s) => s === 200).length;
      record({
        check: "v2 one identity verification id from 20 browsers",
        tried: "20",
        figure: `${wins} success`,
        expected: "1",
        ok: wins === 1 && statuses[0] === 200,
      });
    }

    const LOAD_V2 = Number(process.env.RELIABILITY_LOAD ?? 1000);
    step(`PortOne V2: load: ${LOAD_V2} verifications at concurrency 32`);
    {
      const calls = portone.calls.getIdentityVerification;
      const errors: string[] = [];
      const timings: number[] = [];
      await pool(
        Array.from({ length: LOAD_V2 }, (_, i) => i),
        32,
        async () => {
          const t0 = performance.now();
          const b = v2Browser();
          const res = await verifyV2(b, await verifiedV2(b));
          if (res.status !== 200) errors.push(`${res.status} ${await codeOf(res)}`);
          else await res.arrayBuffer();
          timings.push(performance.now() - t0);
        },
      );
      timings.sort((a, b) => a - b);
      const perVerification = (portone.calls.getIdentityVerification - calls) / LOAD_V2;
      if (errors.length) console.log(`    ! first errors: ${errors.slice(0, 5).join("; ")}`);
      record({
        check: "v2 bounded load",
        tried: `${LOAD_V2} at concurrency 32`,
        figure: `${errors.length} errors, ${perVerification.toFixed(2)} upstream calls per verification, p50 ${percentile(timings, 50).toFixed(0)} ms, p99 ${percentile(timings, 99).toFixed(0)} ms (prepare + verify)`,
        expected: "0 errors, 1.00 call per verification",
        ok: errors.length === 0 && perVerification === 1,
      });
    }
  } finally {
    devV2.stop();
    await upstreamV2.close();
  }

  // ── Events: a receiver that hangs, fails, answers slowly, or closes the connection ─────────────────────────────
  step("events: a third Worker (wrangler dev, live mode) whose client has a webhook, against a receiver that misbehaves");
  {
    const WEBHOOK_SECRET = `whsec_${Buffer.from("reliability-webhook-secret-0123").toString("base64")}`;
    // Each verification's event meets one kind of trouble on its first tries; the receiver takes it after that.
    type Trouble = "hang" | "500" | "slow" | "close";
    const TROUBLES: Trouble[] = ["hang", "500", "slow", "close"];
    const troubleOf = new Map<string, Trouble>();
    const deliveries: { id: string; sub: string; status: number }[] = [];
    const receiverServer = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        const id = String(req.headers["webhook-id"]);
        const expected = createHmac("sha256", Buffer.from(WEBHOOK_SECRET.slice(6), "base64"))
          .update(`${id}.${req.headers["webhook-timestamp"]}.${body}`)
          .digest("base64");
        if (req.headers["webhook-signature"] !== `v1,${expected}`) return void res.writeHead(400).end();
        const sub = String((JSON.parse(body) as { data: { sub: string } }).data.sub);
        if (!troubleOf.has(id)) troubleOf.set(id, TROUBLES[troubleOf.size % TROUBLES.length]!);
        const nth = deliveries.filter((d) => d.id === id).length + 1;
        const trouble = nth === 1 ? troubleOf.get(id) : nth === 2 && troubleOf.get(id) === "500" ? "500" : undefined;
        const answer = (status: number) => {
          deliveries.push({ id, sub, status });
          res.writeHead(status).end();
        };
        if (trouble === "hang") return void deliveries.push({ id, sub, status: 0 }); // never answers: the app's timeout
        if (trouble === "500") return answer(500);
        if (trouble === "close") {
          deliveries.push({ id, sub, status: 0 });
          return void req.socket.destroy();
        }
        if (trouble === "slow") return void setTimeout(() => answer(204), 3000); // slow, within the 10 s timeout
        answer(204);
      });
    });
    await new Promise<void>((resolve) => receiverServer.listen(0, "127.0.0.1", resolve));
    const hookUrl = `http://127.0.0.1:${(receiverServer.address() as { port: number }).port}/hook`;
    // The events' receiver has its own timeout story: the app's provider timeout stays at its default here.
    const devEvents = await startWranglerDev((baseUrl) =>
      liveVars(
        baseUrl,
        { webhook_url: hookUrl },
        { IMP_TIMEOUT_MS: "5000", WEBHOOK_SECRETS: JSON.stringify({ site: WEBHOOK_SECRET }), WEBHOOK_RETRY_BASE_SECONDS: "1" },
      ),
    );
    try {
      /** A person verified inside the site's authorization, as a browser does it (every cookie kept); the sub it saw. */
      const signIn = async (n: number) => {
        const jar = new Map<string, string>();
        const send = async (path: string, init: RequestInit = {}) => {
          const headers = new Headers(init.headers);
          headers.set("Cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
          const res = await fetch(`${devEvents.baseUrl}${path}`, { ...init, headers, redirect: "manual" });
          for (const set of res.headers.getSetCookie()) {
            const [pair = ""] = set.split(";");
            jar.set(pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1));
          }
          return res;
        };
        const query = new URLSearchParams({
          response_type: "code",
          client_id: "site",
          redirect_uri: "https://site.example/cb",
          scope: "openid",
          state: `s${n}`,
          nonce: `n${n}`,
          code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
          code_challenge_method: "S256",
        });
        const page = await (await send(`/authorize?${query}`)).text();
        const config = JSON.parse(/<script type="application\/json" id="page-config">([\s\S]*?)<\/script>/.exec(page)![1]!) as {
          attempt: { merchant_uid: string };
        };
        const cert = stub.certify({ merchant_uid: config.attempt.merchant_uid, unique_key: `CI-events-${n}`, name: `이벤트${n}` });
        const res = await send("/certifications", {
          method: "POST",
          headers: { "Content-Type": "application/json", Origin: devEvents.baseUrl },
          body: JSON.stringify({ imp_uid: cert.imp_uid }),
        });
        if (res.status !== 200) throw new Error(`events sign-in ${n}: ${res.status} ${await res.text()}`);
        return ((await res.json()) as { user: { id: string } }).user.id;
      };
      const subs = await Promise.all(TROUBLES.map((_, i) => signIn(i)));
      const deadline = Date.now() + 90_000;
      const allDelivered = () => subs.every((sub) => deliveries.some((d) => d.sub === sub && d.status >= 200 && d.status < 300));
      while (!allDelivered() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
      const idsPerSub = subs.map((sub) => new Set(deliveries.filter((d) => d.sub === sub).map((d) => d.id)).size);
      const rows = devEvents.query<{ status: string; n: number }>("SELECT status, COUNT(*) AS n FROM events GROUP BY status");
      const kinds = [...new Set(troubleOf.values())].sort().join(", ");
      record({
        check: "events through a misbehaving receiver",
        tried: `${subs.length} verifications; the receiver first ${kinds}, then takes them`,
        figure: `${subs.filter((sub) => deliveries.some((d) => d.sub === sub && d.status >= 200 && d.status < 300)).length} delivered, ids per verification ${idsPerSub.join("/")}, ${deliveries.length} tries, D1 ${rows.map((r) => `${r.status} ${r.n}`).join(", ")}`,
        expected: `${subs.length} delivered, 1 id each, D1 all delivered`,
        ok: allDelivered() && idsPerSub.every((n) => n === 1) && rows.length === 1 && rows[0]!.status === "delivered" && rows[0]!.n === subs.length,
      });
    } finally {
      devEvents.stop();
      receiverServer.closeAllConnections();
      receiverServer.close();
    }
  }
} finally {
  dev.stop();
  await upstream.close();
}

console.log("\n| check | tried | figure | expected | |\n|---|---|---|---|---|");
for (const l of lines) console.log(`| ${l.check} | ${l.tried} | ${l.figure} | ${l.expected} | ${l.ok ? "✓" : "✗"} |`);
const failed = lines.filter((l) => !l.ok).length;
console.log(`\nreliability: ${lines.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
