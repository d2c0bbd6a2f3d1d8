-- Events and coordinates: change feed and table index rows, as 0001 does for the other
-- tables. Also narrows the checks triggers to Consul's rule: a service-level check moves
-- only its own service's index; a node-level check moves every service on its node
-- (health/service results carry the node's checks).
DROP TRIGGER `checks_ai`;
--> statement-breakpoint
DROP TRIGGER `checks_au`;
--> statement-breakpoint
DROP TRIGGER `checks_ad`;
--> statement-breakpoint
CREATE TRIGGER `checks_ai` AFTER INSERT ON `checks` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'checks', lower(NEW.node) FROM meta WHERE id = 1;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'node', lower(NEW.node) FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'checks', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO table_index (name, raft_index) SELECT DISTINCT 'service.' || lower(s.service_name), m.applied_index
    FROM services s, meta m WHERE m.id = 1 AND s.node = NEW.node AND (NEW.service_id = '' OR s.service_id = NEW.service_id)
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT DISTINCT m.applied_index, 'service', lower(s.service_name)
    FROM services s, meta m WHERE m.id = 1 AND s.node = NEW.node AND (NEW.service_id = '' OR s.service_id = NEW.service_id);
END;
--> statement-breakpoint
CREATE TRIGGER `checks_au` AFTER UPDATE ON `checks` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'checks', lower(NEW.node) FROM meta WHERE id = 1;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'node', lower(NEW.node) FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'checks', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO table_index (name, raft_index) SELECT DISTINCT 'service.' || lower(s.service_name), m.applied_index
    FROM services s, meta m WHERE m.id = 1 AND s.node = NEW.node AND (NEW.service_id = '' OR OLD.service_id = '' OR s.service_id = NEW.service_id OR s.service_id = OLD.service_id)
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT DISTINCT m.applied_index, 'service', lower(s.service_name)
    FROM services s, meta m WHERE m.id = 1 AND s.node = NEW.node AND (NEW.service_id = '' OR OLD.service_id = '' OR s.service_id = NEW.service_id OR s.service_id = OLD.service_id);
END;
--> statement-breakpoint
CREATE TRIGGER `checks_ad` AFTER DELETE ON `checks` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'checks', lower(OLD.node) FROM meta WHERE id = 1;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'node', lower(OLD.node) FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'checks', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO table_index (name, raft_index) SELECT DISTINCT 'service.' || lower(s.service_name), m.applied_index
    FROM services s, meta m WHERE m.id = 1 AND s.node = OLD.node AND (OLD.service_id = '' OR s.service_id = OLD.service_id)
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
  INSERT INTO change_feed (raft_index, tbl, key) SELECT DISTINCT m.applied_index, 'service', lower(s.service_name)
    FROM services s, meta m WHERE m.id = 1 AND s.node = OLD.node AND (OLD.service_id = '' OR s.service_id = OLD.service_id);
END;
--> statement-breakpoint
CREATE TRIGGER `events_ai` AFTER INSERT ON `events` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'events', NEW.id FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'events', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `events_ad` AFTER DELETE ON `events` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'events', OLD.id FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'events', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `coordinates_ai` AFTER INSERT ON `coordinates` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'coordinates', lower(NEW.node) FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'coordinates', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `coordinates_au` AFTER UPDATE ON `coordinates` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'coordinates', lower(NEW.node) FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'coordinates', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
--> statement-breakpoint
CREATE TRIGGER `coordinates_ad` AFTER DELETE ON `coordinates` BEGIN
  INSERT INTO change_feed (raft_index, tbl, key) SELECT applied_index, 'coordinates', lower(OLD.node) FROM meta WHERE id = 1;
  INSERT INTO table_index (name, raft_index) SELECT 'coordinates', applied_index FROM meta WHERE id = 1
    ON CONFLICT (name) DO UPDATE SET raft_index = excluded.raft_index;
END;
