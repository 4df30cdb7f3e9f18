import { Hono } from "hono/tiny";
import { childOfConsent } from "../db/guardian";
import type { AppEnv } from "../env";
import { AppError } from "../errors";
import { browserToken } from "../http/browser";
import { withStorage } from "../http/context";
import { errorPage } from "../http/error-page";
import { requireConfig } from "../http/security";
import { sha256Hex } from "../lib/crypto";
import { openConsent } from "../verification/consent";
import { showPage } from "./page";

/**
 * The guardian's page (`/guardian/<token>`, the link a child's page shows): who asks, what is collected about the
 * child and why, and a verification through the same provider whose result is read as the guardian's consent. An
 * HTML route: every error is a page. The link proves itself; the page tells a forged, expired or used link apart,
 * and refuses the browser the child verified in.
 */
export const guardian = new Hono<AppEnv>()
  .get("/:token", requireConfig, withStorage("guardian"), async (c) => {
    const token = c.req.param("token");
    const link = await openConsent(c.get("config"), token);
    if (Date.now() >= link.expiresAt) throw new AppError("consent_expired");
    const browser = await browserToken(c);
    const child = await childOfConsent(c.get("db"), link.consentId, browser ? await sha256Hex(browser) : undefined);
    if (!child) throw new AppError("consent_expired", "the child is gone");
    if (child.childsBrowser) throw new AppError("guardian_is_child", "opened in the child's browser");
    if (child.status === "active") throw new AppError("consent_used");
    c.header("Cache-Control", "no-store");
    return showPage(c, { consent: token });
  })
  .onError((err, c) => errorPage(c, err));
