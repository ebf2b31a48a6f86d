// SQL for decision records, their progress updates and their links to feedback, events and organizations.
import { searchQuery } from '../../db/text-search.ts'
import type { Stamped, Touched } from '../../db/schema/columns.ts'
import { and, asc, eq, getTableColumns, gte, inArray, isNull, or, sql, type SQL } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { plannedInsert, selectCheck, type Check, type PlannedInsert } from '../../db/unit-of-work.ts'
import { decisionEvents, decisionFeedback, decisionOrganizations, decisions, decisionUpdates, events, feedbackItems, feedbackTopics } from '../../db/schema/index.ts'
import { feedbackVisible } from '../feedback/feedback-repository.ts'
import type { FeedbackViewer } from '../feedback/feedback-view.ts'
import type { Cursor } from '../shared/pagination.ts'
import type { DecisionListQuery } from './decisions-schemas.ts'
import { inAreas } from '../agencies/agencies-repository.ts'
import { cappedCount, type TotalCount } from '../../db/counting.ts'

const { search: _search, ...decisionColumns } = getTableColumns(decisions)
export type DecisionItemRow = Omit<typeof decisions.$inferSelect, 'search'>
export type UpdateEntry = { on: string; status: DecisionItemRow['status']; note: Record<string, string>; createdAt: string }
export type DecisionRow = DecisionItemRow & { topicCode: string | null; feedbackIds: string[]; eventIds: string[]; organizationIds: string[]; updates: UpdateEntry[] }
export type DecisionInsert = typeof decisions.$inferInsert
export type DecisionFilter = Omit<DecisionListQuery, 'limit' | 'cursor' | 'count' | 'agency'> & { agencyId?: string }

/** Drafts are seen by the staff of their agency only (the viewer's `kind` is staff). */
export function decisionVisible(v: FeedbackViewer): SQL {
  const published = sql`${decisions.publication} = 'published'` // a literal, for prepared statements' generic plans
  return v.kind === 'staff' && v.agencyId ? or(published, eq(decisions.agencyId, v.agencyId))! : published
}

// Spelled out: drizzle leaves columns unqualified in single-table selects, and inside a sub-select "id" would be another table's.
const outerId = sql.raw('"decisions"."id"')

/**
 * Each decision's links and updates ride along as correlated sub-selects, in the viewer's sight: one statement per
 * page of decisions, whatever its size.
 */
function selection(v: FeedbackViewer) {
  const eventSeen = v.kind === 'staff' && v.agencyId ? sql`(${events.status} <> 'draft' or ${events.agencyId} = ${v.agencyId}::uuid)` : sql`${events.status} <> 'draft'`
  return {
    ...decisionColumns,
    topicCode: feedbackTopics.code,
    feedbackIds: sql<string[]>`array(select ${decisionFeedback.feedbackId} from ${decisionFeedback} join ${feedbackItems} on ${feedbackItems.id} = ${decisionFeedback.feedbackId} where ${decisionFeedback.decisionId} = ${outerId} and ${feedbackVisible(v)} and ${feedbackItems.deletedAt} is null order by ${feedbackItems.receivedAt}, ${feedbackItems.id})`.as('feedback_ids'),
    eventIds: sql<string[]>`array(select ${decisionEvents.eventId} from ${decisionEvents} join ${events} on ${events.id} = ${decisionEvents.eventId} where ${decisionEvents.decisionId} = ${outerId} and ${eventSeen} and ${events.deletedAt} is null order by ${events.startsAt}, ${events.id})`.as('event_ids'),
    organizationIds: sql<string[]>`array(select ${decisionOrganizations.organizationId} from ${decisionOrganizations} where ${decisionOrganizations.decisionId} = ${outerId} order by ${decisionOrganizations.organizationId})`.as('organization_ids'),
    updates: sql<UpdateEntry[]>`coalesce((select json_agg(json_build_object('on', ${decisionUpdates.on}, 'status', ${decisionUpdates.status}, 'note', ${decisionUpdates.note}, 'createdAt', ${decisionUpdates.createdAt}) order by ${decisionUpdates.on}, ${decisionUpdates.createdAt}) from ${decisionUpdates} where ${decisionUpdates.decisionId} = ${outerId}), '[]'::json)`.as('updates'),
  }
}

