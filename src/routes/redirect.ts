import { Hono, type Context } from "hono";
import { validator } from "hono-openapi";
import * as v from "valibot";
import type { AppEnv } from "../env";
import { AppError } from "../errors";
import { logVerification } from "../http/log";
import { requireConfig } from "../http/security";
import { invalidRequest } from "../http/validation";
import { errorPage, resultPage } from "../views/result-page";
import { verifyLimit } from "./certifications";
import { AttemptId, ImpUid, RedirectQuery } from "./schemas";
import { runVerification } from "./verification";

/** The person closed or cancelled the window: only the wording depends on what the query claims, never the outcome. */
const cancelled = (c: Context<AppEnv>) => !c.req.query("imp_uid") && (c.req.query("success") ?? c.req.query("imp_success")) === "false";

/**
 * `m_redirect_url`: where i'mport sends the browser back in redirect mode. The same verification as
 * `POST /certifications`, answered with an HTML page whose status is the one the JSON route would give. A sub-app
 * of its own, so that every error here, whatever raised it, is a page, never JSON.
 */
export const redirect = new Hono<AppEnv>()
  .get("/", requireConfig, verifyLimit, validator("query", RedirectQuery, invalidRequest), logVerification, async (c) => {
    const query = c.req.valid("query");
    const impUid = query.imp_uid;
    if (!impUid) throw new AppError("not_certified", cancelled(c) ? "cancelled" : "no imp_uid");
    const merchantUid = query.merchant_uid || undefined;
    if (!v.is(ImpUid, impUid) || (merchantUid !== undefined && !v.is(AttemptId, merchantUid))) {
      throw new AppError("invalid_request", "ids in the query");
    }
    return resultPage(c, { result: await runVerification(c, { impUid, merchantUid }) });
  })
  .onError((err, c) => errorPage(c, err, { cancelled: cancelled(c) }));
