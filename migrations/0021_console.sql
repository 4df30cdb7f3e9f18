CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target` text NOT NULL,
	`result` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_log_at_idx` ON `audit_log` (`at`);--> statement-breakpoint
CREATE TABLE `daily_counts` (
	`day` text NOT NULL,
	`client_id` text NOT NULL,
	`provider` text NOT NULL,
	`pg` text NOT NULL,
	`outcome` text NOT NULL,
	`pg_code` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`day`, `client_id`, `provider`, `pg`, `outcome`, `pg_code`)
);
