CREATE TABLE `attempts` (
	`merchant_uid` text PRIMARY KEY NOT NULL,
	`browser_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`imp_uid` text,
	`user_id` text,
	`certified_at` integer,
	`age` integer,
	`completed_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `attempts_imp_uid_unique` ON `attempts` (`imp_uid`);--> statement-breakpoint
CREATE INDEX `attempts_expires_at_idx` ON `attempts` (`expires_at`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`identity_key` text NOT NULL,
	`site_identity_key` text,
	`name` text NOT NULL,
	`gender` text,
	`birthday` text NOT NULL,
	`created_by_merchant_uid` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_identity_key_unique` ON `users` (`identity_key`);--> statement-breakpoint
CREATE INDEX `users_site_identity_key_idx` ON `users` (`site_identity_key`);