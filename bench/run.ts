// npm run bench — speed, cost and size of the Worker, side by side with the integration a site would otherwise
// deploy: the server that i'mport's identity-verification guide (휴대폰 본인인증) writes (bench/guide-server.mjs:
// Express + axios, a new token for every request), run as its own process against its own copy of the same stub.
// The Worker runs as its deployable bundle in workerd (Miniflare), in live mode, on 127.0.0.1 — not behind
// `wrangler dev`, whose local proxy saturates near 600 requests/s and would measure itself. Each stub adds a fixed
// latency per call. Verifications are timed from POST /certifications to its answer (the attempt is prepared and
// certified by the stub before the clock starts), at each concurrency level, in alternating rounds in one run.
// Loopback only, bounded, stops by itself.
import { HttpClient, percentile, pool } from "../test/support/http-client.ts";
import { measureBuild } from "./build.ts";
import { type CpuCost, measureCpu } from "./cost.ts";
import { type CountersCost, measureCounters } from "./counters.ts";
import { type IsolateCost, measureIsolate } from "./isolate.ts";
import { type LighthouseRun, measureLighthouse } from "./lighthouse.ts";
import { measureOidc, type OidcCost } from "./oidc.ts";
import { type Level, type Run, writeReport } from "./report.ts";
import { APP_ORIGIN, appServer, appV2Server, guideServer, type Name, type Server, startApp } from "./servers.ts";
import { COUNT, flags, LATENCY_MS, LEVELS, PROBES, ROUNDS, step, tty, WARMUP } from "./settings.ts";
import { measureSms, type SmsCost } from "./sms.ts";
import { profileWorker, ready, submit, verifyOnce } from "./verification.ts";
import { measureWebhooks, type WebhookCost } from "./webhooks.ts";

