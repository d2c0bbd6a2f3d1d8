-- Change feed and index bookkeeping (see storage/DESIGN.md, "Triggers").
-- Every watched write appends (entry index, table, key) rows to change_feed and bumps the
-- table_index rows Consul's reads use, in the same transaction as the write. The entry index
-- is meta.applied_index, which the FSM sets before applying each entry. Names are lower-cased
-- with SQLite's ASCII lower(), matching asciiLower() on the watch side.
INSERT INTO `meta` (`id`, `applied_index`, `applied_term`, `raft_config`) VALUES (1, 0, 0, NULL);
--> statement-breakpoint
CREATE TRIGGER `kvs_ai` AFTER INSERT ON `kvs` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'kvs', NEW.key FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'kvs', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `kvs_au` AFTER UPDATE ON `kvs` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'kvs', NEW.key FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'kvs', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `kvs_ad` AFTER DELETE ON `kvs` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'kvs', OLD.key FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'kvs', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `tombstones_ai` AFTER INSERT ON `tombstones` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'tombstones', NEW.key FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'tombstones', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `tombstones_au` AFTER UPDATE ON `tombstones` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'tombstones', NEW.key FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'tombstones', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `tombstones_ad` AFTER DELETE ON `tombstones` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'tombstones', OLD.key FROM meta WHERE id = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `sessions_ai` AFTER INSERT ON `sessions` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'sessions', NEW.id FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'sessions', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `sessions_au` AFTER UPDATE ON `sessions` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'sessions', NEW.id FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'sessions', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `sessions_ad` AFTER DELETE ON `sessions` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'sessions', OLD.id FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'sessions', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `nodes_ai` AFTER INSERT ON `nodes` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'nodes', lower(NEW.node) FROM meta WHERE id = 1;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'node', lower(NEW.node) FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'nodes', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO table_index (name, raft_index) SELECT DISTINCT 'service.' || lower(s.service_name), m.applied_index
    FROM services s, meta m WHERE m.id = 1 AND s.node = NEW.node
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT DISTINCT m.applied_index, 'service', lower(s.service_name)
    FROM services s, meta m WHERE m.id = 1 AND s.node = NEW.node;
END;
--> statement-breakpoint
CREATE TRIGGER `nodes_au` AFTER UPDATE ON `nodes` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'nodes', lower(NEW.node) FROM meta WHERE id = 1;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'node', lower(NEW.node) FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'nodes', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO table_index (name, raft_index) SELECT DISTINCT 'service.' || lower(s.service_name), m.applied_index
    FROM services s, meta m WHERE m.id = 1 AND s.node = NEW.node
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT DISTINCT m.applied_index, 'service', lower(s.service_name)
    FROM services s, meta m WHERE m.id = 1 AND s.node = NEW.node;
END;
--> statement-breakpoint
CREATE TRIGGER `nodes_ad` AFTER DELETE ON `nodes` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'nodes', lower(OLD.node) FROM meta WHERE id = 1;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'node', lower(OLD.node) FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'nodes', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO table_index (name, raft_index) SELECT DISTINCT 'service.' || lower(s.service_name), m.applied_index
    FROM services s, meta m WHERE m.id = 1 AND s.node = OLD.node
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT DISTINCT m.applied_index, 'service', lower(s.service_name)
    FROM services s, meta m WHERE m.id = 1 AND s.node = OLD.node;
END;
--> statement-breakpoint
CREATE TRIGGER `services_ai` AFTER INSERT ON `services` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'services', lower(NEW.service_name) FROM meta WHERE id = 1;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'service', lower(NEW.service_name) FROM meta WHERE id = 1;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'node', lower(NEW.node) FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'services', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO table_index (name, raft_index) SELECT 'service.' || lower(NEW.service_name), applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `services_au` AFTER UPDATE ON `services` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'services', lower(NEW.service_name) FROM meta WHERE id = 1;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'service', lower(NEW.service_name) FROM meta WHERE id = 1;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'node', lower(NEW.node) FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'services', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO table_index (name, raft_index) SELECT 'service.' || lower(NEW.service_name), applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'service', lower(OLD.service_name) FROM meta WHERE id = 1 AND OLD.service_name <> NEW.service_name;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'services', lower(OLD.service_name) FROM meta WHERE id = 1 AND OLD.service_name <> NEW.service_name;
  DELETE FROM table_index WHERE name = 'service.' || lower(OLD.service_name) AND NOT EXISTS (SELECT 1 FROM services WHERE service_name = OLD.service_name) AND OLD.service_name <> NEW.service_name;
  INSERT INTO table_index (name, raft_index) SELECT 'service_last_extinction', applied_index FROM meta WHERE id = 1 AND NOT EXISTS (SELECT 1 FROM services WHERE service_name = OLD.service_name) AND OLD.service_name <> NEW.service_name
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO table_index (name, raft_index) SELECT 'service.' || lower(OLD.service_name), applied_index FROM meta WHERE id = 1 AND EXISTS (SELECT 1 FROM services WHERE service_name = OLD.service_name) AND OLD.service_name <> NEW.service_name
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `services_ad` AFTER DELETE ON `services` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'services', lower(OLD.service_name) FROM meta WHERE id = 1;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'service', lower(OLD.service_name) FROM meta WHERE id = 1;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'node', lower(OLD.node) FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'services', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  DELETE FROM table_index WHERE name = 'service.' || lower(OLD.service_name) AND NOT EXISTS (SELECT 1 FROM services WHERE service_name = OLD.service_name);
  INSERT INTO table_index (name, raft_index) SELECT 'service_last_extinction', applied_index FROM meta WHERE id = 1 AND NOT EXISTS (SELECT 1 FROM services WHERE service_name = OLD.service_name)
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO table_index (name, raft_index) SELECT 'service.' || lower(OLD.service_name), applied_index FROM meta WHERE id = 1 AND EXISTS (SELECT 1 FROM services WHERE service_name = OLD.service_name)
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `checks_ai` AFTER INSERT ON `checks` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'checks', lower(NEW.node) FROM meta WHERE id = 1;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'node', lower(NEW.node) FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'checks', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO table_index (name, raft_index) SELECT DISTINCT 'service.' || lower(s.service_name), m.applied_index
    FROM services s, meta m WHERE m.id = 1 AND s.node = NEW.node
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT DISTINCT m.applied_index, 'service', lower(s.service_name)
    FROM services s, meta m WHERE m.id = 1 AND s.node = NEW.node;
END;
--> statement-breakpoint
CREATE TRIGGER `checks_au` AFTER UPDATE ON `checks` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'checks', lower(NEW.node) FROM meta WHERE id = 1;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'node', lower(NEW.node) FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'checks', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO table_index (name, raft_index) SELECT DISTINCT 'service.' || lower(s.service_name), m.applied_index
    FROM services s, meta m WHERE m.id = 1 AND s.node = NEW.node
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT DISTINCT m.applied_index, 'service', lower(s.service_name)
    FROM services s, meta m WHERE m.id = 1 AND s.node = NEW.node;
END;
--> statement-breakpoint
CREATE TRIGGER `checks_ad` AFTER DELETE ON `checks` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'checks', lower(OLD.node) FROM meta WHERE id = 1;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'node', lower(OLD.node) FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'checks', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO table_index (name, raft_index) SELECT DISTINCT 'service.' || lower(s.service_name), m.applied_index
    FROM services s, meta m WHERE m.id = 1 AND s.node = OLD.node
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT DISTINCT m.applied_index, 'service', lower(s.service_name)
    FROM services s, meta m WHERE m.id = 1 AND s.node = OLD.node;
END;
