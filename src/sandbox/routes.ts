import { Hono } from "hono";
import type { AppEnv } from "../env";
import { withStorage } from "../http/context";
import { personFromWindow, readBody, sandboxOnly } from "./requests";
import { SANDBOX_OPTIONS, type SandboxOption } from "./schema";
import { CONFIRM_MESSAGES, confirmOtp, findCertification, requestOtp } from "./simulator";

/** The carrier window talks only to this origin; it may navigate anywhere (m_redirect_url), as a PG window does. */
const CARRIER_WINDOW_CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** What the simulated carrier window's page calls: it stands for the carrier's servers and the person's phone. */
const carrierWindow = new Hono<AppEnv>()
  .use(withStorage("sandbox"))
  .post("/request", async (c) => {
    const body = await readBody(c);
    const options = (body.dev_options ?? "").split(",").filter((o): o is SandboxOption => (SANDBOX_OPTIONS as readonly string[]).includes(o));
    const person = personFromWindow(body, options);
    if (!person) return c.json({ error: "invalid_person" }, 400);
    const impUid = await requestOtp(c.get("db"), person, body.merchant_uid || null, body.origin || null);
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

/**
 * Everything under /sandbox that both providers share — the carrier window and the SDK stand-ins; each provider's
 * REST simulator is in its own folder. None of it exists in live mode.
 */
export const sandbox = new Hono<AppEnv>()
  .use(sandboxOnly)
  .route("/window", carrierWindow)
  // The SDK shims and the carrier window's page are static files, served only in sandbox mode.
  .get("/*", async (c) => {
    const asset = await c.env.ASSETS.fetch(c.req.raw);
    const res = new Response(asset.body, asset);
    if ((res.headers.get("Content-Type") ?? "").startsWith("text/html")) res.headers.set("Content-Security-Policy", CARRIER_WINDOW_CSP);
    return res;
  });
