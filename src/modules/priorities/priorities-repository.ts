// SQL for shared priorities, their named endorsements, anonymous endorsement counts and links to the loop.
import { and, desc, eq, getTableColumns, inArray, isNull, or, sql, type SQL } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import type { Stamped, Touched } from '../../db/schema/columns.ts'
import { plannedInsert, selectCheck, valueCheck, type Check, type PlannedInsert } from '../../db/unit-of-work.ts'
import { decisions, feedbackItems, feedbackTopics, priorities, priorityDecisions, priorityEndorsements, priorityFeedback, priorityReportBacks, reportBacks } from '../../db/schema/index.ts'
import { decisionVisible } from '../decisions/decisions-repository.ts'
import { feedbackVisible } from '../feedback/feedback-repository.ts'
import type { FeedbackViewer } from '../feedback/feedback-view.ts'
import { reportBackVisible } from '../report-backs/report-backs-repository.ts'
import { cappedCount, type TotalCount } from '../../db/counting.ts'

export type PriorityItemRow = typeof priorities.$inferSelect
export type EndorsementEntry = { organizationId: string; note: Record<string, string>; endorsedAt: string }
export type PriorityRow = PriorityItemRow & { feedbackIds: string[]; decisionIds: string[]; reportBackIds: string[]; endorsements: EndorsementEntry[] }
export type PriorityInsert = typeof priorities.$inferInsert
export type PrioritySort = 'recent' | 'endorsements'
/** Where a page ends: the last row's sort key (its endorsement count when sorted by endorsements) and id. */
export type PriorityCursor = { at: Date; count?: number; id: string }
export type PriorityFilter = { agencyId?: string; status?: string[]; areaId?: string[]; topic?: string[] }
export type LinkLists = { feedbackIds?: string[]; decisionIds?: string[]; reportBackIds?: string[] }

/** Published priorities for everyone; the agency's staff also see those waiting for moderation or withheld. */
export function priorityVisible(v: FeedbackViewer): SQL {
  const published = sql`${priorities.moderation} = 'published'`
  return v.kind === 'staff' && v.agencyId ? or(published, eq(priorities.agencyId, v.agencyId))! : published
}

const outerId = sql.raw('"priorities"."id"')

/** Links ride along as correlated sub-selects, each in the viewer's sight: one statement per page. */
function selection(v: FeedbackViewer) {
  return {
    ...getTableColumns(priorities),
    feedbackIds: sql<string[]>`array(select ${priorityFeedback.targetId} from ${priorityFeedback} join ${feedbackItems} on ${feedbackItems.id} = ${priorityFeedback.targetId} where ${priorityFeedback.priorityId} = ${outerId} and ${feedbackVisible(v)} and ${feedbackItems.deletedAt} is null order by ${feedbackItems.receivedAt}, ${feedbackItems.id})`.as('feedback_ids'),
    decisionIds: sql<string[]>`array(select ${priorityDecisions.targetId} from ${priorityDecisions} join ${decisions} on ${decisions.id} = ${priorityDecisions.targetId} where ${priorityDecisions.priorityId} = ${outerId} and ${decisionVisible(v)} and ${decisions.deletedAt} is null order by ${decisions.createdAt}, ${decisions.id})`.as('decision_ids'),
    reportBackIds: sql<string[]>`array(select ${priorityReportBacks.targetId} from ${priorityReportBacks} join ${reportBacks} on ${reportBacks.id} = ${priorityReportBacks.targetId} where ${priorityReportBacks.priorityId} = ${outerId} and ${reportBackVisible(v)} and ${reportBacks.deletedAt} is null order by ${reportBacks.relayedAt}, ${reportBacks.id})`.as('report_back_ids'),
    endorsements: sql<EndorsementEntry[]>`coalesce((select json_agg(json_build_object('organizationId', ${priorityEndorsements.organizationId}, 'note', ${priorityEndorsements.note}, 'endorsedAt', ${priorityEndorsements.endorsedAt}) order by ${priorityEndorsements.endorsedAt}, ${priorityEndorsements.organizationId}) from ${priorityEndorsements} where ${priorityEndorsements.priorityId} = ${outerId}), '[]'::json)`.as('endorsements'),
  }
}

