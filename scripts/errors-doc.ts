/// <reference types="node" />
// `npm run errors` writes docs/errors.md from the error table (src/errors.ts: every code, its status and message)
// and, for each code, when it happens and what the caller should do (below: the docs' words, which never ship in
// the Worker); `npm run check` runs it with `--check` and fails when the file is not what they say, when a code
// has no explanation here, or an explanation has no code.
import { ERRORS, type ErrorCode } from "../src/errors.ts";
import { writeOrCheck } from "./generated-doc.ts";

export const ERRORS_DOC = "docs/errors.md";

const EXPLAINED: Record<ErrorCode, { when: string; todo: string }> = {
  invalid_request: {
    when: "malformed JSON, a missing or ill-typed field, an `imp_uid` that is not `imp_` + digits, an id that is not letters and digits (≤ 40), a repeated query parameter, an `/authorize` request with an unknown client or redirect URI",
    todo: "fix the request; retrying it unchanged will fail again",
  },
  forbidden_origin: {
    when: "a POST whose `Origin` is neither the app's own nor in `ALLOWED_ORIGINS`",
    todo: "call from the app's own page, or add your origin to `ALLOWED_ORIGINS`",
  },
  unknown_merchant_uid: {
    when: "the certification's `merchant_uid` was not issued here, or differs from the one in the body",
    todo: "start again from the page: this result belongs to no attempt of ours",
  },
  session_mismatch: {
    when: "the attempt was issued to another browser (no cookie, or another one)",
    todo: "start again in this browser; check that the request sends cookies",
  },
  age_restricted: {
    when: "the person is younger than `MIN_AGE` under `AGE_RULE`",
    todo: "nothing: tell the person the service is not available to them",
  },
  forbidden: {
    when: "the operator console (`/admin`) without a valid Cloudflare Access application token in `Cf-Access-Jwt-Assertion` (live mode), or from an address other than loopback (sandbox mode) (HTML page)",
    todo: "sign in through the Access application that guards `/admin`; check `ADMIN_ACCESS_TEAM_URL` and `ADMIN_ACCESS_AUD` (docs/console.md)",
  },
  identity_mismatch: {
    when: "inside an authorization that asked for a given person (`id_token_hint`, or `claims` with a `sub` value): someone else verified; nothing was issued to the client (HTML page; the client gets `access_denied` with this `error_description`)",
    todo: "the person the site asked for verifies with their own phone; the site decides what to do with the refusal",
  },
  rejoin_cooldown: {
    when: "this person withdrew less than `REJOIN_COOLDOWN_DAYS` ago",
    todo: "nothing until the cooldown ends",
  },
  guardian_is_child: {
    when: "the guardian who verified is the child (same CI or DI), or the guardian's link was opened in the child's own browser",
    todo: "the parent opens the link on their own phone and verifies in their own name",
  },
  guardian_not_adult: {
    when: "the guardian who verified is under 19 (만 나이)",
    todo: "an adult guardian verifies instead",
  },
  consent_used: {
    when: "the guardian's link was already used: another guardian consented",
    todo: "nothing: the child's account is active",
  },
  otp_invalid: {
    when: "SMS: the code is not the one sent (or none went out: the provider refused the details, which is answered as a code sent so that the answer tells nobody whether details match a number)",
    todo: "type the code again (another try is spent)",
  },
  otp_expired: {
    when: "SMS: the code's 3 minutes are over",
    todo: "ask for a new code (resend)",
  },
  otp_attempts_exceeded: {
    when: "SMS: five wrong codes, or five codes sent, for one attempt: it is spent",
    todo: "start again (a new attempt)",
  },
  consent_expired: {
    when: "the guardian's link is past its deadline (`GUARDIAN_CONSENT_TTL_SECONDS`), or the child is gone",
    todo: "the child verifies again from the start",
  },
  unauthorized: {
    when: "site API without a client's right credentials",
    todo: "send `Authorization: Basic base64(client_id:secret)`",
  },
  user_not_found: {
    when: "site API: no user with this id (or they withdrew)",
    todo: "nothing: the person is gone",
  },
  certification_not_found: {
    when: "the provider has no such result (`imp_uid`, or V2 identity verification)",
    todo: "start again",
  },
  not_found: {
    when: "no such route",
    todo: "check the path and method",
  },
  imp_uid_reused: {
    when: "this certification or this attempt was already used by another verification",
    todo: "start again: each result completes one attempt, once",
  },
  session_expired: {
    when: "the attempt's lifetime (`SESSION_TTL_SECONDS`) is over",
    todo: "start again (the page renews its attempt before it expires)",
  },
  payload_too_large: {
    when: "a body over 8 KiB",
    todo: "send a smaller body",
  },
  unsupported_media_type: {
    when: "`POST /certifications` without `Content-Type: application/json`",
    todo: "send JSON",
  },
  not_certified: {
    when: "the person did not finish (V1 `certified` is not `true`; V2 `status` is not `VERIFIED`, or the result came through another channel), cancelled, or the result is dated outside the attempt's lifetime",
    todo: "let the person try again",
  },
  identity_unavailable: {
    when: "the result has neither a usable CI nor a DI, or no usable birthday or name",
    todo: "let the person try another carrier or method; check your PG contract if it persists",
  },
  identity_conflict: {
    when: "the result's CI belongs to one user and its DI to another: nothing is written",
    todo: "two accounts stand for one person (a CI-only and a DI-only one): merge them yourself",
  },
  rate_limited: {
    when: "too many attempts from one client; see `Retry-After` (seconds)",
    todo: "wait that long",
  },
  internal_error: {
    when: "an unexpected fault on our side",
    todo: "retry later; the log line with the same `request_id` has the details",
  },
  upstream_unauthorized: {
    when: "the provider rejected the app's keys (401/403)",
    todo: "fix `IMP_KEY`/`IMP_SECRET` or `PORTONE_API_SECRET`; the person can retry afterwards",
  },
  upstream_error: {
    when: "the provider failed, answered `code != 0` (V1), or sent something unreadable",
    todo: "retry: the attempt is still usable",
  },
  not_configured: {
    when: "live mode without its keys, any var with a wrong value, `/authorize` or the site API in live mode without `OIDC_CLIENTS`",
    todo: "the operator fixes the configuration (see `/healthz`)",
  },
  upstream_timeout: {
    when: "the provider did not answer within `IMP_TIMEOUT_MS`",
    todo: "retry: the attempt is still usable",
  },
};

