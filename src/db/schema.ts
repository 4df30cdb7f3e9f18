import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * A completed verification attempt. Attempts are minted without storage (verification/attempt.ts): a row exists
 * only once a `merchant_uid` was completed, by exactly one `imp_uid`, for the browser it was issued to. The row
 * outlives the id's lifetime by a day, so neither can be used twice; the daily cron deletes it then.
 */
export const attempts = sqliteTable(
  "attempts",
  {
    merchantUid: text("merchant_uid").primaryKey(),
    /** The certification that completed this attempt; UNIQUE makes every imp_uid single-use. */
    impUid: text("imp_uid").notNull(),
    /** SHA-256 of the random browser-binding cookie; the cookie itself is never stored. */
    browserHash: text("browser_hash").notNull(),
    createdAt: integer("created_at").notNull(), // epoch ms
    expiresAt: integer("expires_at").notNull(), // epoch ms
    userId: text("user_id").references(() => users.id),
    /** What the completion meant for this person: a new account, or the one they already had. */
    outcome: text("outcome", { enum: ["new_user", "existing_user"] }).notNull(),
    certifiedAt: integer("certified_at").notNull(), // epoch seconds, as i'mport sends it
    /** Age under the rule in force when it completed, so a repeated request returns the same body. */
    age: integer("age").notNull(),
    completedAt: integer("completed_at").notNull(), // epoch ms
  },
  (t) => [uniqueIndex("attempts_imp_uid_unique").on(t.impUid), index("attempts_expires_at_idx").on(t.expiresAt)],
);

/** One row per person: `identity_key` is the HMAC-SHA-256 of i'mport's `unique_key` (CI), never the CI itself. */
export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    identityKey: text("identity_key").notNull(),
    /** HMAC-SHA-256 of `unique_in_site` (DI) when the PG provides it. */
    siteIdentityKey: text("site_identity_key"),
    name: text("name").notNull(),
    gender: text("gender", { enum: ["male", "female"] }),
    birthday: text("birthday").notNull(), // YYYY-MM-DD
    /** The attempt that created the user: an attempt whose merchant_uid is here saw `new_user`. */
    createdByMerchantUid: text("created_by_merchant_uid").notNull(),
    createdAt: integer("created_at").notNull(), // epoch ms
    updatedAt: integer("updated_at").notNull().default(sql`(unixepoch() * 1000)`),
    /** The last verification of this person (the name is refreshed from it: legal names change). */
    lastVerifiedAt: integer("last_verified_at"), // epoch ms
  },
  (t) => [uniqueIndex("users_identity_key_unique").on(t.identityKey), index("users_site_identity_key_idx").on(t.siteIdentityKey)],
);

/**
 * People who withdrew, while REJOIN_COOLDOWN_DAYS refuses them a new account: only the HMAC of their CI and
 * when the cooldown ends. Nothing else about them is kept; the daily cron deletes ended cooldowns.
 */
export const withdrawals = sqliteTable("withdrawals", {
  identityKey: text("identity_key").primaryKey(),
  until: integer("until").notNull(), // epoch ms
});

export type Attempt = typeof attempts.$inferSelect;
export type User = typeof users.$inferSelect;

/** The sandbox window's developer options: shapes of a result that real PGs give, to see each branch offline. */
export const SANDBOX_OPTIONS = ["phone_carrier", "null_gender", "no_di", "empty_ci", "foreigner"] as const;
export type SandboxOption = (typeof SANDBOX_OPTIONS)[number];

/**
 * The offline simulator's own state (sandbox mode only; empty in live mode). Certifications as i'mport would
 * hold them, with the OTP that the simulated phone receives.
 */
export const sandboxCertifications = sqliteTable("sandbox_certifications", {
  impUid: text("imp_uid").primaryKey(),
  merchantUid: text("merchant_uid"),
  name: text("name").notNull(),
  gender: text("gender", { enum: ["male", "female"] }),
  birthday: text("birthday").notNull(),
  phone: text("phone").notNull(),
  carrier: text("carrier").notNull(),
  uniqueKey: text("unique_key").notNull(),
  uniqueInSite: text("unique_in_site").notNull(),
  origin: text("origin"),
  otp: text("otp").notNull(),
  /** What the window's developer options asked the result to carry or lack (sandbox only; JSON list). */
  options: text("options", { mode: "json" }).$type<SandboxOption[]>(),
  foreigner: integer("foreigner", { mode: "boolean" }).notNull().default(false),
  otpExpiresAt: integer("otp_expires_at").notNull(), // epoch seconds
  certified: integer("certified", { mode: "boolean" }).notNull().default(false),
  certifiedAt: integer("certified_at"), // epoch seconds
  createdAt: integer("created_at").notNull(), // epoch seconds
});

/** The simulator's current REST token per API key (i'mport hands out one token per key while it is valid). */
export const sandboxTokens = sqliteTable("sandbox_tokens", {
  impKey: text("imp_key").primaryKey(),
  accessToken: text("access_token").notNull(),
  expiredAt: integer("expired_at").notNull(), // epoch seconds
});
