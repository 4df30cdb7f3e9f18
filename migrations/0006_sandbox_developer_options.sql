ALTER TABLE `sandbox_certifications` ADD `options` text;--> statement-breakpoint
ALTER TABLE `sandbox_certifications` ADD `foreigner` integer DEFAULT false NOT NULL;