CREATE TABLE `withdrawals` (
	`identity_key` text PRIMARY KEY NOT NULL,
	`until` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `users` ADD `last_verified_at` integer;