/** What a listing holds before its cursor: the viewer's priorities under the filter. */
function listConditions(filter: PriorityFilter, v: FeedbackViewer): (SQL | undefined)[] {
  return [
    priorityVisible(v),
    isNull(priorities.deletedAt),
    filter.agencyId ? eq(priorities.agencyId, filter.agencyId) : undefined,
    filter.status?.length ? inArray(priorities.status, filter.status as PriorityItemRow['status'][]) : undefined,
    filter.areaId?.length ? sql`${priorities.areaIds} && ${sql`array[${sql.join(filter.areaId.map((a) => sql`${a}::uuid`), sql`, `)}]`}` : undefined,
    filter.topic?.length ? sql`${priorities.topics} && ${sql`array[${sql.join(filter.topic.map((c) => sql`${c}::text`), sql`, `)}]`}` : undefined,
  ]
}

export function createPrioritiesRepository(db: Queryable) {
  const base = (v: FeedbackViewer) => db.select(selection(v)).from(priorities)

  return {
    async byId(id: string, v: FeedbackViewer): Promise<PriorityRow | undefined> {
      const [row] = await base(v)
        .where(and(eq(priorities.id, id), priorityVisible(v), isNull(priorities.deletedAt)))
        .limit(1)
      return row
    },

    /** The visible live priorities among `ids` (one statement). */
    byIds(ids: string[], v: FeedbackViewer): Promise<PriorityRow[]> {
      if (ids.length === 0) return Promise.resolve([])
      return base(v)
        .where(and(inArray(priorities.id, ids), priorityVisible(v), isNull(priorities.deletedAt)))
        .orderBy(desc(priorities.createdAt), desc(priorities.id))
    },

    /** Keyset page by recency (newest first) or by endorsements (most first, then newest). */
    list(filter: PriorityFilter, v: FeedbackViewer, sort: PrioritySort, cursor: PriorityCursor | undefined, limit: number): Promise<PriorityRow[]> {
      const where = listConditions(filter, v)
      if (cursor && sort === 'endorsements')
        where.push(sql`(${priorities.endorsementCount}, ${priorities.createdAt}, ${priorities.id}) < (${cursor.count ?? 0}::int, ${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)`)
      else if (cursor) where.push(sql`(${priorities.createdAt}, ${priorities.id}) < (${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)`)
      const order = sort === 'endorsements' ? [desc(priorities.endorsementCount), desc(priorities.createdAt), desc(priorities.id)] : [desc(priorities.createdAt), desc(priorities.id)]
      return base(v)
        .where(and(...where))
        .orderBy(...order)
        .limit(limit + 1)
    },

    /** How many priorities list() pages through for `filter` and `v`, counted up to `cap` (src/db/counting.ts). */
    count(filter: PriorityFilter, v: FeedbackViewer, cap: number): Promise<TotalCount> {
      return cappedCount(db, db.select({ id: priorities.id }).from(priorities).where(and(...listConditions(filter, v))), cap)
    },

    planInsert(values: PriorityInsert & Stamped & { id: string }): PlannedInsert<PriorityItemRow> {
      return plannedInsert(priorities, values, getTableColumns(priorities))
    },

    /** A new priority's links, written in its unit of work (none for a kind left empty). */
    planLinks(agencyId: string, priorityId: string, links: LinkLists): PlannedInsert[] {
      return [
        plannedInsert(priorityFeedback, (links.feedbackIds ?? []).map((targetId) => ({ agencyId, priorityId, targetId }))),
        plannedInsert(priorityDecisions, (links.decisionIds ?? []).map((targetId) => ({ agencyId, priorityId, targetId }))),
        plannedInsert(priorityReportBacks, (links.reportBackIds ?? []).map((targetId) => ({ agencyId, priorityId, targetId }))),
      ]
    },

    /** Which of these codes are topics of the agency's vocabulary (its own or the standard ones, not retired). */
    topicsCheck(agencyId: string, codes: string[]): Check<{ code: string }[]> {
      const columns = { code: feedbackTopics.code }
      return selectCheck(columns, feedbackTopics, and(or(isNull(feedbackTopics.agencyId), eq(feedbackTopics.agencyId, agencyId)), inArray(feedbackTopics.code, codes), isNull(feedbackTopics.retiredInVersion)))
    },

    /** Which of these ids name live records of the agency, per kind of link: one check for a unit of work's read. */
    linksCheck(agencyId: string, links: LinkLists): Check<{ feedback: string[]; decisions: string[]; reportBacks: string[] }> {
      const ids = (table: typeof feedbackItems | typeof decisions | typeof reportBacks, list: string[] | undefined) =>
        list?.length
          ? sql`coalesce((select jsonb_agg(${table.id}) from ${table} where ${table.agencyId} = ${agencyId}::uuid and ${inArray(table.id, list)} and ${table.deletedAt} is null), '[]'::jsonb)`
          : sql`'[]'::jsonb`
      return valueCheck(sql`select jsonb_build_object('feedback', ${ids(feedbackItems, links.feedbackIds)}, 'decisions', ${ids(decisions, links.decisionIds)}, 'reportBacks', ${ids(reportBacks, links.reportBackIds)})`)
    },

    /** Which of these ids name live records of the agency (the same rule outside a unit of work). */
    async linksIn(agencyId: string, links: LinkLists): Promise<{ feedback: string[]; decisions: string[]; reportBacks: string[] }> {
      const ids = async (table: typeof feedbackItems | typeof decisions | typeof reportBacks, list: string[] | undefined) =>
        list?.length ? (await db.select({ id: table.id }).from(table).where(and(eq(table.agencyId, agencyId), inArray(table.id, list), isNull(table.deletedAt)))).map((r) => r.id) : []
      return { feedback: await ids(feedbackItems, links.feedbackIds), decisions: await ids(decisions, links.decisionIds), reportBacks: await ids(reportBacks, links.reportBackIds) }
    },

    async topicsIn(agencyId: string, codes: string[]): Promise<string[]> {
      if (codes.length === 0) return []
      const rows = await db
        .select({ code: feedbackTopics.code })
        .from(feedbackTopics)
        .where(and(or(isNull(feedbackTopics.agencyId), eq(feedbackTopics.agencyId, agencyId)), inArray(feedbackTopics.code, codes), isNull(feedbackTopics.retiredInVersion)))
      return rows.map((r) => r.code)
    },

    /** Locks the row for a change (the version check and the transition rule read it). */
    async forUpdate(agencyId: string, id: string): Promise<PriorityItemRow | undefined> {
      const [row] = await db
        .select()
        .from(priorities)
        .where(and(eq(priorities.id, id), eq(priorities.agencyId, agencyId), isNull(priorities.deletedAt)))
        .for('update')
      return row
    },

    /** Any agency's live priority, locked: an endorsement may come from the public, who name no agency. */
    async lockLive(id: string): Promise<PriorityItemRow | undefined> {
      const [row] = await db
        .select()
        .from(priorities)
        .where(and(eq(priorities.id, id), isNull(priorities.deletedAt)))
        .for('update')
      return row
    },

    async update(id: string, changes: Partial<PriorityInsert> & Touched): Promise<PriorityItemRow> {
      const [row] = await db
        .update(priorities)
        .set({ ...changes, version: sql`${priorities.version} + 1` })
        .where(eq(priorities.id, id))
        .returning()
      return row!
    },

    /** Replaces a priority's links of one kind; `undefined` leaves them alone. */
    async setLinks(agencyId: string, priorityId: string, links: LinkLists): Promise<void> {
      const kinds = [
        [priorityFeedback, links.feedbackIds],
        [priorityDecisions, links.decisionIds],
        [priorityReportBacks, links.reportBackIds],
      ] as const
      for (const [table, list] of kinds) {
        if (!list) continue
        await db.delete(table).where(eq(table.priorityId, priorityId))
        if (list.length) await db.insert(table).values(list.map((targetId) => ({ agencyId, priorityId, targetId })))
      }
    },

    /** Adds an organization's endorsement; false when it already endorsed the priority. */
    async addEndorsement(values: typeof priorityEndorsements.$inferInsert & { endorsedAt: Date }): Promise<boolean> {
      const rows = await db.insert(priorityEndorsements).values(values).onConflictDoNothing().returning({ id: priorityEndorsements.priorityId })
      return rows.length > 0
    },

    /** Counts one more endorsement, anonymous (a count only) or named (already inserted). */
    async countEndorsement(id: string, anonymous: boolean, at: Date): Promise<PriorityItemRow> {
      const [row] = await db
        .update(priorities)
        .set({
          endorsementCount: sql`${priorities.endorsementCount} + 1`,
          ...(anonymous ? { anonymousEndorsements: sql`${priorities.anonymousEndorsements} + 1` } : {}),
          version: sql`${priorities.version} + 1`,
          updatedAt: at,
        })
        .where(eq(priorities.id, id))
        .returning()
      return row!
    },
  }
}
export type PrioritiesRepository = ReturnType<typeof createPrioritiesRepository>
