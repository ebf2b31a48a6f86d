// Column helpers shared by every table: UUID ids, UTC timestamps, optimistic-lock version, tombstone.
import { integer, timestamp, uuid } from 'drizzle-orm/pg-core'

export const id = () => uuid('id').primaryKey().defaultRandom()
// Millisecond precision matches JavaScript dates, so keyset cursors compare exactly.
export const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 })
export const timestamps = () => ({
  createdAt: tz('created_at').notNull().defaultNow(),
  updatedAt: tz('updated_at').notNull().defaultNow(),
})
/** What a write carries from the service's clock: the database's `default now()` is only a fallback. */
export type Stamped = { createdAt: Date; updatedAt: Date }
export type Touched = { updatedAt: Date }
export const versioned = () => ({ version: integer('version').notNull().default(1) })
/** Tombstone: deleted rows stay (without their content) so mirrors syncing with updatedSince see the deletion. */
export const tombstone = () => ({ deletedAt: tz('deleted_at') })
