CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`client_id` text NOT NULL,
	`type` text NOT NULL,
	`created_at` integer NOT NULL,
	`sub` text NOT NULL,
	`outcome` text,
	`auth_time` integer,
	`age` integer,
	`consented_at` integer,
	`reason` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`tries` integer DEFAULT 0 NOT NULL,
	`last_status` integer,
	`last_try_at` integer,
	`next_try_at` integer NOT NULL,
	`claimed_until` integer
);
--> statement-breakpoint
CREATE INDEX `events_client_idx` ON `events` (`client_id`,`id`);--> statement-breakpoint
CREATE INDEX `events_due_idx` ON `events` (`status`,`next_try_at`);--> statement-breakpoint
CREATE INDEX `events_created_at_idx` ON `events` (`created_at`);--> statement-breakpoint
ALTER TABLE `attempts` ADD `client_id` text;