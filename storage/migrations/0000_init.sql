CREATE TABLE `kvs` (
	`key` text PRIMARY KEY NOT NULL,
	`value` blob,
	`flags` text NOT NULL,
	`lock_index` integer NOT NULL,
	`session` text,
	`create_index` integer NOT NULL,
	`modify_index` integer NOT NULL,
	FOREIGN KEY (`session`) REFERENCES `sessions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `kvs_by_session` ON `kvs` (`session`) WHERE "kvs"."session" IS NOT NULL;--> statement-breakpoint
CREATE TABLE `tombstones` (
	`key` text PRIMARY KEY NOT NULL,
	`raft_index` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tombstones_by_index` ON `tombstones` (`raft_index`);--> statement-breakpoint
CREATE TABLE `session_checks` (
	`session` text NOT NULL,
	`node` text COLLATE NOCASE NOT NULL,
	`check_id` text COLLATE NOCASE NOT NULL,
	PRIMARY KEY(`session`, `check_id`),
	FOREIGN KEY (`session`) REFERENCES `sessions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`node`,`check_id`) REFERENCES `checks`(`node`,`check_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `session_checks_by_check` ON `session_checks` (`node`,`check_id`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`node` text COLLATE NOCASE NOT NULL,
	`lock_delay_ns` integer NOT NULL,
	`behavior` text NOT NULL,
	`ttl` text NOT NULL,
	`node_checks` text,
	`service_checks` text,
	`create_index` integer NOT NULL,
	`modify_index` integer NOT NULL,
	FOREIGN KEY (`node`) REFERENCES `nodes`(`node`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `sessions_by_node` ON `sessions` (`node`);--> statement-breakpoint
CREATE TABLE `checks` (
	`node` text COLLATE NOCASE NOT NULL,
	`check_id` text COLLATE NOCASE NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`notes` text NOT NULL,
	`output` text NOT NULL,
	`service_id` text COLLATE NOCASE NOT NULL,
	`service_name` text COLLATE NOCASE NOT NULL,
	`service_tags` text NOT NULL,
	`type` text NOT NULL,
	`interval` text NOT NULL,
	`timeout` text NOT NULL,
	`exposed_port` integer NOT NULL,
	`definition` text NOT NULL,
	`create_index` integer NOT NULL,
	`modify_index` integer NOT NULL,
	PRIMARY KEY(`node`, `check_id`),
	FOREIGN KEY (`node`) REFERENCES `nodes`(`node`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `checks_by_service` ON `checks` (`node`,`service_id`);--> statement-breakpoint
CREATE INDEX `checks_by_status` ON `checks` (`status`);--> statement-breakpoint
CREATE INDEX `checks_by_service_name` ON `checks` (`service_name`);--> statement-breakpoint
CREATE TABLE `nodes` (
	`node` text COLLATE NOCASE PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`address` text NOT NULL,
	`datacenter` text NOT NULL,
	`tagged_addresses` text,
	`meta` text,
	`create_index` integer NOT NULL,
	`modify_index` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `nodes_by_id` ON `nodes` (`id`) WHERE "nodes"."id" <> '';--> statement-breakpoint
CREATE TABLE `services` (
	`node` text COLLATE NOCASE NOT NULL,
	`service_id` text COLLATE NOCASE NOT NULL,
	`service_name` text COLLATE NOCASE NOT NULL,
	`kind` text NOT NULL,
	`tags` text,
	`address` text NOT NULL,
	`tagged_addresses` text,
	`meta` text,
	`port` integer NOT NULL,
	`socket_path` text NOT NULL,
	`weights` text NOT NULL,
	`enable_tag_override` integer NOT NULL,
	`extra` text,
	`create_index` integer NOT NULL,
	`modify_index` integer NOT NULL,
	PRIMARY KEY(`node`, `service_id`),
	FOREIGN KEY (`node`) REFERENCES `nodes`(`node`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `services_by_name` ON `services` (`service_name`);--> statement-breakpoint
CREATE TABLE `change_feed` (
	`seq` integer PRIMARY KEY NOT NULL,
	`raft_index` integer NOT NULL,
	`tbl` text NOT NULL,
	`key` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `meta` (
	`id` integer PRIMARY KEY NOT NULL,
	`applied_index` integer NOT NULL,
	`applied_term` integer NOT NULL,
	`raft_config` blob,
	CONSTRAINT "meta_single_row" CHECK("meta"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE `table_index` (
	`name` text PRIMARY KEY NOT NULL,
	`raft_index` integer NOT NULL
);
