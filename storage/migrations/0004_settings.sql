CREATE TABLE `settings` (
	`name` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`create_index` integer NOT NULL,
	`modify_index` integer NOT NULL
);
