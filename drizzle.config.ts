import { defineConfig } from 'drizzle-kit'

// Migrations are generated from src/db/schema and committed; the app applies them at start-up.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/index.ts',
  out: './migrations',
  strict: true,
})