async function main(): Promise<boolean> {
  const { size, startups } = await measureBuild();
  const servers = [await appServer(), await appV2Server(), await guideServer()];
  const [app] = servers as [Server<Name>, Server<Name>, Server<Name>];
  const callsOf = (server: Server) => ({
    getToken: server.stub.calls.getToken,
    getResult: server.portone ? server.portone.calls.getIdentityVerification : server.stub.calls.getCertification,
  });
  const levels: Level[] = [];
  const storage = { pageViews: 0, pageViewsOk: 0, prepares: 0, preparesOk: 0, attemptInPage: false };
  let profile: Run["profile"];
  let oidc: OidcCost | undefined;
  let sms: SmsCost | undefined;
  let cpu: CpuCost | undefined;
  let webhooks: WebhookCost | undefined;
  let isolate: IsolateCost | undefined;
  let counters: CountersCost | { skipped: string } | undefined;
  let floorMs = Number.NaN;
  try {
    // A page view and a prepare must cost no storage: served by the same bundle with no D1 and no KV binding at
    // all, they would fail on the first touch.
    step(`page views and prepares with no D1 and no KV binding (${PROBES} each)`);
    const bare = await startApp({ storage: false, apiBase: app.stubServer.url, impKey: app.stub.impKey });
    try {
      await pool(
        Array.from({ length: PROBES }, (_, i) => i),
        8,
        async () => {
          const client = new HttpClient(bare.url, APP_ORIGIN);
          const page = await client.send("/");
          const html = await page.text();
          storage.pageViews++;
          if (page.status === 200) storage.pageViewsOk++;
          storage.attemptInPage ||= /"attempt":\{"provider":"v1","merchant_uid":"[A-Za-z0-9]{40}"/.test(html);
          const prepare = await client.send("/certifications/prepare", { method: "POST" });
          storage.prepares++;
          if (prepare.status === 201) storage.preparesOk++;
          await prepare.arrayBuffer();
        },
      );
    } finally {
      await bare.mf.dispose();
    }
    console.log(
      `  ${storage.pageViewsOk}/${storage.pageViews} page views, ${storage.preparesOk}/${storage.prepares} prepares answered; attempt in the page: ${storage.attemptInPage}`,
    );

    step(`warming up (${WARMUP} verifications each, not measured)`);
    for (const server of servers)
      await pool(
        Array.from({ length: WARMUP }, (_, i) => i),
        8,
        (i) => verifyOnce(server, `warm-${i}`),
      );

    const floor: number[] = [];
    for (let i = 0; i < (flags.quick ? 20 : 200); i++) {
      const t0 = performance.now();
      await (await fetch(`${app.url}/healthz`)).arrayBuffer();
      floor.push(performance.now() - t0);
    }
    floor.sort((a, b) => a - b);
    floorMs = percentile(floor, 50);

    for (const concurrency of LEVELS) {
      step(
        `measuring: ${COUNT} verifications per server at concurrency ${concurrency}, stub latency ${LATENCY_MS} ms/call, ${ROUNDS} alternating round(s)`,
      );
      const level: Level = {
        concurrency,
        samples: { app: [], v2: [], guide: [] },
        elapsedMs: { app: 0, v2: 0, guide: 0 },
        calls: { app: { getToken: 0, getResult: 0 }, v2: { getToken: 0, getResult: 0 }, guide: { getToken: 0, getResult: 0 } },
        requestIds: { app: [], v2: [], guide: [] },
      };
      levels.push(level);
      const perRound = Math.ceil(COUNT / ROUNDS);
      const total = perRound * ROUNDS * servers.length;
      const progress = setInterval(
        () => {
          const done = level.samples.app.length + level.samples.v2.length + level.samples.guide.length;
          const text = `  ${done}/${total} verifications (${((100 * done) / total).toFixed(0)}%)`;
          if (tty) process.stdout.write(`\r${text}`);
          else console.log(text);
        },
        tty ? 300 : 5000,
      );
      for (let r = 0; r < ROUNDS; r++) {
        for (const server of r % 2 === 0 ? servers : [...servers].reverse()) {
          const people = await pool(
            Array.from({ length: perRound }, (_, i) => `c${concurrency}-r${r}-${i}`),
            8,
            (id) => ready(server, id),
          );
          level.requestIds[server.name].push(...people.map((p) => p.requestId));
          const before = callsOf(server);
          const work = async () => {
            const t0 = performance.now();
            await pool(people, concurrency, async (person) => level.samples[server.name].push(await submit(person)));
            return performance.now() - t0;
          };
          const profiled = server.inspectorPort && server.name === "app" && r === 0 && concurrency === LEVELS[LEVELS.length - 1];
          if (profiled) {
            let elapsed = 0;
            profile = await profileWorker(server.inspectorPort!, perRound, async () => (elapsed = await work()));
            level.elapsedMs[server.name] += elapsed;
          } else {
            level.elapsedMs[server.name] += await work();
          }
          const after = callsOf(server);
          level.calls[server.name].getToken += after.getToken - before.getToken;
          level.calls[server.name].getResult += after.getResult - before.getResult;
        }
      }
      clearInterval(progress);
      if (tty) process.stdout.write("\n");
    }
    const oidcRuns = flags.quick ? 10 : 100;
    step(
      `OpenID Connect: ${oidcRuns} verifications in the page's own flow and ${oidcRuns} inside an authorization, alternating, one at a time; each code exchanged at /token`,
    );
    oidc = await measureOidc(app, oidcRuns);
    step(
      `webhooks: ${oidcRuns} verifications inside an authorization of a client without and of one with a webhook, alternating, one at a time; then the CPU of blocks of each, deliveries included`,
    );
    webhooks = await measureWebhooks(app as Server<Name> & { receiver: NonNullable<Server["receiver"]> }, oidcRuns, flags.quick ? 2 : 4);
    step(`in-page SMS: ${oidcRuns} verifications by SMS (send, then confirm), one at a time, on a Worker with VERIFY_METHOD=sms`);
    sms = await measureSms(app, oidcRuns);
    const cpuRuns = flags.quick ? 100 : 400;
    const cpuRounds = flags.quick ? 1 : 4;
    step(
      `CPU per request from /proc: ${cpuRuns} verifications at concurrency 8 and ${cpuRuns} at 16, for the app, the guide, and the guide with its users in SQLite, in ${cpuRounds} alternating round(s); the app's page views, prepares, /healthz in the same rounds`,
    );
    const guideSqlite = await guideServer("sqlite");
    try {
      cpu = await measureCpu([app, servers[2]!, guideSqlite], cpuRuns, cpuRounds);
      // A difference of two /proc readings (10 ms ticks): more verifications than the other measures, even when quick.
      isolate = await measureIsolate(guideSqlite, flags.quick ? 400 : 1200, flags.quick ? 4 : 6);
    } finally {
      await guideSqlite.stop();
      await guideSqlite.stubServer.close();
    }
    counters = await measureCounters(oidcRuns, flags.quick ? 1 : 2);
    await new Promise((r) => setTimeout(r, 500)); // let the last log lines arrive
  } finally {
    for (const server of servers) {
      await server.stop();
      await server.stubServer.close();
    }
  }
  // The page on a phone, with the servers above stopped: Lighthouse's own timings are simulated, but its runs are not.
  step(
    "the page on a phone: Lighthouse (mobile preset) on the app's page and the seed's, 3 alternating runs each; the consent page and the console once",
  );
  const lighthouse: LighthouseRun = await measureLighthouse();

  return writeReport({ servers, levels, storage, floorMs, profile, size, startups, oidc, sms, cpu, webhooks, isolate, counters, lighthouse });
}

if (!(await main())) process.exit(1);
