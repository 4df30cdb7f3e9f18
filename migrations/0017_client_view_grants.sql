ALTER TABLE `oidc_codes` ADD `sub` text;--> statement-breakpoint
ALTER TABLE `grants` ADD `last_verified_at` integer;