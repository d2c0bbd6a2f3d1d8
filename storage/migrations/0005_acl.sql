CREATE TABLE `acl_policies` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text COLLATE NOCASE NOT NULL,
	`description` text NOT NULL,
	`rules` text NOT NULL,
	`datacenters` text,
	`hash` text NOT NULL,
	`create_index` integer NOT NULL,
	`modify_index` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `acl_policies_name_unique` ON `acl_policies` (`name`);--> statement-breakpoint
CREATE TABLE `acl_roles` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text COLLATE NOCASE NOT NULL,
	`description` text NOT NULL,
	`policies` text NOT NULL,
	`service_identities` text,
	`node_identities` text,
	`hash` text NOT NULL,
	`create_index` integer NOT NULL,
	`modify_index` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `acl_roles_name_unique` ON `acl_roles` (`name`);--> statement-breakpoint
CREATE TABLE `acl_tokens` (
	`accessor_id` text PRIMARY KEY NOT NULL,
	`secret_id` text NOT NULL,
	`secret_hash` text NOT NULL,
	`description` text NOT NULL,
	`policies` text NOT NULL,
	`roles` text NOT NULL,
	`service_identities` text,
	`node_identities` text,
	`local` integer NOT NULL,
	`expiration_time` text,
	`expires_at_ms` integer,
	`create_time` text NOT NULL,
	`hash` text NOT NULL,
	`create_index` integer NOT NULL,
	`modify_index` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `acl_tokens_secret_id_unique` ON `acl_tokens` (`secret_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `acl_tokens_secret_hash_unique` ON `acl_tokens` (`secret_hash`);--> statement-breakpoint
CREATE INDEX `acl_tokens_by_expiry` ON `acl_tokens` (`expires_at_ms`);