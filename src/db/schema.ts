import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * A completed verification attempt. Attempts are minted without storage (verification/attempt.ts): a row exists
 * only once a `merchant_uid` was completed, by exactly one `imp_uid`, for the browser it was issued to. The row
 * outlives the id's lifetime by a day, so neither can be used twice; the daily cron deletes it then.
 */
export const attempts = sqliteTable(
  "attempts",
  {
    // The columns keep the names of i'mport's integration guide; the code calls them what they are for every provider.
    attemptId: text("merchant_uid").primaryKey(),
    /** The certification that completed this attempt; UNIQUE makes every imp_uid single-use. */
    resultId: text("imp_uid").notNull(),
    /** SHA-256 of the random browser-binding cookie; the cookie itself is never stored. */
    browserHash: text("browser_hash").notNull(),
    createdAt: integer("created_at").notNull(), // epoch ms
    expiresAt: integer("expires_at").notNull(), // epoch ms
    userId: text("user_id").references(() => users.id),
    /**
     * What the completion meant: a new account, the one the person already had (inside an authorization: for its
     * client), (a guardian's) a consent given, or — a step-up that asked for another person — a mismatch, for which
     * nothing was issued.
     */
    outcome: text("outcome", { enum: ["new_user", "existing_user", "guardian_consented", "identity_mismatch"] }).notNull(),
    certifiedAt: integer("certified_at").notNull(), // epoch ms
    /** Age under the rule in force when it completed, so a repeated request returns the same body. */
    age: integer("age").notNull(),
    completedAt: integer("completed_at").notNull(), // epoch ms
    /**
     * The OIDC authorization this attempt completed, fixed when it first completed: codes are issued for it alone, so
     * a repeat with another authorization's cookie mints nothing (null: the page's own flow, or a guardian's).
     */
    authorizationId: text("authorization_id"),
    /** The OIDC client of that authorization (null: none): a child's events go to it once the guardian consents. */
    clientId: text("client_id"),
  },
  (t) => [
    uniqueIndex("attempts_imp_uid_unique").on(t.resultId),
    index("attempts_expires_at_idx").on(t.expiresAt),
    // A child's page asks how their guardian's consent stands, by its binding cookie.
    index("attempts_browser_hash_idx").on(t.browserHash, t.completedAt),
    // Every verification unlinks a lapsed child's attempts by user_id, and deleting a user makes SQLite look for
    // attempts that still point to it: without this index both scan the whole table.
    index("attempts_user_id_idx").on(t.userId),
  ],
);

/**
 * One row per person, found by either identity key: `identity_key`, the HMAC-SHA-256 of the CI (V1 `unique_key`, V2
 * `ci`), and `site_identity_key`, the HMAC of the DI (V1 `unique_in_site`, V2 `di`) — never the CI or DI itself.
 * A person has at least one; both are UNIQUE, so two rows can never hold the same person's key.
 */
export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    /** HMAC-SHA-256 of the CI, when a channel gave it (Danal gives it only when the contract includes it). */
    identityKey: text("identity_key"),
    /** HMAC-SHA-256 of the DI, when a channel gave it (KG Inicis 통합인증 never does). */
    siteIdentityKey: text("site_identity_key"),
    /** Which IDENTITY_HMAC_KEY made both keys (its fingerprint); null: written before fingerprints were kept. */
    keyId: text("key_id"),
    name: text("name").notNull(),
    gender: text("gender", { enum: ["male", "female"] }),
    birthday: text("birthday").notNull(), // YYYY-MM-DD
    /** The attempt that created the user: an attempt whose merchant_uid is here saw `new_user`. */
    createdByAttemptId: text("created_by_merchant_uid").notNull(),
    createdAt: integer("created_at").notNull(), // epoch ms
    updatedAt: integer("updated_at").notNull().default(sql`(unixepoch() * 1000)`),
    /** The last verification of this person (the name is refreshed from it: legal names change). */
    lastVerifiedAt: integer("last_verified_at"), // epoch ms
    /**
     * `pending_guardian`: a child under GUARDIAN_CONSENT_UNDER whose guardian has not consented yet — no OIDC code,
     * no grant, invisible to the site API, deleted with everything of theirs once `pending_until` passes.
     */
    status: text("status", { enum: ["active", "pending_guardian"] })
      .notNull()
      .default("active"),
    pendingUntil: integer("pending_until"), // epoch ms
    /** The random id in the guardian's link (with `pending_until`, sealed into it); null once active. */
    consentId: text("consent_id"),
  },
  (t) => [
    uniqueIndex("users_identity_key_unique").on(t.identityKey),
    uniqueIndex("users_site_identity_key_unique").on(t.siteIdentityKey),
    index("users_key_id_idx").on(t.keyId),
    uniqueIndex("users_consent_id_unique").on(t.consentId),
    index("users_pending_until_idx").on(t.pendingUntil),
  ],
);

