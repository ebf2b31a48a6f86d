// Insight tables built once and shared by every instance: each period's suppressed snapshots, and what they were built from.
import { sql } from 'drizzle-orm'
import { check, integer, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core'
import { agencies } from './agencies.ts'
import { tz } from './columns.ts'

/**
 * One row per agency × limits × period: the version that answers, and what it was built from. `marks` rises each time
 * a change touches the period and `built_marks` holds the marks a build started from, so a period changed during its
 * own rebuild stays stale. `limits` (threshold/minResponses) keys the rows: a table protected at other limits never answers.
 */
export const insightPeriods = pgTable(
  'insight_periods',
  {
    agencyId: uuid('agency_id').notNull().references(() => agencies.id, { onDelete: 'cascade' }),
    limits: text('limits').notNull(),
    unit: text('unit').notNull(),
    period: text('period').notNull(),
    version: integer('version').notNull().default(1),
    marks: integer('marks').notNull().default(0),
    builtMarks: integer('built_marks').notNull().default(0),
    /** A digest of the other inputs (time zone, area tree): a period built from others is stale. */
    inputs: text('inputs').notNull(),
    /** A quarter's events: one that moves to another quarter changes the quarter it left too. */
    events: uuid('events').array().notNull().default(sql`'{}'::uuid[]`),
    /** The build whose snapshots answer (null: marked changed, never built): caches key on it. */
    buildId: uuid('build_id'),
    builtAt: tz('built_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.agencyId, t.limits, t.unit, t.period] }), check('insight_periods_unit', sql`${t.unit} in ('month', 'quarter')`)],
)

/**
 * One row per agency × limits × period × insight: the published rows, in answer order, as JSON text in the compact
 * form of snapshot-codec.ts (plain JSON rows from earlier versions read too). Why this layout: an answer reads one
 * primary-key range (the periods asked, one insight) and applies the request's selection to whole cells in process
 * with the same code as before, so answers stay byte-for-byte the same; text (not jsonb, which reorders keys) keeps the
 * measures' order and parses fastest; a period's snapshots are swapped in one transaction.
 */
export const insightSnapshots = pgTable(
  'insight_snapshots',
  {
    agencyId: uuid('agency_id').notNull().references(() => agencies.id, { onDelete: 'cascade' }),
    limits: text('limits').notNull(),
    unit: text('unit').notNull(),
    period: text('period').notNull(),
    insight: text('insight').notNull(),
    buildId: uuid('build_id').notNull(),
    rows: text('rows').notNull(),
  },
  (t) => [primaryKey({ columns: [t.agencyId, t.limits, t.unit, t.insight, t.period] })],
)

/** Per agency × limits: the sources' watermark the stored periods were last checked against (insights-repository). */
export const insightSources = pgTable(
  'insight_sources',
  {
    agencyId: uuid('agency_id').notNull().references(() => agencies.id, { onDelete: 'cascade' }),
    limits: text('limits').notNull(),
    watermark: jsonb('watermark').notNull(),
    checkedAt: tz('checked_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.agencyId, t.limits] })],
)