function filterConditions(f: DecisionFilter): (SQL | undefined)[] {
  return [
    f.agencyId ? eq(decisions.agencyId, f.agencyId) : undefined,
    f.status?.length ? inArray(decisions.status, f.status) : undefined,
    f.topic?.length ? inArray(feedbackTopics.code, f.topic) : undefined,
    f.areaId?.length ? inAreas(decisions.areaId, f.areaId) : undefined,
    f.eventId?.length ? sql`exists (select 1 from ${decisionEvents} where ${decisionEvents.decisionId} = ${outerId} and ${inArray(decisionEvents.eventId, f.eventId)})` : undefined,
    f.organizationId?.length
      ? sql`exists (select 1 from ${decisionOrganizations} where ${decisionOrganizations.decisionId} = ${outerId} and ${inArray(decisionOrganizations.organizationId, f.organizationId)})`
      : undefined,
    f.feedbackId ? sql`exists (select 1 from ${decisionFeedback} where ${decisionFeedback.decisionId} = ${outerId} and ${decisionFeedback.feedbackId} = ${f.feedbackId}::uuid)` : undefined,
    f.q ? sql`${decisions.search} @@ ${searchQuery(f.q)}` : undefined,
    f.updatedSince ? gte(decisions.updatedAt, f.updatedSince) : undefined,
  ]
}

/** What a listing holds before its cursor: the viewer's decisions under the filter, tombstones only when syncing. */
function listConditions(filter: DecisionFilter, v: FeedbackViewer): (SQL | undefined)[] {
  return [decisionVisible(v), ...filterConditions(filter), filter.updatedSince === undefined ? isNull(decisions.deletedAt) : undefined]
}

