-- Custom SQL migration (drizzle-kit generate --custom): attempts are now minted without storage and only a
-- completed verification is stored. Before the table takes NOT NULL columns (0004), drop the rows of attempts
-- that were never completed, and give completed rows from before 0002 the outcome their user row records.
DELETE FROM `attempts` WHERE `state` <> 'completed' OR `imp_uid` IS NULL OR `user_id` IS NULL OR `certified_at` IS NULL OR `age` IS NULL;--> statement-breakpoint
UPDATE `attempts` SET `outcome` = CASE WHEN (SELECT `created_by_merchant_uid` FROM `users` WHERE `users`.`id` = `attempts`.`user_id`) = `merchant_uid` THEN 'new_user' ELSE 'existing_user' END WHERE `outcome` IS NULL;--> statement-breakpoint
UPDATE `attempts` SET `completed_at` = `created_at` WHERE `completed_at` IS NULL;
