CREATE TABLE `oidc_codes` (
	`code_hash` text PRIMARY KEY NOT NULL,
	`authorization_id` text NOT NULL,
	`client_id` text NOT NULL,
	`redirect_uri` text NOT NULL,
	`code_challenge` text NOT NULL,
	`scope` text NOT NULL,
	`nonce` text,
	`merchant_uid` text NOT NULL,
	`user_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`used_by` text,
	`revoked` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `oidc_codes_authorization_unique` ON `oidc_codes` (`authorization_id`);--> statement-breakpoint
CREATE INDEX `oidc_codes_expires_at_idx` ON `oidc_codes` (`expires_at`);--> statement-breakpoint
CREATE TABLE `grants` (
	`client_id` text NOT NULL,
	`user_id` text NOT NULL,
	`sub` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`client_id`, `user_id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `grants_client_sub_unique` ON `grants` (`client_id`,`sub`);--> statement-breakpoint
CREATE INDEX `grants_user_idx` ON `grants` (`user_id`);