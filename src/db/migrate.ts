// Applies the committed drizzle-kit migrations; PGlite and PostgreSQL run the same files.
import { fileURLToPath } from 'node:url'
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import type { Database } from './client.ts'

export const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url))

export async function migrate(database: Database): Promise<void> {
  const run = database.kind === 'postgres' ? migratePg : migratePglite
  await database.exclusive(() => run(database.db as never, { migrationsFolder }))
}
