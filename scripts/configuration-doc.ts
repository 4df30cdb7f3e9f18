/// <reference types="node" />
// `npm run configuration` writes docs/configuration.md from the declarations of every var (src/config/vars.ts:
// kind, default, what it accepts, secret or not) and, for each, what it means (below: the docs' words, which never
// ship in the Worker); `npm run check` runs it with `--check` and fails when the file is not what they say, when a
// var has no meaning here, or a meaning has no var.
import { accepted, VARS, type VarDecl, type VarName } from "../src/config/vars.ts";
import { writeOrCheck } from "./generated-doc.ts";

export const CONFIGURATION_DOC = "docs/configuration.md";

const MEANINGS: Record<VarName, string> = {
  IMP_MODE: "`live` (the real provider) or `sandbox` (the built-in simulator of either version, no keys)",
  PORTONE_VERSION: "`v1` (i'mport) or `v2` (PortOne V2)",
  IMP_CODE: "the merchant code, `imp` and digits (live `v1`: required)",
  IMP_KEY: "V1: the REST API key; never sent to the browser, never logged (live `v1`: required)",
  IMP_SECRET: "V1: the REST API secret; never sent to the browser, never logged (live `v1`: required)",
  IMP_API_BASE: "an absolute `https` URL (`http` only for `localhost`/`127.0.0.1`)",
  IMP_SDK_URL:
    "V1: the browser SDK's script, a jQuery-free build (the old `iamport.payment-*.js` builds need jQuery and cannot work); the page's CSP allows its origin",
  IMP_CHANNEL_KEY: "V1: passed to `IMP.certification` as `channelKey`",
  IMP_PG: "V1: passed to `IMP.certification` as `pg`; its prefix (`danal`, `inicis_unified`, `kcp_v2`) is the PG profile",
  IMP_COMPANY: "V1: passed to `IMP.certification` as `company` (Danal's window shows it; `SERVICE_NAME` when unset)",
  PORTONE_STORE_ID: "`store-…` (live `v2`: required)",
  PORTONE_CHANNEL_KEY: "`channel-key-…`: the identity-verification channel; results through other channels are refused (live `v2`: required)",
  PORTONE_API_SECRET: "the V2 API secret (`Authorization: PortOne …`) (live `v2`: required)",
  PORTONE_API_BASE: "an absolute `https` URL (`http` only for `localhost`/`127.0.0.1`)",
  PORTONE_SDK_URL: "V2: the browser SDK's script; the page's CSP allows its origin",
  PORTONE_PG: "V2: `danal`, `inicis_unified` or `kcp_v2`, the PG of `PORTONE_CHANNEL_KEY` (its profile)",
  SERVICE_NAME: "the site's name as people see it, 1–60 characters without `<`, `>`, `\"` (Danal's `CPTITLE` / `company`)",
  IMP_TIMEOUT_MS: "whole number, 100–60000: the time allowed per request to i'mport",
  MIN_AGE: "whole number, 0–100; `0` turns the check off",
  AGE_RULE: "`international` (만 나이 on the Seoul date) or `youth_act` (this year − birth year)",
  SESSION_TTL_SECONDS: "whole number, 60–86400: the lifetime of an attempt",
  IDENTITY_HMAC_KEY:
    "32 random bytes, encoded, as `npm run keygen -- hmac` prints them (hex or base64 of ≥ 32 bytes; a word or a repeated pattern is refused); not the sandbox's in live mode; to change it, rotate (below) (live: required)",
  IDENTITY_HMAC_PREVIOUS_KEYS:
    "earlier `IDENTITY_HMAC_KEY`s, comma-separated, each ≥ 32 characters, never the sandbox's in live mode: people stored under one are found and rewritten",
  ALLOWED_ORIGINS: "comma-separated origins (`https://shop.example`, exactly scheme://host[:port]) allowed to POST besides the app's own",
  RATE_LIMIT: "`on` or `off` (per-client limits of `[[ratelimits]]` in `wrangler.toml`)",
  PUBLIC_URL:
    "the app's public origin, `https://…` without a path: the OIDC issuer and every absolute URL handed out; required in live mode with `OIDC_CLIENTS` (sandbox: the page's own origin)",
  OIDC_CLIENTS:
    'JSON array of `{ "client_id": [A-Za-z0-9._-]{1,64}, "name", "redirect_uris": [absolute https, http only for localhost/127.0.0.1, no fragment], "subject_type"?: "public" or "pairwise", "id_token_signed_response_alg"?: "RS256" (the default) or "ES256", "token_endpoint_auth_method"?: "client_secret_basic" (the default), "client_secret_post" or "none" (a public client: a browser or mobile app with no secret, PKCE alone, no site API), "require_pkce"?: true (the default) or false (a confidential client whose library cannot do PKCE: its authorization requests must then carry a nonce — the weaker choice), "post_logout_redirect_uris"?: [URLs as redirect_uris: where RP-initiated logout may send the visitor back], "webhook_url"?: an https URL for this client’s events (a confidential client only; its secret in `WEBHOOK_SECRETS`, docs/events.md), "consent"?: { "purpose", "retention" } (a third party under PIPA §17: the person consents on a page before its code; docs/INTEGRATION.md) }`: the sites allowed to sign people in (docs/INTEGRATION.md); sandbox mode adds the built-in `sandbox` client',
  OIDC_CLIENT_SECRETS:
    'JSON object `{ "<client_id>": "<secret of ≥ 32 characters>" }`, one for every confidential client of `OIDC_CLIENTS`, none for a public one (unset or `{}` when every client is public), no other; make each with `npm run keygen -- secret` (URL-safe: `client_secret_basic` reads `+` as a space)',
  SIGNING_KEY:
    "a private EC P-256 JWK with a `kid`, as `npm run keygen` prints it; required in live mode with `OIDC_CLIENTS` (sandbox: a built-in key, refused live)",
  SIGNING_RSA_KEY:
    "a private RSA JWK (at least 2048 bits) with a `kid`, as `npm run keygen -- rsa` prints it: signs the ID tokens of clients on RS256, the default (`id_token_signed_response_alg`); required in live mode when any client uses RS256 (sandbox: a built-in key, refused live, compared by its modulus)",
  SIGNING_PREVIOUS_KEYS:
    "JSON array of public EC P-256 JWKs (each with its own `kid`) still published after a rotation; never the sandbox's public key in live mode (compared by the key's point, whatever its `kid`)",
  REJOIN_COOLDOWN_DAYS: "whole number, 0–3650: days a person who withdrew is refused a new account",
  GUARDIAN_CONSENT_UNDER:
    "whole number, 0–19: people younger than this (만 나이) need a guardian's consent, when `MIN_AGE` is below it; `0`: off. Live mode then needs `PUBLIC_URL`",
  GUARDIAN_CONSENT_TTL_SECONDS: "whole number, 600–604800: how long a guardian has to consent; after it nothing of the child is kept",
  VERIFY_METHOD:
    "`window` (the provider's window), `sms` (the in-page SMS form, no window) or `both`; `sms`/`both` need `IMP_PG` (v1) or `PORTONE_PG` (v2) of `danal` or `kcp_v2`",
  WEBHOOK_SECRETS:
    'JSON object `{ "<client_id>": "whsec_<base64 of 24 to 64 random bytes>" }`, one for every client with a `webhook_url` in `OIDC_CLIENTS`, no other; make each with `npm run --silent keygen -- webhook`; the sandbox\'s secret is refused in live mode (docs/events.md)',
  WEBHOOK_RETRY_BASE_SECONDS:
    "the delay before an event's second try, doubling after each failed try (12 tries; at 30 s the last is 17 hours after the first)",
  SANDBOX_WEBHOOK_URL:
    "sandbox mode only: a loopback URL (`http://127.0.0.1:<port>/…` or `http://localhost:<port>/…`) that gets the built-in `sandbox` client's events, signed with the sandbox's public secret; `GET /sandbox/webhooks` lists what was sent",
  ADMIN_ACCESS_TEAM_URL:
    "the Cloudflare Access team domain that guards the operator console `/admin` (`https://<team>.cloudflareaccess.com`, no path; plain `http` only for `localhost`/`127.0.0.1`, for tests); with `ADMIN_ACCESS_AUD`, or neither — without them a live deployment answers `/admin` with 404 (docs/console.md)",
  ADMIN_ACCESS_AUD:
    "the Access application's audience tag (`aud`, 64 hex digits, on the application's overview in Zero Trust); the console accepts only Access JWTs issued for it",
};

