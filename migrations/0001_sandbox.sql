CREATE TABLE `sandbox_certifications` (
	`imp_uid` text PRIMARY KEY NOT NULL,
	`merchant_uid` text,
	`name` text NOT NULL,
	`gender` text,
	`birthday` text NOT NULL,
	`phone` text NOT NULL,
	`carrier` text NOT NULL,
	`unique_key` text NOT NULL,
	`unique_in_site` text NOT NULL,
	`origin` text,
	`otp` text NOT NULL,
	`otp_expires_at` integer NOT NULL,
	`certified` integer DEFAULT false NOT NULL,
	`certified_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sandbox_tokens` (
	`imp_key` text PRIMARY KEY NOT NULL,
	`access_token` text NOT NULL,
	`expired_at` integer NOT NULL
);
