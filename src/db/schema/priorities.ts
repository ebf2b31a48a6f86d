// Shared priorities identified with the community: a statement, who proposed it, its endorsements and its progress.
import { check, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'
import { agencies } from './agencies.ts'
import { id, timestamps, tombstone, tz, versioned } from './columns.ts'
import { type Translations } from './events.ts'
import { decisions, feedbackItems, reportBacks } from './feedback.ts'
import { organizations } from './organizations.ts'

export const priorityStatuses = ['proposed', 'adopted', 'in_progress', 'done', 'declined'] as const
export const priorityStatus = pgEnum('priority_status', priorityStatuses)
export const priorityProposers = ['staff', 'partner', 'public'] as const
export const priorityProposer = pgEnum('priority_proposer', priorityProposers)
/** A public proposal waits for moderation, as public feedback does; staff and partner proposals are published at once. */
export const priorityModerations = ['pending_moderation', 'published', 'withheld'] as const
export const priorityModeration = pgEnum('priority_moderation', priorityModerations)

export const priorities = pgTable(
  'priorities',
  {
    id: id(),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    statement: jsonb('statement').$type<Translations>().notNull(),
    areaIds: uuid('area_ids').array().notNull().default(sql`'{}'::uuid[]`),
    topics: text('topics').array().notNull().default(sql`'{}'::text[]`),
    proposedBy: priorityProposer('proposed_by').notNull(),
    /** The partner organization that proposed it; people who propose are not recorded. */
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'restrict' }),
    moderation: priorityModeration('moderation').notNull(),
    status: priorityStatus('status').notNull().default('proposed'),
    /** Why it was declined, published with it (required to decline). */
    statusReason: jsonb('status_reason').$type<Translations>().notNull().default({}),
    /** Anonymous endorsements: a count and nothing else, so no endorser can be told apart. */
    anonymousEndorsements: integer('anonymous_endorsements').notNull().default(0),
    /** Named and anonymous endorsements together (the sort key "endorsements"). */
    endorsementCount: integer('endorsement_count').notNull().default(0),
    ...versioned(),
    ...timestamps(),
    ...tombstone(),
  },
  (t) => [
    index('priorities_agency_created_idx').on(t.agencyId, t.createdAt, t.id),
    index('priorities_endorsements_idx').on(t.endorsementCount, t.createdAt, t.id),
    check('priorities_counts_check', sql`${t.anonymousEndorsements} >= 0 and ${t.endorsementCount} >= ${t.anonymousEndorsements}`),
  ],
)

/** An organization's named endorsement: one per organization and priority. */
export const priorityEndorsements = pgTable(
  'priority_endorsements',
  {
    priorityId: uuid('priority_id')
      .notNull()
      .references(() => priorities.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'restrict' }),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id, { onDelete: 'restrict' }),
    note: jsonb('note').$type<Translations>().notNull().default({}),
    endorsedAt: tz('endorsed_at').notNull(),
  },
  (t) => [primaryKey({ name: 'priority_endorsements_pkey', columns: [t.priorityId, t.organizationId] })],
)

const linkTable = <N extends string>(name: N, column: string, target: typeof feedbackItems | typeof decisions | typeof reportBacks) =>
  pgTable(
    name,
    {
      priorityId: uuid('priority_id')
        .notNull()
        .references(() => priorities.id, { onDelete: 'cascade' }),
      targetId: uuid(column)
        .notNull()
        .references(() => target.id, { onDelete: 'cascade' }),
      agencyId: uuid('agency_id')
        .notNull()
        .references(() => agencies.id, { onDelete: 'restrict' }),
    },
    (t) => [primaryKey({ name: `${name}_pkey`, columns: [t.priorityId, t.targetId] }), index(`${name}_target_idx`).on(t.targetId)],
  )

/** Feedback that supports a priority, decisions taken on it, and report-backs relaying it. */
export const priorityFeedback = linkTable('priority_feedback', 'feedback_id', feedbackItems)
export const priorityDecisions = linkTable('priority_decisions', 'decision_id', decisions)
export const priorityReportBacks = linkTable('priority_report_backs', 'report_back_id', reportBacks)
