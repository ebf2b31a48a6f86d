// SQL for feedback items, their transitions and the participants who asked to be contacted back.
import type { Stamped, Touched } from '../../db/schema/columns.ts'
import { and, asc, eq, getTableColumns, gte, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { plannedInsert, plannedStatement, selectCheck, type Check, type PlannedInsert, type PlannedStatement, type PlannedWrite } from '../../db/unit-of-work.ts'
import { decisionFeedback, feedbackItems, feedbackTopics, feedbackTransitions, participants } from '../../db/schema/index.ts'
import type { Cursor } from '../shared/pagination.ts'
import type { FeedbackListQuery } from './feedback-schemas.ts'
import type { FeedbackStatus } from './feedback-lifecycle.ts'
import type { FeedbackViewer } from './feedback-view.ts'
import { inAreas } from '../agencies/agencies-repository.ts'
import { searchQuery } from '../../db/text-search.ts'
import { redact } from './redact.ts'
import { cappedCount, type TotalCount } from '../../db/counting.ts'

// The search vectors and the de-identified copy are the database's own, for search: reads leave them out.
const { searchPublic: _public, searchPrivate: _private, searchDeidentified: _deidentified, deidentifiedBody: _copy, ...itemColumns } = getTableColumns(feedbackItems)
/** Every item read carries its topic's code (the API names topics by code), joined in the same statement. */
const selection = { ...itemColumns, topicCode: feedbackTopics.code }
export type FeedbackItemRow = Omit<typeof feedbackItems.$inferSelect, 'searchPublic' | 'searchPrivate' | 'searchDeidentified' | 'deidentifiedBody'>
export type FeedbackRow = FeedbackItemRow & { topicCode: string }
export type FeedbackInsert = Omit<typeof feedbackItems.$inferInsert, 'deidentifiedBody'>
export type TransitionRow = typeof feedbackTransitions.$inferSelect

export type FeedbackFilter = Omit<FeedbackListQuery, 'limit' | 'cursor' | 'count' | 'agency'> & { agencyId?: string }

/** What a viewer may see at all: published items, plus their agency's (staff, analysts) or their organization's (partners). */
export function feedbackVisible(v: FeedbackViewer): SQL {
  // Constants are written as literals: a prepared statement's generic plan then still knows the partial indexes apply.
  const published = sql`${feedbackItems.visibility} = 'published'`
  if (v.kind === 'public' || !v.agencyId) return published
  if (v.kind === 'partner')
    return v.organizationId ? or(published, and(eq(feedbackItems.agencyId, v.agencyId), eq(feedbackItems.organizationId, v.organizationId)))! : published
  return or(published, eq(feedbackItems.agencyId, v.agencyId))!
}

/**
 * Search over what each caller may read of an item: staff the text as given of their agency's items, analysts the
 * de-identified text of their agency's (items written before it existed: their published text), everyone else the
 * published text, so a word redaction removed finds nothing. Language-aware: src/db/text-search.ts.
 */
function matches(q: string, v: FeedbackViewer): SQL {
  const query = searchQuery(q)
  const own = (vector: SQL) => sql`(case when ${feedbackItems.agencyId} = ${v.agencyId}::uuid then ${vector} else ${feedbackItems.searchPublic} end) @@ ${query}`
  if (v.kind === 'staff' && v.agencyId) return own(sql`${feedbackItems.searchPrivate}`)
  if (v.kind === 'analyst' && v.agencyId)
    return own(sql`(case when ${feedbackItems.deidentifiedBody} is null then ${feedbackItems.searchPublic} else ${feedbackItems.searchDeidentified} end)`)
  return sql`${feedbackItems.searchPublic} @@ ${query}`
}

function filterConditions(f: FeedbackFilter, v: FeedbackViewer): (SQL | undefined)[] {
  return [
    f.agencyId ? eq(feedbackItems.agencyId, f.agencyId) : undefined,
    f.status?.length ? inArray(feedbackItems.status, f.status) : undefined,
    f.topic?.length ? inArray(feedbackTopics.code, f.topic) : undefined,
    f.stance?.length ? inArray(feedbackItems.stance, f.stance) : undefined,
    f.channel?.length ? inArray(feedbackItems.channel, f.channel) : undefined,
    f.visibility?.length ? inArray(feedbackItems.visibility, f.visibility) : undefined,
    f.areaId?.length ? inAreas(feedbackItems.areaId, f.areaId) : undefined,
    f.eventId?.length ? inArray(feedbackItems.eventId, f.eventId) : undefined,
    f.organizationId ? eq(feedbackItems.organizationId, f.organizationId) : undefined,
    f.receivedFrom ? gte(feedbackItems.receivedAt, f.receivedFrom) : undefined,
    f.receivedTo ? lt(feedbackItems.receivedAt, f.receivedTo) : undefined,
    f.q ? matches(f.q, v) : undefined,
    f.updatedSince ? gte(feedbackItems.updatedAt, f.updatedSince) : undefined,
  ]
}

/** What a listing holds before its cursor: the viewer's items under the filter, tombstones only when syncing. */
function listConditions(filter: FeedbackFilter, viewer: FeedbackViewer): (SQL | undefined)[] {
  return [feedbackVisible(viewer), ...filterConditions(filter, viewer), filter.updatedSince === undefined ? isNull(feedbackItems.deletedAt) : undefined]
}

export function createFeedbackRepository(db: Queryable) {
  const base = () => db.select(selection).from(feedbackItems).innerJoin(feedbackTopics, eq(feedbackTopics.id, feedbackItems.topicId))

  return {
    async byId(id: string, viewer: FeedbackViewer): Promise<FeedbackRow | undefined> {
      const [row] = await base()
        .where(and(eq(feedbackItems.id, id), feedbackVisible(viewer), isNull(feedbackItems.deletedAt)))
        .limit(1)
      return row
    },

    byIds(ids: string[], viewer: FeedbackViewer): Promise<FeedbackRow[]> {
      if (ids.length === 0) return Promise.resolve([])
      return base().where(and(inArray(feedbackItems.id, ids), feedbackVisible(viewer), isNull(feedbackItems.deletedAt)))
    },

    /** Keyset page by received time, or by last change when syncing (updatedSince), which also returns tombstones. */
    list(filter: FeedbackFilter, viewer: FeedbackViewer, cursor: Cursor | undefined, limit: number): Promise<FeedbackRow[]> {
      const key = filter.updatedSince !== undefined ? feedbackItems.updatedAt : feedbackItems.receivedAt
      const where = listConditions(filter, viewer)
      if (cursor) where.push(sql`(${key}, ${feedbackItems.id}) > (${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)`)
      return base()
        .where(and(...where))
        .orderBy(asc(key), asc(feedbackItems.id))
        .limit(limit + 1)
    },

    /** How many items list() pages through for `filter` and `viewer`, counted up to `cap` (src/db/counting.ts). */
    count(filter: FeedbackFilter, viewer: FeedbackViewer, cap: number): Promise<TotalCount> {
      return cappedCount(db, db.select({ id: feedbackItems.id }).from(feedbackItems).innerJoin(feedbackTopics, eq(feedbackTopics.id, feedbackItems.topicId)).where(and(...listConditions(filter, viewer))), cap)
    },

    /**
     * The first `first` visible items of each event (by received time) and each event's total, in one statement:
     * a window function ranks and counts per event, so the cost does not grow with the number of events.
     */
    async firstOfEvents(eventIds: string[], viewer: FeedbackViewer, first: number): Promise<{ rows: (FeedbackRow & { rank: number })[]; totals: Map<string, number> }> {
      if (eventIds.length === 0) return { rows: [], totals: new Map() }
      const ranked = db
        .select({
          ...selection,
          rank: sql<number>`row_number() over (partition by ${feedbackItems.eventId} order by ${feedbackItems.receivedAt}, ${feedbackItems.id})`.as('rank'),
          total: sql<number>`count(*) over (partition by ${feedbackItems.eventId})`.as('total'),
        })
        .from(feedbackItems)
        .innerJoin(feedbackTopics, eq(feedbackTopics.id, feedbackItems.topicId))
        .where(and(inArray(feedbackItems.eventId, eventIds), feedbackVisible(viewer), isNull(feedbackItems.deletedAt)))
        .as('ranked')
      const rows = await db.select().from(ranked).where(sql`${ranked.rank} <= ${first + 1}`).orderBy(asc(ranked.eventId), asc(ranked.rank))
      const totals = new Map<string, number>()
      for (const r of rows) totals.set(r.eventId!, Number(r.total))
      return { rows: rows.map(({ total: _t, ...r }) => ({ ...(r as unknown as FeedbackRow), rank: Number(r.rank) })), totals }
    },

    /**
     * A page of the visible items each decision answers (received order), after `after` when given, with each decision's
     * total: one windowed statement for a batch of decisions. Rows are ranked from the cursor on; `first + 1` say if more follow.
     */
    async pageOfDecisions(decisionIds: string[], viewer: FeedbackViewer, first: number, after?: { at: Date; id: string }) {
      if (decisionIds.length === 0) return { rows: [], totals: new Map<string, number>() }
      const onward = after ? sql`(${feedbackItems.receivedAt}, ${feedbackItems.id}) > (${after.at.toISOString()}::timestamptz, ${after.id}::uuid)` : sql`true`
      const ranked = db
        .select({
          ...selection,
          decisionId: sql<string>`${decisionFeedback.decisionId}`.as('decision_id'),
          onward: sql<boolean>`${onward}`.as('onward'),
          rank: sql<number>`row_number() over (partition by ${decisionFeedback.decisionId}, ${onward} order by ${feedbackItems.receivedAt}, ${feedbackItems.id})`.as('rank'),
          total: sql<number>`count(*) over (partition by ${decisionFeedback.decisionId})`.as('total'),
        })
        .from(decisionFeedback)
        .innerJoin(feedbackItems, eq(feedbackItems.id, decisionFeedback.feedbackId))
        .innerJoin(feedbackTopics, eq(feedbackTopics.id, feedbackItems.topicId))
        .where(and(inArray(decisionFeedback.decisionId, decisionIds), feedbackVisible(viewer), isNull(feedbackItems.deletedAt)))
        .as('ranked')
      // The page, and the first row before the cursor of each decision, which carries its total when the page is empty.
      const rows = await db.select().from(ranked).where(sql`(${ranked.onward} and ${ranked.rank} <= ${first + 1}) or ${ranked.rank} = 1`).orderBy(asc(ranked.decisionId), asc(ranked.rank))
      const totals = new Map<string, number>()
      for (const r of rows) totals.set(r.decisionId, Number(r.total))
      const page = rows.filter((r) => r.onward && Number(r.rank) <= first + 1)
      return { rows: page.map(({ total: _t, onward: _o, ...r }) => ({ ...(r as unknown as FeedbackRow), decisionId: r.decisionId, rank: Number(r.rank) })), totals }
    },

    /** Which of `ids` are live items of the agency (to validate links). */
    async idsInAgency(agencyId: string, ids: string[]): Promise<string[]> {
      if (ids.length === 0) return []
      const rows = await db
        .select({ id: feedbackItems.id })
        .from(feedbackItems)
        .where(and(eq(feedbackItems.agencyId, agencyId), inArray(feedbackItems.id, ids), isNull(feedbackItems.deletedAt)))
      return rows.map((r) => r.id)
    },

    async insert(values: FeedbackInsert & Stamped & { receivedAt: Date }): Promise<FeedbackItemRow> {
      const [row] = await db.insert(feedbackItems).values({ ...values, deidentifiedBody: redact(values.body) }).returning(itemColumns)
      return row!
    },

    /** A new item, written in a unit of work; its id is chosen by the caller. */
    planInsert(values: FeedbackInsert & Stamped & { id: string; receivedAt: Date }): PlannedInsert<FeedbackItemRow> {
      return plannedInsert(feedbackItems, { ...values, deidentifiedBody: redact(values.body) }, itemColumns)
    },

    /** Which of these ids are live items of the agency, with when each was received: a check for a unit of work's one read. */
    inAgencyCheck(agencyId: string, ids: string[]): Check<{ id: string; receivedAt: Date }[]> {
      const columns = { id: feedbackItems.id, receivedAt: feedbackItems.receivedAt }
      return selectCheck(columns, feedbackItems, and(eq(feedbackItems.agencyId, agencyId), inArray(feedbackItems.id, ids), isNull(feedbackItems.deletedAt)))
    },

    /**
     * moveMany as a write of a unit of work: the items of `ids` in a `from` status move to `to`, locked as they are read.
     * Returns each moved item's id and the status it left (id, from_status), for planTransitionsOf.
     */
    planMoveMany(agencyId: string, ids: string[], from: FeedbackStatus[], to: FeedbackStatus, at: Date, updatedAt: Date): PlannedStatement {
      const columns = getTableColumns(feedbackItems)
      const changes: Record<string, SQL> = {
        ...milestones(to, at),
        status: sql`${to}::feedback_status`,
        version: sql`${feedbackItems.version} + 1`,
        updatedAt: sql`${updatedAt.toISOString()}::timestamptz`,
      }
      const set = sql.join(Object.entries(changes).map(([key, value]) => sql`${sql.identifier(columns[key as keyof typeof columns].name)} = ${value}`), sql`, `)
      const movable = and(eq(feedbackItems.agencyId, agencyId), inArray(feedbackItems.id, ids), inArray(feedbackItems.status, from), isNull(feedbackItems.deletedAt))
      return plannedStatement((ref) => sql`update ${feedbackItems} set ${set}
        from (select ${feedbackItems.id} as id, ${feedbackItems.status} as from_status from ${feedbackItems} where ${movable} and exists (select 1 from ${ref('gate')}) for update) as moved
        where ${feedbackItems.id} = moved.id
        returning ${feedbackItems.id} as id, moved.from_status, ${feedbackItems.version} as version, ${feedbackItems.visibility} as visibility`)
    },

    /** A history row for each item `moved` (planMoveMany) moved, as part of the same unit of work. */
    planTransitionsOf(moved: PlannedWrite, step: { agencyId: string; toStatus: FeedbackStatus; at: Date; note: string | null; actorKind: string; actorSubject: string | null }): PlannedStatement {
      const t = feedbackTransitions
      const names = sql.join([t.agencyId, t.feedbackId, t.fromStatus, t.toStatus, t.at, t.note, t.actorKind, t.actorSubject].map((c) => sql.identifier(c.name)), sql`, `)
      return plannedStatement((ref) => sql`insert into ${t} (${names})
        select ${step.agencyId}::uuid, m.id, m.from_status, ${step.toStatus}::feedback_status, ${step.at.toISOString()}::timestamptz, ${step.note}::text, ${step.actorKind}::text, ${step.actorSubject}::text
        from ${ref(moved)} as m`)
    },

    /** Lifecycle steps written in a unit of work. */
    planTransitions(values: (typeof feedbackTransitions.$inferInsert & { at: Date })[]): PlannedInsert {
      return plannedInsert(feedbackTransitions, values)
    },

    /** A giver who asked to be contacted back, written in a unit of work (personal data: never in audit or outbox rows). */
    planParticipant(values: typeof participants.$inferInsert & Stamped & { id: string }): PlannedInsert {
      return plannedInsert(participants, values, { id: participants.id })
    },

    /** Whether `viewer` may see the item whose id `id` names, as SQL for another repository's statement. */
    seen(viewer: FeedbackViewer): (id: SQL) => SQL {
      return (id) => sql`exists (select 1 from ${feedbackItems} where ${feedbackItems.id} = ${id} and ${feedbackVisible(viewer)} and ${feedbackItems.deletedAt} is null)`
    },

    /** Applies a change only if the row still has the expected version (optimistic locking). */
    async updateVersioned(agencyId: string, id: string, expectedVersion: number, changes: Partial<FeedbackInsert> & Touched): Promise<FeedbackItemRow | undefined> {
      const [row] = await db
        .update(feedbackItems)
        .set({ ...changes, version: sql`${feedbackItems.version} + 1` })
        .where(and(eq(feedbackItems.id, id), eq(feedbackItems.agencyId, agencyId), eq(feedbackItems.version, expectedVersion), isNull(feedbackItems.deletedAt)))
        .returning(itemColumns)
      return row
    },

    /**
     * Moves every item of `ids` whose status allows it to `to`, fills the milestone dates reached for the first
     * time (`at`), and returns what moved from where (the caller records the transitions). Rows are locked first.
     */
    async moveMany(agencyId: string, ids: string[], from: FeedbackStatus[], to: FeedbackStatus, at: Date, updatedAt: Date): Promise<{ id: string; from: FeedbackStatus; version: number; visibility: FeedbackItemRow['visibility'] }[]> {
      if (ids.length === 0) return []
      const prior = await db
        .select({ id: feedbackItems.id, status: feedbackItems.status })
        .from(feedbackItems)
        .where(and(eq(feedbackItems.agencyId, agencyId), inArray(feedbackItems.id, ids), inArray(feedbackItems.status, from), isNull(feedbackItems.deletedAt)))
        .for('update')
      if (prior.length === 0) return []
      const moved = await db
        .update(feedbackItems)
        .set({ ...milestones(to, at), status: to, version: sql`${feedbackItems.version} + 1`, updatedAt })
        .where(inArray(feedbackItems.id, prior.map((p) => p.id)))
        .returning({ id: feedbackItems.id, version: feedbackItems.version, visibility: feedbackItems.visibility })
      const left = new Map(prior.map((p) => [p.id, p.status]))
      return moved.map((m) => ({ ...m, from: left.get(m.id)! }))
    },

    async insertTransitions(values: (typeof feedbackTransitions.$inferInsert & { at: Date })[]): Promise<void> {
      if (values.length) await db.insert(feedbackTransitions).values(values)
    },

    history(feedbackId: string): Promise<TransitionRow[]> {
      return db.select().from(feedbackTransitions).where(eq(feedbackTransitions.feedbackId, feedbackId)).orderBy(asc(feedbackTransitions.at), asc(feedbackTransitions.id))
    },

    /** A giver who asked to be contacted back becomes a participant (personal data; consent dated). */
    async insertParticipant(values: typeof participants.$inferInsert & Stamped): Promise<string> {
      const [row] = await db.insert(participants).values(values).returning({ id: participants.id })
      return row!.id
    },
  }
}
export type FeedbackRepository = ReturnType<typeof createFeedbackRepository>

/** Milestone columns a move to `to` fills when they are still empty (first time reached). */
export function milestones(to: FeedbackStatus, at: Date): Partial<Record<'acknowledgedAt' | 'decidedAt' | 'reportedBackAt', SQL>> {
  const first = (column: typeof feedbackItems.acknowledgedAt) => sql`coalesce(${column}, ${at.toISOString()}::timestamptz)`
  const out: Partial<Record<'acknowledgedAt' | 'decidedAt' | 'reportedBackAt', SQL>> = {}
  // Any step past received means someone has read it.
  if (to !== 'received') out.acknowledgedAt = first(feedbackItems.acknowledgedAt)
  if (to === 'addressed' || to === 'declined' || to === 'referred' || to === 'reported_back') out.decidedAt = first(feedbackItems.decidedAt)
  if (to === 'reported_back') out.reportedBackAt = first(feedbackItems.reportedBackAt)
  return out
}
