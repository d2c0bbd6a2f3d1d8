-- ACL tables: change feed and table index rows, as 0001 does for the other tables. Keys are
-- the row IDs (a token's AccessorID), so a blocking read of one token wakes on that token only;
-- the table index is what list reads and the ACL resolver's cache invalidation go by.
CREATE TRIGGER `acl_tokens_ai` AFTER INSERT ON `acl_tokens` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'acl_tokens', NEW.accessor_id FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'acl_tokens', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `acl_tokens_au` AFTER UPDATE ON `acl_tokens` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'acl_tokens', NEW.accessor_id FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'acl_tokens', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `acl_tokens_ad` AFTER DELETE ON `acl_tokens` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'acl_tokens', OLD.accessor_id FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'acl_tokens', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `acl_policies_ai` AFTER INSERT ON `acl_policies` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'acl_policies', NEW.id FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'acl_policies', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `acl_policies_au` AFTER UPDATE ON `acl_policies` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'acl_policies', NEW.id FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'acl_policies', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `acl_policies_ad` AFTER DELETE ON `acl_policies` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'acl_policies', OLD.id FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'acl_policies', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `acl_roles_ai` AFTER INSERT ON `acl_roles` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'acl_roles', NEW.id FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'acl_roles', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `acl_roles_au` AFTER UPDATE ON `acl_roles` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'acl_roles', NEW.id FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'acl_roles', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `acl_roles_ad` AFTER DELETE ON `acl_roles` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'acl_roles', OLD.id FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'acl_roles', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
