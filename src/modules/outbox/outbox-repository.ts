// Appends to the outbox: changes a later delivery (change feed, webhooks, subscriptions) sends on, written with the
// change itself; and reads it back in commit order.
import { and, inArray, sql, type SQL } from 'drizzle-orm'
import type { RequestContext } from '../../context.ts'
import type { Queryable } from '../../db/client.ts'
import { plannedInsert, plannedStatement, type PlannedInsert, type PlannedStatement, type PlannedWrite } from '../../db/unit-of-work.ts'
import { decisionEvents, decisionFeedback, decisions, feedbackItems, outbox, reportBackFeedback, reportBacks } from '../../db/schema/index.ts'

/** `payload` carries ids and versions only: the outbox leaves the process, so no personal data goes in. */
export type OutboxEntry = {
  agencyId: string | null
  entityType: string
  entityId: string
  /** The change's type, e.g. event.cancelled (the audit trail's action). */
  action: string
  visibility: 'public' | 'agency'
  payload: { id: string; version?: number } & Record<string, string | number | boolean | null>
}

/** What a reader of the outbox may narrow it to (the change feed): an agency, entity types, and who may see the change. */
export type OutboxFilter = {
  agencyId?: string
  entityTypes?: readonly string[]
  /**
   * Rows the caller may learn of: rows marked public, rows of an entity that was public before (its leaving their view),
   * and in their own agency (`agencyId`) every row of `types` (every type when absent) and of the feedback `feedbackOf`
   * (an organization) collected. Left out, every row.
   */
  sight?: { agencyId: string | null; types?: readonly string[]; feedbackOf?: string }
}

/** A position in commit order: the writing transaction, then the row. */
export type OutboxPosition = { tx: string; id: number }
export type OutboxRow = Omit<OutboxEntry, 'payload'> & { payload: Record<string, unknown>; id: number; tx: string; occurredAt: Date; requestId: string | null }

