CREATE INDEX `attempts_user_id_idx` ON `attempts` (`user_id`);--> statement-breakpoint
CREATE INDEX `oidc_codes_user_idx` ON `oidc_codes` (`user_id`,`client_id`);--> statement-breakpoint
CREATE INDEX `sms_phones_window_start_idx` ON `sms_phones` (`window_start`);--> statement-breakpoint
CREATE INDEX `withdrawals_until_idx` ON `withdrawals` (`until`);