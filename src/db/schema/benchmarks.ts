// Benchmarks (issue 20, item 4): norm tables an agency imports from published surveys, and its opt-in to pooling.
import { sql } from 'drizzle-orm'
import { boolean, check, date, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { agencies } from './agencies.ts'
import { id, tz } from './columns.ts'

/** One item of a norm table: its published mean on its scale, its sample size and share per response value. */
export type NormItem = { code: string; mean: number; scale: { min: number; max: number }; n: number; distribution: Record<string, number> }

/** A norm table: what a published survey found per item code, cited; the agency's figures are placed against it. */
export const normTables = pgTable(
  'norm_tables',
  {
    id: id(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    /** The citation, as a reader would look it up. */
    source: text('source').notNull(),
    sourceUrl: text('source_url'),
    periodFrom: date('period_from', { mode: 'string' }).notNull(),
    periodTo: date('period_to', { mode: 'string' }).notNull(),
    items: jsonb('items').$type<NormItem[]>().notNull(),
    createdAt: tz('created_at').notNull(),
  },
  (t) => [index('norm_tables_agency_idx').on(t.agencyId, t.createdAt), check('norm_tables_period_order', sql`${t.periodFrom} <= ${t.periodTo}`)],
)

/** An agency's consent to publish its item aggregates for regional pooling (no row: not opted in). */
export const agencyPooling = pgTable(
  'agency_pooling',
  {
  agencyId: uuid('agency_id')
    .primaryKey()
    .references(() => agencies.id, { onDelete: 'restrict' }),
  enabled: boolean('enabled').notNull(),
  /** The norm table the agency names as its reference, published with its aggregates (its source only). */
  // Restrict, not set null: a distributed key (norm_table_id, agency_id) cannot null half of itself; deleting clears it first.
  normTableId: uuid('norm_table_id').references(() => normTables.id, { onDelete: 'restrict' }),
  updatedAt: tz('updated_at').notNull(),
  },
  (t) => [index('agency_pooling_norm_table_idx').on(t.normTableId)],
)