const INTRO = `# Errors

Every error of a JSON route is \`{ "error": { "code": "…", "message": "…" } }\`; the message is plain English for
people, the code is for your code. HTML routes show the message in Korean or English and carry the code in
\`data-error-code\`. No answer ever contains a stack trace. This page is generated from \`src/errors.ts\` by
\`npm run errors\`.
`;

const OUTRO = `
When several problems apply, the first in this order is reported: \`unknown_merchant_uid\`, \`session_mismatch\`,
\`imp_uid_reused\`, \`session_expired\`, \`not_certified\`, \`identity_unavailable\`, \`age_restricted\`. So someone who
submits another person's \`imp_uid\` learns nothing about that person (not even whether they are of age).

A failure that is not the person's fault (\`upstream_*\`, \`internal_error\`, \`not_configured\`) leaves the attempt
usable: the same result can be submitted again once the cause is gone.
`;

export function errorsDoc(): string {
  const codes = Object.keys(ERRORS) as ErrorCode[];
  const rows = codes
    .map((code) => ({ code, ...ERRORS[code], ...EXPLAINED[code] }))
    .sort((a, b) => a.status - b.status || a.code.localeCompare(b.code))
    .map((e) => `| ${e.status} | \`${e.code}\` | ${e.message} | ${e.when} | ${e.todo} |`);
  return `${INTRO}
| status | code | message | when | what the caller should do |
| --- | --- | --- | --- | --- |
${rows.join("\n")}
${OUTRO}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeOrCheck({
    path: ERRORS_DOC,
    source: "src/errors.ts",
    script: "errors",
    entries: Object.keys(ERRORS),
    explained: Object.keys(EXPLAINED),
    render: errorsDoc,
  });
}
