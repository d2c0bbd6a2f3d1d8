// Column helpers shared by the table files.
import { customType } from 'drizzle-orm/sqlite-core';

/**
 * TEXT compared case-insensitively (ASCII), for node names, service IDs/names and check IDs,
 * which Consul matches case-insensitively. Lookups and uniqueness follow the column collation.
 */
export const textNoCase = customType<{ data: string; driverData: string }>({
  dataType: () => 'text COLLATE NOCASE',
});
