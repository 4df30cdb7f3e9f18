import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The offline simulator's own tables (sandbox mode only; empty in live mode), apart from the app's: what i'mport
 * and PortOne would hold, never read by the app's own code.
 */

/** The sandbox window's developer options: shapes of a result that real PGs give, to see each branch offline. */
export const SANDBOX_OPTIONS = ["phone_carrier", "null_gender", "no_di", "empty_ci", "foreigner"] as const;
export type SandboxOption = (typeof SANDBOX_OPTIONS)[number];

/**
 * The offline simulator's own state (sandbox mode only; empty in live mode). Certifications as i'mport would
 * hold them, with the OTP that the simulated phone receives.
 */
export const sandboxCertifications = sqliteTable(
  "sandbox_certifications",
  {
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
    /** The PG profile the verification ran under (danal, inicis_unified, kcp_v2); null: Danal, the default. */
    pg: text("pg"),
    otp: text("otp").notNull(),
    /** What the window's developer options asked the result to carry or lack (sandbox only; JSON list). */
    options: text("options", { mode: "json" }).$type<SandboxOption[]>(),
    foreigner: integer("foreigner", { mode: "boolean" }).notNull().default(false),
    otpExpiresAt: integer("otp_expires_at").notNull(), // epoch seconds
    /** Which code went out last, across every number: one more than any before, on each send and resend. */
    otpSequence: integer("otp_sequence").notNull().default(0),
    certified: integer("certified", { mode: "boolean" }).notNull().default(false),
    certifiedAt: integer("certified_at"), // epoch seconds
    createdAt: integer("created_at").notNull(), // epoch seconds
  },
  // Each code sent asks for the highest sequence so far.
  (t) => [index("sandbox_certifications_otp_sequence_idx").on(t.otpSequence)],
);

/** The simulator's current REST token per API key (i'mport hands out one token per key while it is valid). */
export const sandboxTokens = sqliteTable("sandbox_tokens", {
  impKey: text("imp_key").primaryKey(),
  accessToken: text("access_token").notNull(),
  expiredAt: integer("expired_at").notNull(), // epoch seconds
});
export type SandboxCertification = typeof sandboxCertifications.$inferSelect;