const INTRO = `# Configuration

Vars live in \`wrangler.toml\` \`[vars]\`; secrets go in with \`wrangler secret put NAME\` (production) or \`.dev.vars\`
(local, git-ignored; see \`.dev.vars.example\`). Any of them can be overridden for one run with
\`wrangler dev --var NAME:VALUE\`. This page is generated from their declarations (\`src/config/vars.ts\`) by
\`npm run configuration\`.

**A wrong value is an error, never a default.** An empty string means unset; anything else that does not fit
(\`AGE_RULE=youthact\`, \`MIN_AGE=nineteen\`, \`SESSION_TTL_SECONDS=10\`, an \`http://\` API URL, …) makes the
verification routes answer \`503 not_configured\` (an HTML page on the page and the redirect route), \`/healthz\`
answer 503 with the names of the wrong vars, and the Worker log one warning per wrong var saying what it expects
(never the value). Live mode without its keys is the same: it never falls back to the sandbox. \`npm run check\`
runs the same rules over \`wrangler.toml\` before you deploy, so a typo — a value, or a var's name — fails there.
`;

const OUTRO = `
In sandbox mode \`IMP_KEY\`, \`IMP_SECRET\`, \`PORTONE_API_SECRET\` and (when unset) \`IMP_CODE\`, \`PORTONE_STORE_ID\`,
\`PORTONE_CHANNEL_KEY\` and \`IDENTITY_HMAC_KEY\` take the simulator's own values; live keys are never sent to the
simulator. The simulator follows the PG profile: under \`inicis_unified\` a result never has a DI (and with V2 the
window refuses a request without \`bypass.inicisUnified.flgFixedUser\`, as PortOne does); under \`danal\` (and when no
PG is named) a result has a CI only while the carrier window's developer option "CI in the contract" is on (it is
by default); \`kcp_v2\` gives both. V1 results carry the profile as \`pg_provider\`, V2 results as \`channel.pgProvider\`.

Bindings: D1 \`DB\` (users, attempts; the sandbox's tables), KV \`CACHE\` (the REST token), static assets from
\`static/\` (\`/sandbox/*\` goes through the Worker so that it is 404 in live mode). \`wrangler\` warns about "missing
required secrets" in sandbox mode: harmless, the sandbox needs none.
`;

const defaultOf = (decl: VarDecl) => ("default" in decl && decl.default !== undefined ? `\`${decl.default}\`` : "—");

export function configurationDoc(): string {
  const rows = (Object.keys(VARS) as VarName[]).map((name) => {
    const decl: VarDecl = VARS[name];
    return `| \`${name}\` | ${decl.secret ? "secret" : "var"} | ${defaultOf(decl)} | ${accepted(decl)} | ${MEANINGS[name]} |`;
  });
  return `${INTRO}
| name | kind | default | accepts | meaning |
| --- | --- | --- | --- | --- |
${rows.join("\n")}
${OUTRO}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeOrCheck({
    path: CONFIGURATION_DOC,
    source: "src/config/vars.ts",
    script: "configuration",
    entries: Object.keys(VARS),
    explained: Object.keys(MEANINGS),
    render: configurationDoc,
  });
}
