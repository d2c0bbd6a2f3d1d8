CREATE TABLE `events` (
	`ltime` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`payload` blob,
	`node_filter` text NOT NULL,
	`service_filter` text NOT NULL,
	`tag_filter` text NOT NULL,
	`version` integer NOT NULL,
	`raft_index` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_by_id` ON `events` (`id`);--> statement-breakpoint
CREATE TABLE `coordinates` (
	`node` text COLLATE NOCASE NOT NULL,
	`segment` text NOT NULL,
	`coord` text NOT NULL,
	`modify_index` integer NOT NULL,
	PRIMARY KEY(`node`, `segment`),
	FOREIGN KEY (`node`) REFERENCES `nodes`(`node`) ON UPDATE no action ON DELETE no action
);
