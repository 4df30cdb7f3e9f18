import * as v from "valibot";
import type { Reader } from "../../config/reader";
import { AppError } from "../../errors";
import { type CspSources, mergeCsp, PGS, pgWindowHosts, profileOfPg } from "../pg";
import type { ConfigureContext, Provider, ProviderConfigurer } from "../provider";
import { AttemptId } from "../schemas";
import { ImpClient } from "./client";
import { ImpUid, iamportSchemas } from "./schemas";
import { TokenCache } from "./token-cache";

/** The simulator's credentials: it accepts exactly these, so sandbox mode needs no secrets. */
export const IAMPORT_SANDBOX = {
  impCode: "imp00000000",
  impKey: "sandbox_key",
  impSecret: "sandbox_secret",
  /** The client calls the simulator in-process (a Worker cannot fetch its own hostname), so the host is moot. */
  apiBase: "https://sandbox.invalid/sandbox/api",
  sdkPath: "/sandbox/iamport.js",
} as const;

/**
 * What i'mport's SDK (PortOne's v1 builds) needs from the page's CSP besides its own script: `IMP.init` loads the
 * store's channel list from service.iamport.kr as JSONP — a <script> (jQuery turns `?callback=?` into one), though
 * it reads like an XHR, so connect-src allows the host too — then a hidden iframe from the same host, which the
 * SDK talks to by postMessage. The PG's window is posted from the page (the PG's own hosts, in ../pg).
 */
const SDK_HOSTS: CspSources = {
  script: ["https://service.iamport.kr"],
  connect: ["https://service.iamport.kr"],
  frame: ["https://service.iamport.kr"],
};

/** i'mport's vars (IMP_*): the merchant code, REST keys, where the API and the SDK are, and IMP.certification's extras. */
function readVars(r: Reader, context: ConfigureContext) {
  const { sandbox, active } = context;
  const impKey = r.text("IMP_KEY");
  const impSecret = r.text("IMP_SECRET");
  const impCode = r.read("IMP_CODE");
  const apiBase = r.read("IMP_API_BASE");
  const sdkUrl = r.read("IMP_SDK_URL");
  const pg = r.text("IMP_PG");
  const profile = profileOfPg(pg);
  const params: Record<string, string | number> = {};
  const channelKey = r.text("IMP_CHANNEL_KEY");
  if (channelKey) params.channelKey = channelKey;
  if (pg) params.pg = pg;
  // What the PG's window takes (Danal: the site's name, a minimum age); IMP_COMPANY names the site for any PG.
  if (profile) Object.assign(params, PGS[profile].v1Params(context));
  const company = r.text("IMP_COMPANY");
  if (company) params.company = company;
  if (active && !sandbox) {
    // Live mode never falls back to the sandbox: what it lacks is a problem like a wrong value.
    r.require("IMP_CODE", impCode, "required in live mode with v1: the merchant code (imp…)");
    r.require("IMP_KEY", impKey, "required in live mode with v1: the REST API key (a secret)");
    r.require("IMP_SECRET", impSecret, "required in live mode with v1: the REST API secret (a secret)");
  }
  // In sandbox mode the simulator's own credentials are used, whatever .dev.vars holds, so that live keys are never
  // sent to the simulator and the simulator never accepts live keys.
  return sandbox
    ? {
        ...IAMPORT_SANDBOX,
        impCode: impCode ?? IAMPORT_SANDBOX.impCode,
        sdkUrl: IAMPORT_SANDBOX.sdkPath,
        params,
        profile: undefined,
        pgProfile: profile,
      }
    : // Live, a result from another PG than the configured one's does not count.
      { impCode: impCode ?? "", impKey: impKey ?? "", impSecret: impSecret ?? "", apiBase, sdkUrl, params, profile, pgProfile: profile };
}

/** i'mport (PortOne V1), configured: `IMP.certification` on the page, `GET /certifications/{imp_uid}` on the server. */
export const iamportConfigurer: ProviderConfigurer = {
  name: "v1",
  configure(r, context): Provider {
    const vars = readVars(r, context);
    return {
      name: "v1",
      pgProfile: vars.pgProfile,
      attemptStart: ({ attemptId, expiresAt }) => ({
        provider: "v1",
        merchant_uid: attemptId,
        expires_at: expiresAt,
        imp_code: vars.impCode,
        params: vars.params,
      }),
      fromBody(body) {
        // `merchant_uid` is optional: i'mport's integration guide sends only the imp_uid.
        if (!v.is(iamportSchemas.verifyBody, body)) return null;
        return { resultId: body.imp_uid, attemptId: body.merchant_uid };
      },
      fromRedirect(query) {
        const resultId = query.imp_uid;
        // `success=false` without an imp_uid: the person closed or cancelled the window.
        const cancelled = !resultId && (query.success ?? query.imp_success) === "false";
        if (!resultId) return { ref: null, cancelled };
        const attemptId = query.merchant_uid || undefined;
        if (!v.is(ImpUid, resultId) || (attemptId !== undefined && !v.is(AttemptId, attemptId))) {
          throw new AppError("invalid_request", "ids in the query");
        }
        return { ref: { resultId, attemptId }, cancelled };
      },
      attemptOfRedirect: (query) => (v.is(AttemptId, query.merchant_uid) ? query.merchant_uid : undefined),
      attemptOfBody: (body) => (v.is(AttemptId, body.merchant_uid) ? body.merchant_uid : undefined),
      verificationOf: ({ attemptId, resultId, certifiedAt }) => ({
        provider: "v1",
        imp_uid: resultId,
        merchant_uid: attemptId,
        certified_at: certifiedAt,
      }),
      client(deps) {
        const tokens = new TokenCache(deps.cache, deps.waitUntil, {
          onKvError: (op) => deps.warn("kv_error", { op }),
          onSource: (source) => deps.note("token", source),
        });
        // The OTP request takes what the window gets, in i'mport's REST names.
        const { channelKey, ...otpParams } = vars.params;
        return new ImpClient({
          ...deps,
          apiBase: vars.apiBase,
          impKey: vars.impKey,
          impSecret: vars.impSecret,
          tokens,
          pgProvider: vars.profile,
          otpParams: { ...otpParams, ...(channelKey ? { channel_key: channelKey } : {}) },
        });
      },
      page: {
        sdkUrl: vars.sdkUrl,
        script: "/providers/iamport.js",
        // Sandbox mode serves everything from the app's own origin.
        csp: context.sandbox ? {} : mergeCsp({ script: [new URL(vars.sdkUrl).origin] }, SDK_HOSTS, pgWindowHosts(vars.pgProfile)),
      },
    };
  },
};
