// drizzle-kit: `npx drizzle-kit generate` diffs storage/schema against storage/migrations and
// writes the next SQL migration; triggers live in custom migrations (`generate --custom`).
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  // ACL tables, when they exist, live beside the ACL code (storage/acl/schema.ts).
  schema: ['./storage/schema/index.ts', './storage/acl/schema.ts'],
  out: './storage/migrations',
});