export function createOutboxRepository(db: Queryable) {
  return {
    /** The entry as part of a unit of work (src/db/unit-of-work.ts). */
    planAppend(ctx: RequestContext, entry: OutboxEntry): PlannedInsert {
      return plannedInsert(outbox, { ...entry, requestId: ctx.requestId, occurredAt: ctx.clock.now() })
    },

    /** The entries, in the caller's transaction (bind the repository with `on(tx)`): written with the change or not at all. */
    async append(ctx: RequestContext, entries: OutboxEntry | OutboxEntry[]): Promise<void> {
      const list = Array.isArray(entries) ? entries : [entries]
      if (list.length === 0) return
      const occurredAt = ctx.clock.now()
      await db.insert(outbox).values(list.map((entry) => ({ ...entry, requestId: ctx.requestId, occurredAt })))
    },

    /** Several entries as part of a unit of work (a series' occurrences); none plans no insert. */
    planAppendMany(ctx: RequestContext, entries: OutboxEntry[]): PlannedInsert {
      return plannedInsert(outbox, entries.map((entry) => ({ ...entry, requestId: ctx.requestId, occurredAt: ctx.clock.now() })))
    },

    /**
     * An entry per feedback item an earlier write of the unit of work moved (feedback planMoveMany, which returns each
     * item's id, version and visibility), as part of the same statement.
     */
    planAppendMoved(ctx: RequestContext, moved: PlannedWrite, agencyId: string, action: string): PlannedStatement {
      return plannedStatement((ref) => sql`insert into ${outbox} (agency_id, entity_type, entity_id, action, visibility, payload, request_id, occurred_at)
        select ${agencyId}::uuid, 'feedback', m.id, ${action}::text, case when m.visibility = 'published' then 'public' else 'agency' end,
          jsonb_build_object('id', m.id, 'version', m.version), ${ctx.requestId}::text, ${ctx.clock.now().toISOString()}::timestamptz
        from ${ref(moved)} as m`)
    },

    /**
     * Entries for the decisions and report-backs that link any of `feedbackIds` (or, with `eventIds`, decisions that link those
     * events): their views list only the links a caller may see, so a link leaving or entering sight changes them.
     */
    async appendLinksChanged(ctx: RequestContext, links: { feedbackIds?: string[]; eventIds?: string[] }): Promise<void> {
      const requestId = ctx.requestId
      const at = ctx.clock.now().toISOString()
      const entry = (table: typeof decisions | typeof reportBacks, entityType: string, linked: SQL) => sql`insert into ${outbox} (agency_id, entity_type, entity_id, action, visibility, payload, request_id, occurred_at)
        select t.agency_id, ${entityType}::text, t.id, ${`${entityType}.links_changed`}::text, case when t.publication = 'published' then 'public' else 'agency' end,
          jsonb_build_object('id', t.id, 'version', t.version), ${requestId}::text, ${at}::timestamptz
        from ${table} as t where t.deleted_at is null and t.id in (${linked})`
      const { feedbackIds = [], eventIds = [] } = links
      if (feedbackIds.length) {
        await db.execute(entry(decisions, 'decision', sql`select ${decisionFeedback.decisionId} from ${decisionFeedback} where ${inArray(decisionFeedback.feedbackId, feedbackIds)}`))
        await db.execute(entry(reportBacks, 'report_back', sql`select ${reportBackFeedback.reportBackId} from ${reportBackFeedback} where ${inArray(reportBackFeedback.feedbackId, feedbackIds)}`))
      }
      if (eventIds.length) await db.execute(entry(decisions, 'decision', sql`select ${decisionEvents.decisionId} from ${decisionEvents} where ${inArray(decisionEvents.eventId, eventIds)}`))
    },

    /**
     * Each entity of `entityType` changed at or after `since` (as the filter lets the caller learn of it) that `seen` (its
     * repository's test of whether the caller may see it, given its id) now refuses: once, at its latest change, newest
     * first, at most `limit`. One statement.
     */
    async leftSightSince(since: Date, entityType: string, filter: OutboxFilter, seen: (id: SQL) => SQL, limit: number): Promise<{ id: string; at: Date }[]> {
      const where = and(sql`outbox.entity_type = ${entityType}`, sql`outbox.occurred_at >= ${since.toISOString()}::timestamptz`, ...filterConditions(filter))
      const result = await db.execute(sql`select latest.entity_id as id, latest.occurred_at as at from (
          select distinct on (outbox.entity_id) outbox.entity_id, outbox.occurred_at, outbox.tx, outbox.id from outbox where ${where}
          order by outbox.entity_id, outbox.tx desc, outbox.id desc) as latest
        where not ${seen(sql.raw('latest.entity_id'))}
        order by latest.occurred_at desc, latest.id desc limit ${limit}`)
      return rowsOf<{ id: string; at: Date | string }>(result).map((r) => ({ id: r.id, at: new Date(r.at) }))
    },

    /**
     * Rows after `after` (the start when undefined) in (tx, id) order, only from transactions older than every one still
     * running: a transaction that commits later always has a larger tx, so a reader that moves its position on never skips one.
     */
    async readCommitted(after: OutboxPosition | undefined, limit: number, filter: OutboxFilter = {}): Promise<OutboxRow[]> {
      const from = after === undefined ? sql`true` : sql`(${outbox.tx}, ${outbox.id}) > (${after.tx}::xid8, ${after.id})`
      const narrowed = and(from, ...filterConditions(filter))!
      return db
        .select({
          id: outbox.id,
          tx: sql<string>`${outbox.tx}::text`,
          agencyId: outbox.agencyId,
          entityType: outbox.entityType,
          entityId: outbox.entityId,
          action: outbox.action,
          visibility: outbox.visibility,
          payload: outbox.payload,
          requestId: outbox.requestId,
          occurredAt: outbox.occurredAt,
        })
        .from(outbox)
        .where(sql`${narrowed} and ${outbox.tx} < pg_snapshot_xmin(pg_current_snapshot())`)
        .orderBy(outbox.tx, outbox.id)
        .limit(limit)
    },

    /**
     * Transaction ids now: every transaction below `xmin` has ended (readCommitted returns its rows), and every one that
     * has committed so far is below `xmax`. A reader that may have missed signals reads on until `xmin` passes that `xmax`.
     */
    async horizon(): Promise<{ xmin: string; xmax: string }> {
      const result = await db.execute(sql`select pg_snapshot_xmin(s)::text as xmin, pg_snapshot_xmax(s)::text as xmax from pg_current_snapshot() s`)
      const rows = ((result as unknown as { rows?: unknown[] }).rows ?? (result as unknown as unknown[])) as { xmin: string; xmax: string }[]
      return rows[0]!
    },

    /** The last row readCommitted would return now (undefined when none): where a reader joining now starts. */
    async lastCommitted(): Promise<OutboxPosition | undefined> {
      const [last] = await db
        .select({ tx: sql<string>`${outbox.tx}::text`, id: outbox.id })
        .from(outbox)
        .where(sql`${outbox.tx} < pg_snapshot_xmin(pg_current_snapshot())`)
        .orderBy(sql`${outbox.tx} desc`, sql`${outbox.id} desc`)
        .limit(1)
      return last
    },
  }
}

/** Rows of a raw statement, whichever driver ran it. */
const rowsOf = <T>(result: unknown): T[] => ((result as { rows?: T[] }).rows ?? (result as T[]))

function sightCondition(sight: NonNullable<OutboxFilter['sight']>, seen: SQL): SQL {
  if (!sight.agencyId) return seen
  const own = sql`outbox.agency_id = ${sight.agencyId}::uuid`
  const typed = sight.types ? sql`${own} and outbox.entity_type in (${sql.join(sight.types.map((t) => sql`${t}`), sql`, `)})` : own
  const collected = sight.feedbackOf
    ? sql` or (${own} and outbox.entity_type = 'feedback' and exists (select 1 from ${feedbackItems} as f where f.id = outbox.entity_id and f.organization_id = ${sight.feedbackOf}::uuid))`
    : sql``
  return sql`(${seen} or (${typed})${collected})`
}

function filterConditions({ agencyId, entityTypes, sight }: OutboxFilter): (SQL | undefined)[] {
  // The row's entity was public in an earlier row: its later agency-only change is its leaving the caller's view.
  // Spelled out: drizzle leaves columns unqualified in single-table selects, and inside the sub-select they would be its own.
  const wasPublic = sql.raw(`exists (select 1 from outbox as before where before.entity_type = outbox.entity_type and before.entity_id = outbox.entity_id
    and before.visibility = 'public' and (before.tx, before.id) < (outbox.tx, outbox.id))`)
  const seen = sql`(outbox.visibility = 'public' or ${wasPublic})`
  return [
    agencyId ? sql`outbox.agency_id = ${agencyId}::uuid` : undefined,
    entityTypes ? sql`outbox.entity_type in (${sql.join(entityTypes.map((t) => sql`${t}`), sql`, `)})` : undefined,
    sight ? sightCondition(sight, seen) : undefined,
  ]
}
