import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { recentDeliveries } from "../db/events";
import type { AppEnv } from "../env";
import { errorBody } from "../errors";
import { type StorageVariables, withStorage } from "../http/context";
import { PGS, type PgProfile, profileOfPg } from "../providers/pg";
import { personFromWindow, readBody, sandboxOnly } from "./requests";
import { SANDBOX_OPTIONS, type SandboxOption } from "./schema";
import { CONFIRM_MESSAGES, confirmOtp, findCertification, lastCodeTo, requestOtp } from "./simulator";

/** The carrier window talks only to this origin; it may navigate anywhere (m_redirect_url), as a PG window does. */
const CARRIER_WINDOW_CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** What a PG leaves out (its record's `gives`); no PG named is Danal. */
function profileOptions(pg: PgProfile | undefined, ciInContract: boolean): SandboxOption[] {
  const { gives } = PGS[pg ?? "danal"];
  if (!gives.di) return ["no_di"];
  // The window's "CI in the contract" (on unless unchecked) stands for the PG's contract.
  if (gives.ciByContract && !ciInContract) return ["empty_ci"];
  return [];
}

/** What the simulated carrier window's page calls: it stands for the carrier's servers and the person's phone. */
const carrierWindow = new Hono<AppEnv>()
  .use(withStorage("sandbox"))
  .post("/request", async (c) => {
    const body = await readBody(c);
    const chosen = (body.dev_options ?? "").split(",").filter((o): o is SandboxOption => (SANDBOX_OPTIONS as readonly string[]).includes(o));
    // The PG decides what the result carries, as the real ones do: V1 names it in `pg`; V2's channel has it.
    const pg = profileOfPg(body.pg || undefined) ?? c.get("config").provider.pgProfile;
    const required = pg && PGS[pg].v2Requires;
    if (required && body.version === "v2" && !body.flg_fixed_user) {
      return c.json({ error: "invalid_request", message: `${required} is required (PortOne V2, ${PGS[pg].v2Name})` }, 400);
    }
    const options = [...chosen, ...profileOptions(pg, body.ci_in_contract !== "false")];
    const person = personFromWindow(body, options);
    if (!person) return c.json({ error: "invalid_person" }, 400);
    const impUid = await requestOtp(c.get("db"), { ...person, pg: pg ?? null }, body.merchant_uid || null, body.origin || null);
    return c.json({ imp_uid: impUid });
  })
  /** The simulated phone's inbox: the SMS the carrier "sent". */
  .get("/sms/:imp_uid", async (c) => {
    const row = await findCertification(c.get("db"), c.req.param("imp_uid"));
    if (!row) return c.json({ error: "not_found" }, 404);
    return c.json({ to: row.phone, otp: row.otp, text: `[본인인증] 인증번호는 [${row.otp}]입니다. 정확히 입력해 주세요.` });
  })
  .post("/confirm", async (c) => {
    const { imp_uid: impUid = "", otp = "" } = await readBody(c);
    const outcome = await confirmOtp(c.get("db"), impUid, otp);
    if (outcome === "confirmed") return c.json({ ok: true });
    return c.json({ error: outcome, message: outcome === "not_found" ? "not found" : CONFIRM_MESSAGES[outcome] }, 400);
  });

async function inbox(c: Context<AppEnv & { Variables: StorageVariables }>, phone: string) {
  const row = /^01\d{8,9}$/.test(phone) ? await lastCodeTo(c.get("db"), phone) : undefined;
  c.header("Cache-Control", "no-store");
  if (!row) return c.json(errorBody("not_found"), 404);
  return c.json({ code: row.otp });
}

/**
 * Everything under /sandbox that both providers share — the carrier window and the SDK stand-ins; each provider's
 * REST simulator is in its own folder. None of it exists in live mode.
 */
export const sandbox = new Hono<AppEnv>()
  .use(sandboxOnly)
  .route("/window", carrierWindow)
  // The simulated phones' inbox, for the in-page SMS flow (both versions): the last code sent to a number. GET for
  // tests; the page itself POSTs the number, so that not even a sandbox number goes into a URL.
  .get("/sms", withStorage("sandbox"), (c) => inbox(c, c.req.query("phone") ?? ""))
  .post("/sms", withStorage("sandbox"), async (c) => inbox(c, (await readBody(c)).phone ?? ""))
  // The last webhook deliveries the app attempted, so a developer sees them offline (no event's data).
  .get("/webhooks", withStorage("sandbox"), async (c) => c.json({ deliveries: await recentDeliveries(c.get("db")) }))
  // The SDK shims and the carrier window's page are static files, served only in sandbox mode.
  .get("/*", async (c) => {
    const asset = await c.env.ASSETS.fetch(c.req.raw);
    const res = new Response(asset.body, asset);
    if ((res.headers.get("Content-Type") ?? "").startsWith("text/html")) res.headers.set("Content-Security-Policy", CARRIER_WINDOW_CSP);
    return res;
  });