/**
 * People who withdrew, while REJOIN_COOLDOWN_DAYS refuses them a new account: only the HMACs of their CI and DI
 * (one row each) and when the cooldown ends. Nothing else about them is kept; the daily cron deletes ended cooldowns.
 */
export const withdrawals = sqliteTable(
  "withdrawals",
  {
    identityKey: text("identity_key").primaryKey(),
    until: integer("until").notNull(), // epoch ms
  },
  // The daily clean-up deletes ended cooldowns.
  (t) => [index("withdrawals_until_idx").on(t.until)],
);

/**
 * Which OIDC clients a person authorized, and the subject each knows them by: the user id for a `public` client, a
 * random id of its own for a `pairwise` one (stable, since it is stored). A grant is written when the client redeems
 * a code at /token (a code never redeemed leaves none), so `outcome` is the client's view: `new_user` until it holds
 * one. The site API shows a client only the people it holds a grant for, with this grant's times; when the last
 * grant goes, so does the account.
 */
export const grants = sqliteTable(
  "grants",
  {
    clientId: text("client_id").notNull(),
    userId: text("user_id").notNull(),
    sub: text("sub").notNull(),
    createdAt: integer("created_at").notNull(), // epoch ms
    /**
     * When the last verification this client redeemed for the person completed (epoch ms; `created_at`: the first);
     * null: written before it was kept.
     */
    lastVerifiedAt: integer("last_verified_at"),
    /** A third-party client's consent (PIPA §17): the scope the person consented to provide, and when; null: none. */
    consentScope: text("consent_scope"),
    consentedAt: integer("consented_at"), // epoch ms
  },
  (t) => [
    primaryKey({ columns: [t.clientId, t.userId] }),
    uniqueIndex("grants_client_sub_unique").on(t.clientId, t.sub),
    index("grants_user_idx").on(t.userId),
  ],
);

/**
 * Authorization codes: one per OIDC authorization (`authorization_id` UNIQUE), written in the batch that completes
 * its attempt (redeeming one writes the client's grant), found by the SHA-256 of the code (never the code itself). Single-use: `used_at` is set by the
 * exchange; a second exchange sets `revoked`, which also voids the access token issued with it. Kept until the
 * access token would have expired, then deleted by the daily cron.
 */
export const codes = sqliteTable(
  "oidc_codes",
  {
    codeHash: text("code_hash").primaryKey(),
    authorizationId: text("authorization_id").notNull(),
    clientId: text("client_id").notNull(),
    redirectUri: text("redirect_uri").notNull(),
    codeChallenge: text("code_challenge").notNull(),
    scope: text("scope").notNull(),
    nonce: text("nonce"),
    attemptId: text("merchant_uid").notNull(),
    userId: text("user_id").notNull(),
    /** A pairwise client's subject for the person if its grant is new when the code is redeemed; null: the user id. */
    sub: text("sub"),
    /** The consent given on the consent page with this code (its scope, and when), for the grant; null: none given. */
    consentScope: text("consent_scope"),
    consentedAt: integer("consented_at"), // epoch ms
    expiresAt: integer("expires_at").notNull(), // epoch ms
    usedAt: integer("used_at"), // epoch ms
    /** The exchange that used it (random), so a replay is told from the first use inside one batch. */
    usedBy: text("used_by"),
    revoked: integer("revoked", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    uniqueIndex("oidc_codes_authorization_unique").on(t.authorizationId),
    index("oidc_codes_expires_at_idx").on(t.expiresAt),
    // A withdrawal deletes the person's codes (those of one client, or all once the last grant goes).
    index("oidc_codes_user_idx").on(t.userId, t.clientId),
  ],
);

/**
 * A legal guardian's consent for a child's account (PIPA §22-2): the child, the HMAC of the guardian's identity key
 * (their CI, or DI) and when — never the guardian's name or birthday. One per child; it goes with the account.
 */
export const guardianConsents = sqliteTable("guardian_consents", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id),
  guardianKey: text("guardian_key").notNull(),
  consentedAt: integer("consented_at").notNull(), // epoch ms
});

/**
 * The in-page SMS flow of an attempt, while it runs: how many codes were sent and tried, until when the code and
 * the next resend wait — counters only: never the phone number, the birth digits or a code. Deleted with the
 * attempt's clean-up.
 */
