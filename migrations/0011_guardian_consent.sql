CREATE TABLE `guardian_consents` (
	`user_id` text PRIMARY KEY NOT NULL,
	`guardian_key` text NOT NULL,
	`consented_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `users` ADD `status` text DEFAULT 'active' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `pending_until` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `consent_id` text;--> statement-breakpoint
CREATE UNIQUE INDEX `users_consent_id_unique` ON `users` (`consent_id`);--> statement-breakpoint
CREATE INDEX `users_pending_until_idx` ON `users` (`pending_until`);--> statement-breakpoint
CREATE INDEX `attempts_browser_hash_idx` ON `attempts` (`browser_hash`,`completed_at`);