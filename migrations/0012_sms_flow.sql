CREATE TABLE `sms_phones` (
	`phone_key` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`count` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sms_sends` (
	`merchant_uid` text PRIMARY KEY NOT NULL,
	`imp_uid` text,
	`browser_hash` text NOT NULL,
	`sends` integer NOT NULL,
	`tries` integer DEFAULT 0 NOT NULL,
	`code_expires_at` integer NOT NULL,
	`resend_after` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sms_sends_imp_uid_idx` ON `sms_sends` (`imp_uid`);--> statement-breakpoint
CREATE INDEX `sms_sends_expires_at_idx` ON `sms_sends` (`expires_at`);