export const smsSends = sqliteTable(
  "sms_sends",
  {
    attemptId: text("merchant_uid").primaryKey(),
    /** The provider's id of the result the code makes: V1 the imp_uid of the last OTP request, V2 the attempt id. */
    resultId: text("imp_uid"),
    browserHash: text("browser_hash").notNull(),
    sends: integer("sends").notNull(),
    tries: integer("tries").notNull().default(0),
    codeExpiresAt: integer("code_expires_at").notNull(), // epoch ms
    resendAfter: integer("resend_after").notNull(), // epoch ms
    expiresAt: integer("expires_at").notNull(), // the attempt's, epoch ms
    /** The last send claimed: a random token its request wrote, so the phone's count in the same batch follows it only. */
    claim: text("claim"),
  },
  (t) => [index("sms_sends_imp_uid_idx").on(t.resultId), index("sms_sends_expires_at_idx").on(t.expiresAt)],
);

/** Codes sent to one phone number within an hour: keyed by an HMAC of the number (never the number itself). */
export const smsPhones = sqliteTable(
  "sms_phones",
  {
    phoneKey: text("phone_key").primaryKey(),
    windowStart: integer("window_start").notNull(), // epoch ms
    count: integer("count").notNull(),
  },
  // The 10-minute clean-up deletes the hours gone by.
  (t) => [index("sms_phones_window_start_idx").on(t.windowStart)],
);

export type Attempt = typeof attempts.$inferSelect;
export type User = typeof users.$inferSelect;

/**
 * Events for the sites' backends (webhooks), and their delivery: an outbox written in the same batch as what it
 * reports, handed to the EVENTS queue, and kept 30 days. Only what `data` carries — the client's subject, the
 * outcome, times, the age — never a name, birthday, phone, CI or DI. Ids sort by creation (`evt_<time><random>`).
 */
export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    clientId: text("client_id").notNull(),
    type: text("type", { enum: ["identity.verified", "guardian.consented", "user.deleted"] }).notNull(),
    createdAt: integer("created_at").notNull(), // epoch ms
    sub: text("sub").notNull(),
    outcome: text("outcome", { enum: ["new_user", "existing_user"] }),
    /** `identity.verified`: when the person verified (epoch s, as the ID token's auth_time). */
    authTime: integer("auth_time"),
    age: integer("age"),
    /** When a guardian consented (epoch ms); null: none was needed. */
    consentedAt: integer("consented_at"),
    /** `user.deleted`: why. */
    reason: text("reason"),
    status: text("status", { enum: ["pending", "delivered", "failed"] })
      .notNull()
      .default("pending"),
    tries: integer("tries").notNull().default(0),
    /** The receiver's HTTP status on the last try; 0: no answer (a timeout, a refused or closed connection). */
    lastStatus: integer("last_status"),
    lastTryAt: integer("last_try_at"), // epoch ms
    /** When the next try is due (epoch ms): the cron hands an event over again once this is well past. */
    nextTryAt: integer("next_try_at").notNull(),
    /** A delivery in progress holds the event until then (epoch ms), so two copies of its message never both post. */
    claimedUntil: integer("claimed_until"),
  },
  (t) => [
    index("events_client_idx").on(t.clientId, t.id),
    index("events_due_idx").on(t.status, t.nextTryAt),
    index("events_created_at_idx").on(t.createdAt),
    // The sandbox lists the last deliveries attempted.
    index("events_last_try_at_idx").on(t.lastTryAt),
  ],
);

/**
 * The console's counts (src/db/console.ts): verifications per day (Asia/Seoul) by what they came to — an outcome
 * (`new_user`, `existing_user`, `guardian_required`, `guardian_consented`, `identity_mismatch`) or the error code of a
 * refusal, with the PG's own code when the provider passed one — per client (`""`: none, or not known for a refusal),
 * provider and PG (`""`: the PG is not configured). A success is counted in the batch that stores it, a refusal by
 * one write after the answer. Nothing in a row is about a person. Kept 400 days.
 */
export const dailyCounts = sqliteTable(
  "daily_counts",
  {
    day: text("day").notNull(), // YYYY-MM-DD, Asia/Seoul
    clientId: text("client_id").notNull(),
    provider: text("provider").notNull(),
    pg: text("pg").notNull(),
    outcome: text("outcome").notNull(),
    pgCode: text("pg_code").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.clientId, t.provider, t.pg, t.outcome, t.pgCode] })],
);

/**
 * What operators did on the console: who (the Cloudflare Access identity's email), what, when, and what it acted on
 * (an event id; for an erasure, the client and the `sub` the operator typed — an identifier that, once erased,
 * points at nobody). Kept 400 days.
 */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(), // epoch ms
    actor: text("actor").notNull(),
    action: text("action", { enum: ["redeliver", "erase"] }).notNull(),
    target: text("target").notNull(),
    /** How it ended: `done`, or why nothing was done (`not_found`). */
    result: text("result").notNull(),
  },
  (t) => [index("audit_log_at_idx").on(t.at)],
);
