ALTER TABLE `oidc_codes` ADD `consent_scope` text;--> statement-breakpoint
ALTER TABLE `oidc_codes` ADD `consented_at` integer;--> statement-breakpoint
ALTER TABLE `grants` ADD `consent_scope` text;--> statement-breakpoint
ALTER TABLE `grants` ADD `consented_at` integer;