export function createDecisionsRepository(db: Queryable) {
  const base = (v: FeedbackViewer) => db.select(selection(v)).from(decisions).leftJoin(feedbackTopics, eq(feedbackTopics.id, decisions.topicId))

  return {
    /** Whether `v` may see the decision whose id `id` names, as SQL for another repository's statement. */
    seen(v: FeedbackViewer): (id: SQL) => SQL {
      return (id) => sql`exists (select 1 from ${decisions} where ${decisions.id} = ${id} and ${decisionVisible(v)} and ${decisions.deletedAt} is null)`
    },

    async byId(id: string, v: FeedbackViewer): Promise<DecisionRow | undefined> {
      const [row] = await base(v)
        .where(and(eq(decisions.id, id), decisionVisible(v), isNull(decisions.deletedAt)))
        .limit(1)
      return row
    },

    byIds(ids: string[], v: FeedbackViewer): Promise<DecisionRow[]> {
      if (ids.length === 0) return Promise.resolve([])
      return base(v).where(and(inArray(decisions.id, ids), decisionVisible(v), isNull(decisions.deletedAt)))
    },

    /** Keyset page by creation, or by last change when syncing (updatedSince), which also returns tombstones. */
    list(filter: DecisionFilter, v: FeedbackViewer, cursor: Cursor | undefined, limit: number): Promise<DecisionRow[]> {
      const key = filter.updatedSince !== undefined ? decisions.updatedAt : decisions.createdAt
      const where = listConditions(filter, v)
      if (cursor) where.push(sql`(${key}, ${decisions.id}) > (${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)`)
      return base(v)
        .where(and(...where))
        .orderBy(asc(key), asc(decisions.id))
        .limit(limit + 1)
    },

    /** How many decisions list() pages through for `filter` and `v`, counted up to `cap` (src/db/counting.ts). */
    count(filter: DecisionFilter, v: FeedbackViewer, cap: number): Promise<TotalCount> {
      return cappedCount(db, db.select({ id: decisions.id }).from(decisions).leftJoin(feedbackTopics, eq(feedbackTopics.id, decisions.topicId)).where(and(...listConditions(filter, v))), cap)
    },

    /** The visible decisions answering each of a batch of feedback items (one statement). */
    ofFeedback(feedbackIds: string[], v: FeedbackViewer): Promise<(DecisionRow & { feedbackId: string })[]> {
      if (feedbackIds.length === 0) return Promise.resolve([])
      return db
        .select({ ...selection(v), feedbackId: sql<string>`${decisionFeedback.feedbackId}`.as('linked_feedback_id') })
        .from(decisionFeedback)
        .innerJoin(decisions, eq(decisions.id, decisionFeedback.decisionId))
        .leftJoin(feedbackTopics, eq(feedbackTopics.id, decisions.topicId))
        .where(and(inArray(decisionFeedback.feedbackId, feedbackIds), decisionVisible(v), isNull(decisions.deletedAt)))
        .orderBy(asc(decisions.createdAt), asc(decisions.id))
    },

    /** The visible decisions discussed at each of a batch of events (one statement). */
    ofEvents(eventIds: string[], v: FeedbackViewer): Promise<(DecisionRow & { eventId: string })[]> {
      if (eventIds.length === 0) return Promise.resolve([])
      return db
        .select({ ...selection(v), eventId: sql<string>`${decisionEvents.eventId}`.as('linked_event_id') })
        .from(decisionEvents)
        .innerJoin(decisions, eq(decisions.id, decisionEvents.decisionId))
        .leftJoin(feedbackTopics, eq(feedbackTopics.id, decisions.topicId))
        .where(and(inArray(decisionEvents.eventId, eventIds), decisionVisible(v), isNull(decisions.deletedAt)))
        .orderBy(asc(decisions.createdAt), asc(decisions.id))
    },

    async insert(values: DecisionInsert & Stamped): Promise<DecisionItemRow> {
      const [row] = await db.insert(decisions).values(values).returning(decisionColumns)
      return row!
    },

    /** A new decision, written in a unit of work; its id is chosen by the caller. */
    planInsert(values: DecisionInsert & Stamped & { id: string }): PlannedInsert<DecisionItemRow> {
      return plannedInsert(decisions, values, decisionColumns)
    },

    /** A new decision's links, written in its unit of work (none for a kind left empty). */
    planLinks(agencyId: string, decisionId: string, links: { feedbackIds?: string[]; eventIds?: string[]; organizationIds?: string[] }): PlannedInsert[] {
      return [
        plannedInsert(decisionFeedback, (links.feedbackIds ?? []).map((feedbackId) => ({ agencyId, decisionId, feedbackId }))),
        plannedInsert(decisionEvents, (links.eventIds ?? []).map((eventId) => ({ agencyId, decisionId, eventId }))),
        plannedInsert(decisionOrganizations, (links.organizationIds ?? []).map((organizationId) => ({ agencyId, decisionId, organizationId }))),
      ]
    },

    /** Which of these ids are live events of the agency, with their start: a check for a unit of work's one read. */
    eventsInAgencyCheck(agencyId: string, ids: string[]): Check<{ id: string; startsAt: Date }[]> {
      const columns = { id: events.id, startsAt: events.startsAt }
      return selectCheck(columns, events, and(eq(events.agencyId, agencyId), inArray(events.id, ids), isNull(events.deletedAt)))
    },

    async updateVersioned(agencyId: string, id: string, expectedVersion: number, changes: Partial<DecisionInsert> & Touched): Promise<DecisionItemRow | undefined> {
      const [row] = await db
        .update(decisions)
        .set({ ...changes, version: sql`${decisions.version} + 1` })
        .where(and(eq(decisions.id, id), eq(decisions.agencyId, agencyId), eq(decisions.version, expectedVersion), isNull(decisions.deletedAt)))
        .returning(decisionColumns)
      return row
    },

    async insertUpdate(values: typeof decisionUpdates.$inferInsert & { createdAt: Date }): Promise<void> {
      await db.insert(decisionUpdates).values(values)
    },

    /** Which feedback the decision already answers (to tell newly linked items apart). */
    async linkedFeedback(decisionId: string): Promise<string[]> {
      return (await db.select({ id: decisionFeedback.feedbackId }).from(decisionFeedback).where(eq(decisionFeedback.decisionId, decisionId))).map((r) => r.id)
    },

    /** Replaces a decision's links of one kind; `undefined` leaves them alone. */
    async setLinks(agencyId: string, decisionId: string, links: { feedbackIds?: string[]; eventIds?: string[]; organizationIds?: string[] }): Promise<void> {
      if (links.feedbackIds) {
        await db.delete(decisionFeedback).where(eq(decisionFeedback.decisionId, decisionId))
        if (links.feedbackIds.length) await db.insert(decisionFeedback).values(links.feedbackIds.map((feedbackId) => ({ agencyId, decisionId, feedbackId })))
      }
      if (links.eventIds) {
        await db.delete(decisionEvents).where(eq(decisionEvents.decisionId, decisionId))
        if (links.eventIds.length) await db.insert(decisionEvents).values(links.eventIds.map((eventId) => ({ agencyId, decisionId, eventId })))
      }
      if (links.organizationIds) {
        await db.delete(decisionOrganizations).where(eq(decisionOrganizations.decisionId, decisionId))
        if (links.organizationIds.length) await db.insert(decisionOrganizations).values(links.organizationIds.map((organizationId) => ({ agencyId, decisionId, organizationId })))
      }
    },

    /** Which of `ids` are live, non-draft-or-own events of the agency (to validate links). */
    async eventIdsInAgency(agencyId: string, ids: string[]): Promise<string[]> {
      if (ids.length === 0) return []
      const rows = await db.select({ id: events.id }).from(events).where(and(eq(events.agencyId, agencyId), inArray(events.id, ids), isNull(events.deletedAt)))
      return rows.map((r) => r.id)
    },
  }
}
export type DecisionsRepository = ReturnType<typeof createDecisionsRepository>
