// SQL for report-backs and the feedback whose outcome each relayed.
import type { Stamped } from '../../db/schema/columns.ts'
import { and, asc, eq, getTableColumns, gte, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { existsCheck, plannedInsert, selectCheck, type Check, type PlannedInsert } from '../../db/unit-of-work.ts'
import { decisionFeedback, decisions, feedbackItems, reportBackFeedback, reportBacks } from '../../db/schema/index.ts'
import { feedbackVisible } from '../feedback/feedback-repository.ts'
import type { FeedbackViewer } from '../feedback/feedback-view.ts'
import type { Cursor } from '../shared/pagination.ts'
import type { ReportBackListQuery } from './report-backs-schemas.ts'
import { cappedCount, type TotalCount } from '../../db/counting.ts'

const columns = getTableColumns(reportBacks)
export type ReportBackItemRow = typeof reportBacks.$inferSelect
export type ReportBackRow = ReportBackItemRow & { feedbackIds: string[] }
export type ReportBackFilter = Omit<ReportBackListQuery, 'limit' | 'cursor' | 'count' | 'agency'> & { agencyId?: string }

export function reportBackVisible(v: FeedbackViewer): SQL {
  const published = sql`${reportBacks.publication} = 'published'` // a literal, for prepared statements' generic plans
  return v.kind === 'staff' && v.agencyId ? or(published, eq(reportBacks.agencyId, v.agencyId))! : published
}

// Spelled out: drizzle leaves columns unqualified in single-table selects, and inside the sub-select "id" would be the feedback's.
const outerId = sql.raw('"report_backs"."id"')

/** The feedback ids ride along as a correlated sub-select in the viewer's sight: one statement per page. */
const selection = (v: FeedbackViewer) => ({
  ...columns,
  feedbackIds: sql<string[]>`array(select ${reportBackFeedback.feedbackId} from ${reportBackFeedback} join ${feedbackItems} on ${feedbackItems.id} = ${reportBackFeedback.feedbackId} where ${reportBackFeedback.reportBackId} = ${outerId} and ${feedbackVisible(v)} and ${feedbackItems.deletedAt} is null order by ${feedbackItems.receivedAt}, ${feedbackItems.id})`.as('feedback_ids'),
})

/** What a listing holds before its cursor: the viewer's report-backs under the filter, tombstones only when syncing. */
function listConditions(f: ReportBackFilter, v: FeedbackViewer): (SQL | undefined)[] {
  return [
    reportBackVisible(v),
    f.agencyId ? eq(reportBacks.agencyId, f.agencyId) : undefined,
    f.decisionId ? eq(reportBacks.decisionId, f.decisionId) : undefined,
    f.eventId ? eq(reportBacks.eventId, f.eventId) : undefined,
    f.channel?.length ? inArray(reportBacks.channel, f.channel) : undefined,
    f.relayedFrom ? gte(reportBacks.relayedAt, f.relayedFrom) : undefined,
    f.relayedTo ? lt(reportBacks.relayedAt, f.relayedTo) : undefined,
    f.updatedSince ? gte(reportBacks.updatedAt, f.updatedSince) : undefined,
    f.updatedSince === undefined ? isNull(reportBacks.deletedAt) : undefined,
  ]
}

export function createReportBacksRepository(db: Queryable) {
  const base = (v: FeedbackViewer) => db.select(selection(v)).from(reportBacks)
  return {
    /** Whether `v` may see the report-back whose id `id` names, as SQL for another repository's statement. */
    seen(v: FeedbackViewer): (id: SQL) => SQL {
      return (id) => sql`exists (select 1 from ${reportBacks} where ${reportBacks.id} = ${id} and ${reportBackVisible(v)} and ${reportBacks.deletedAt} is null)`
    },

    async byId(id: string, v: FeedbackViewer): Promise<ReportBackRow | undefined> {
      const [row] = await base(v)
        .where(and(eq(reportBacks.id, id), reportBackVisible(v), isNull(reportBacks.deletedAt)))
        .limit(1)
      return row
    },

    byIds(ids: string[], v: FeedbackViewer): Promise<ReportBackRow[]> {
      if (ids.length === 0) return Promise.resolve([])
      return base(v).where(and(inArray(reportBacks.id, ids), reportBackVisible(v), isNull(reportBacks.deletedAt)))
    },

    /** Keyset page by when the outcome was relayed, or by last change when syncing (with tombstones). */
    list(f: ReportBackFilter, v: FeedbackViewer, cursor: Cursor | undefined, limit: number): Promise<ReportBackRow[]> {
      const key = f.updatedSince !== undefined ? reportBacks.updatedAt : reportBacks.relayedAt
      const where = listConditions(f, v)
      if (cursor) where.push(sql`(${key}, ${reportBacks.id}) > (${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)`)
      return base(v)
        .where(and(...where))
        .orderBy(asc(key), asc(reportBacks.id))
        .limit(limit + 1)
    },

    /** How many report-backs list() pages through for `f` and `v`, counted up to `cap` (src/db/counting.ts). */
    count(f: ReportBackFilter, v: FeedbackViewer, cap: number): Promise<TotalCount> {
      return cappedCount(db, db.select({ id: reportBacks.id }).from(reportBacks).where(and(...listConditions(f, v))), cap)
    },

    /** The visible report-backs of each decision of a batch (one statement). */
    ofDecisions(decisionIds: string[], v: FeedbackViewer): Promise<ReportBackRow[]> {
      if (decisionIds.length === 0) return Promise.resolve([])
      return base(v)
        .where(and(inArray(reportBacks.decisionId, decisionIds), reportBackVisible(v), isNull(reportBacks.deletedAt)))
        .orderBy(asc(reportBacks.relayedAt), asc(reportBacks.id))
    },

    async insert(values: typeof reportBacks.$inferInsert & Stamped): Promise<ReportBackItemRow> {
      const [row] = await db.insert(reportBacks).values(values).returning()
      return row!
    },

    async linkFeedback(agencyId: string, reportBackId: string, feedbackIds: string[]): Promise<void> {
      if (feedbackIds.length) await db.insert(reportBackFeedback).values(feedbackIds.map((feedbackId) => ({ agencyId, reportBackId, feedbackId })))
    },

    /** A new report-back, written in a unit of work; its id is chosen by the caller. */
    planInsert(values: typeof reportBacks.$inferInsert & Stamped & { id: string }): PlannedInsert<ReportBackItemRow> {
      return plannedInsert(reportBacks, values, columns)
    },

    /** A new report-back's feedback links, written in its unit of work. */
    planLinks(agencyId: string, reportBackId: string, feedbackIds: string[]): PlannedInsert {
      return plannedInsert(reportBackFeedback, feedbackIds.map((feedbackId) => ({ agencyId, reportBackId, feedbackId })))
    },

    /** Whether the decision is a live one of the agency: a check for a unit of work's one read. */
    decisionInAgencyCheck(decisionId: string, agencyId: string): Check<boolean> {
      return existsCheck(decisions, and(eq(decisions.id, decisionId), eq(decisions.agencyId, agencyId), isNull(decisions.deletedAt)))
    },

    /** feedbackOfDecision with when each item was received, as a check for a unit of work's one read. */
    feedbackOfDecisionCheck(decisionId: string): Check<{ id: string; receivedAt: Date }[]> {
      const selected = { id: feedbackItems.id, receivedAt: feedbackItems.receivedAt }
      return selectCheck(selected, sql`${decisionFeedback} join ${feedbackItems} on ${feedbackItems.id} = ${decisionFeedback.feedbackId}`, and(eq(decisionFeedback.decisionId, decisionId), isNull(feedbackItems.deletedAt)))
    },

    /** Every live feedback item a decision answers. */
    async feedbackOfDecision(decisionId: string): Promise<string[]> {
      const rows = await db
        .select({ id: decisionFeedback.feedbackId })
        .from(decisionFeedback)
        .innerJoin(feedbackItems, eq(feedbackItems.id, decisionFeedback.feedbackId))
        .where(and(eq(decisionFeedback.decisionId, decisionId), isNull(feedbackItems.deletedAt)))
      return rows.map((r) => r.id)
    },
  }
}
