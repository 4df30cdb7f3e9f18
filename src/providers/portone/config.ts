import * as v from "valibot";
import type { Reader } from "../../config/reader";
import { AppError } from "../../errors";
import { type CspSources, mergeCsp, PGS, pgWindowHosts } from "../pg";
import type { ConfigureContext, Provider, ProviderConfigurer } from "../provider";
import { AttemptId } from "../schemas";
import { PortOneClient } from "./client";
import { portoneSchemas } from "./schemas";

/** The simulator's credentials: it accepts exactly these, so sandbox mode needs no secrets. */
export const PORTONE_SANDBOX = {
  storeId: "store-00000000-0000-0000-0000-000000000000",
  channelKey: "channel-key-00000000-0000-0000-0000-000000000000",
  apiSecret: "sandbox_portone_api_secret",
  // The V2 simulator answers at the root, as PortOne does (its own SDK keeps only the origin of a base URL).
  apiBase: "https://sandbox.invalid",
  sdkPath: "/sandbox/portone.js",
} as const;

/**
 * What PortOne's V2 SDK (its 2.0.0 build) needs from the page's CSP besides its own script: it first prepares the
 * verification with `POST https://checkout-service.prod.iamport.co/api/identity-verification-prepare/v2` (the host is
 * built in; its status and failure reports go there too, and the build names tx-gateway-service beside it), then
 * loads the PG's driver script from https://cdn.portone.io/drivers/, which posts the PG's window from the page
 * (the PG's own hosts, in ../pg).
 */
const SDK_HOSTS: CspSources = {
  script: ["https://cdn.portone.io"],
  connect: ["https://checkout-service.prod.iamport.co", "https://tx-gateway-service.prod.iamport.co"],
};

/** PortOne V2's vars (PORTONE_*): the store, the identity-verification channel, the API secret, where API and SDK are. */
function readVars(r: Reader, context: ConfigureContext) {
  const { sandbox, active } = context;
  const profile = r.read("PORTONE_PG");
  const storeId = r.read("PORTONE_STORE_ID");
  const channelKey = r.read("PORTONE_CHANNEL_KEY");
  const apiSecret = r.text("PORTONE_API_SECRET");
  const apiBase = r.read("PORTONE_API_BASE");
  const sdkUrl = r.read("PORTONE_SDK_URL");
  if (active && !sandbox) {
    r.require("PORTONE_STORE_ID", storeId, "required in live mode with v2: the store id (store-…)");
    r.require("PORTONE_CHANNEL_KEY", channelKey, "required in live mode with v2: the identity-verification channel key");
    r.require("PORTONE_API_SECRET", apiSecret, "required in live mode with v2: the API secret (a secret)");
  }
  const params = profile ? PGS[profile].v2Params(context) : {};
  return sandbox
    ? {
        ...PORTONE_SANDBOX,
        storeId: storeId ?? PORTONE_SANDBOX.storeId,
        channelKey: channelKey ?? PORTONE_SANDBOX.channelKey,
        sdkUrl: PORTONE_SANDBOX.sdkPath,
        params,
        profile,
        live: false,
      }
    : { storeId: storeId ?? "", channelKey: channelKey ?? "", apiSecret: apiSecret ?? "", apiBase, sdkUrl, params, profile, live: true };
}

export interface PortOneProvider extends Provider {
  /** The channel results must come from (the sandbox's simulator answers with it). */
  readonly channelKey: string;
}

/** PortOne V2, configured: `PortOne.requestIdentityVerification` on the page, `GET /identity-verifications/{id}` on the server. */
export const portoneConfigurer: ProviderConfigurer = {
  name: "v2",
  configure(r, context): PortOneProvider {
    const vars = readVars(r, context);
    return {
      name: "v2",
      pgProfile: vars.profile,
      channelKey: vars.channelKey,
      attemptStart: ({ attemptId, expiresAt }) => ({
        provider: "v2",
        identity_verification_id: attemptId,
        expires_at: expiresAt,
        store_id: vars.storeId,
        channel_key: vars.channelKey,
        params: vars.params,
      }),
      // The id the page passed to the SDK is the attempt id and the result's id at once.
      fromBody: (body) =>
        v.is(portoneSchemas.verifyBody, body) ? { resultId: body.identity_verification_id, attemptId: body.identity_verification_id } : null,
      fromRedirect(query) {
        // A `code` is PortOne's word for a failure, a cancel included.
        const cancelled = query.code !== undefined;
        const id = query.identityVerificationId;
        if (!id) return { ref: null, cancelled };
        if (!v.is(AttemptId, id)) throw new AppError("invalid_request", "ids in the query");
        return { ref: { resultId: id, attemptId: id }, cancelled };
      },
      attemptOfRedirect: (query) => (v.is(AttemptId, query.identityVerificationId) ? query.identityVerificationId : undefined),
      attemptOfBody: (body) => (v.is(AttemptId, body.identity_verification_id) ? body.identity_verification_id : undefined),
      verificationOf: ({ attemptId, certifiedAt }) => ({ provider: "v2", identity_verification_id: attemptId, certified_at: certifiedAt }),
      client: (deps) =>
        new PortOneClient({
          ...deps,
          apiBase: vars.apiBase,
          apiSecret: vars.apiSecret,
          storeId: vars.storeId,
          channelKey: vars.channelKey,
          // Live, a test channel's result never counts, and a result must name our channel by its key.
          refuseTestChannel: vars.live,
          requireChannel: vars.live,
        }),
      page: {
        sdkUrl: vars.sdkUrl,
        script: "/providers/portone.js",
        // Sandbox mode serves everything from the app's own origin.
        csp: vars.live ? mergeCsp({ script: [new URL(vars.sdkUrl).origin] }, SDK_HOSTS, pgWindowHosts(vars.profile)) : {},
      },
    };
  },
};
