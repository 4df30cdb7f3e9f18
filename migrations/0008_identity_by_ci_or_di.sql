-- Written by hand for the schema change drizzle-kit generated (its snapshot is meta/0008_snapshot.json): drizzle-kit
-- rebuilds `users` with PRAGMA foreign_keys=OFF, which D1 does not honour, so dropping the table that attempts
-- reference fails. These ALTERs reach the same schema without a rebuild (identity_key becomes the last column).
DROP INDEX `users_identity_key_unique`;--> statement-breakpoint
ALTER TABLE `users` ADD `ci_key` text;--> statement-breakpoint
UPDATE `users` SET `ci_key` = `identity_key`;--> statement-breakpoint
ALTER TABLE `users` DROP COLUMN `identity_key`;--> statement-breakpoint
ALTER TABLE `users` RENAME COLUMN `ci_key` TO `identity_key`;--> statement-breakpoint
CREATE UNIQUE INDEX `users_identity_key_unique` ON `users` (`identity_key`);--> statement-breakpoint
DROP INDEX `users_site_identity_key_idx`;--> statement-breakpoint
CREATE UNIQUE INDEX `users_site_identity_key_unique` ON `users` (`site_identity_key`);--> statement-breakpoint
ALTER TABLE `users` ADD `key_id` text;--> statement-breakpoint
CREATE INDEX `users_key_id_idx` ON `users` (`key_id`);
