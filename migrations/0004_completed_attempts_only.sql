PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_attempts` (
	`merchant_uid` text PRIMARY KEY NOT NULL,
	`imp_uid` text NOT NULL,
	`browser_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`user_id` text,
	`outcome` text NOT NULL,
	`certified_at` integer NOT NULL,
	`age` integer NOT NULL,
	`completed_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_attempts`("merchant_uid", "imp_uid", "browser_hash", "created_at", "expires_at", "user_id", "outcome", "certified_at", "age", "completed_at") SELECT "merchant_uid", "imp_uid", "browser_hash", "created_at", "expires_at", "user_id", "outcome", "certified_at", "age", "completed_at" FROM `attempts`;--> statement-breakpoint
DROP TABLE `attempts`;--> statement-breakpoint
ALTER TABLE `__new_attempts` RENAME TO `attempts`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `attempts_imp_uid_unique` ON `attempts` (`imp_uid`);--> statement-breakpoint
CREATE INDEX `attempts_expires_at_idx` ON `attempts` (`expires_at`);