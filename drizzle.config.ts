// drizzle-kit: `npx drizzle-kit generate` diffs storage/schema against storage/migrations and
// writes the next SQL migration; triggers live in custom migrations (`generate --custom`).
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './storage/schema/index.ts',
  out: './storage/migrations',
});
