// SQL for outreach announcements and the reach partners report for them.
import { and, desc, eq, getTableColumns, gt, inArray, isNull, lte, or, sql, type SQL } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import type { Stamped } from '../../db/schema/columns.ts'
import { announcementReach, announcements, areas, decisions, events, organizations, reportBacks } from '../../db/schema/index.ts'
import { plannedInsert, valueCheck, type Check, type PlannedInsert } from '../../db/unit-of-work.ts'
import type { FeedbackViewer } from '../feedback/feedback-view.ts'
import { rowsOf } from '../topics/topics-repository.ts'
import { cappedCount, type TotalCount } from '../../db/counting.ts'

export type AnnouncementItemRow = typeof announcements.$inferSelect
export type ReachEntry = { channel: string; count: number }
export type AnnouncementRow = AnnouncementItemRow & { reach: ReachEntry[] }
export type Targets = { areaIds?: string[]; organizationIds?: string[]; eventIds?: string[]; decisionIds?: string[]; reportBackIds?: string[] }

/** Published and current for everyone (from its publish time until it expires); the agency's staff see all of theirs. */
function visible(v: FeedbackViewer, now: Date): SQL {
  const current = and(eq(announcements.status, 'published'), lte(announcements.publishAt, now), or(isNull(announcements.expiresAt), gt(announcements.expiresAt, now)))!
  return v.kind === 'staff' && v.agencyId ? or(current, eq(announcements.agencyId, v.agencyId))! : current
}

const outerId = sql.raw('"announcements"."id"')
type AnnouncementFilter = { agencyId?: string; kind?: string[]; areaId?: string[]; channel?: string[] }

/** What a listing holds before its cursor: what the viewer may see at `now`, under the filter. */
function listConditions(filter: AnnouncementFilter, v: FeedbackViewer, now: Date): (SQL | undefined)[] {
  return [
    visible(v, now),
    filter.agencyId ? eq(announcements.agencyId, filter.agencyId) : undefined,
    filter.kind?.length ? inArray(announcements.kind, filter.kind as AnnouncementItemRow['kind'][]) : undefined,
    filter.areaId?.length ? sql`${announcements.areaIds} && array[${sql.join(filter.areaId.map((a) => sql`${a}::uuid`), sql`, `)}]` : undefined,
    filter.channel?.length ? sql`${announcements.channels} && array[${sql.join(filter.channel.map((c) => sql`${c}`), sql`, `)}]::announcement_channel[]` : undefined,
  ]
}

export function createAnnouncementsRepository(db: Queryable) {
  const reach = sql<ReachEntry[]>`coalesce((select json_agg(json_build_object('channel', r.channel, 'count', r.total) order by r.channel) from (select ${announcementReach.channel} as channel, sum(${announcementReach.count})::int as total from ${announcementReach} where ${announcementReach.announcementId} = ${outerId} group by ${announcementReach.channel}) r), '[]'::json)`.as('reach')
  const base = () => db.select({ row: announcements, reach }).from(announcements)
  const flat = (rows: { row: AnnouncementItemRow; reach: ReachEntry[] }[]): AnnouncementRow[] => rows.map((r) => ({ ...r.row, reach: r.reach }))

  return {
    async byId(id: string, v: FeedbackViewer, now: Date): Promise<AnnouncementRow | undefined> {
      return flat(await base().where(and(eq(announcements.id, id), visible(v, now))).limit(1))[0]
    },

    /** Those of `ids` the viewer may see now (the change feed's batch read). */
    async byIds(ids: string[], v: FeedbackViewer, now: Date): Promise<AnnouncementRow[]> {
      if (ids.length === 0) return []
      return flat(await base().where(and(inArray(announcements.id, ids), visible(v, now))))
    },

    /** Newest publish time first; keyset on (publishAt, id). */
    async list(filter: AnnouncementFilter, v: FeedbackViewer, now: Date, cursor: { at: Date; id: string } | undefined, limit: number): Promise<AnnouncementRow[]> {
      const where: (SQL | undefined)[] = [
        ...listConditions(filter, v, now),
        cursor ? sql`(${announcements.publishAt}, ${announcements.id}) < (${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)` : undefined,
      ]
      return flat(await base().where(and(...where)).orderBy(desc(announcements.publishAt), desc(announcements.id)).limit(limit + 1))
    },

    /** How many announcements list() pages through for `filter`, `v` and `now`, counted up to `cap` (src/db/counting.ts). */
    count(filter: AnnouncementFilter, v: FeedbackViewer, now: Date, cap: number): Promise<TotalCount> {
      return cappedCount(db, db.select({ id: announcements.id }).from(announcements).where(and(...listConditions(filter, v, now))), cap)
    },

    planInsert(values: typeof announcements.$inferInsert & Stamped & { id: string }): PlannedInsert<AnnouncementItemRow> {
      return plannedInsert(announcements, values, getTableColumns(announcements))
    },

    /** Which targets and links name live records of the agency, per kind: one check for a unit of work's read. */
    targetsCheck(agencyId: string, t: Targets): Check<Record<'areas' | 'organizations' | 'events' | 'decisions' | 'reportBacks', string[]>> {
      const ids = (table: typeof areas | typeof organizations | typeof events | typeof decisions | typeof reportBacks, list: string[] | undefined, live = true) =>
        list?.length
          ? sql`coalesce((select jsonb_agg(${table.id}) from ${table} where ${table.agencyId} = ${agencyId}::uuid and ${inArray(table.id, list)}${live && 'deletedAt' in table ? sql` and ${(table as typeof events).deletedAt} is null` : sql``}), '[]'::jsonb)`
          : sql`'[]'::jsonb`
      return valueCheck(
        sql`select jsonb_build_object('areas', ${ids(areas, t.areaIds, false)}, 'organizations', ${ids(organizations, t.organizationIds, false)}, 'events', ${ids(events, t.eventIds)}, 'decisions', ${ids(decisions, t.decisionIds)}, 'reportBacks', ${ids(reportBacks, t.reportBackIds)})`,
      )
    },

    /** The same check, read on its own (an edit, inside its transaction). */
    async targetsFound(agencyId: string, t: Targets): Promise<Record<'areas' | 'organizations' | 'events' | 'decisions' | 'reportBacks', string[]>> {
      const check = this.targetsCheck(agencyId, t)
      const [row] = rowsOf<{ found: unknown }>(await db.execute(sql`select (${check.sql}) as found`))
      return check.read(row?.found)
    },

    async lock(agencyId: string, id: string): Promise<AnnouncementItemRow | undefined> {
      const [row] = await db.select().from(announcements).where(and(eq(announcements.id, id), eq(announcements.agencyId, agencyId))).for('update')
      return row
    },

    /** Any agency's announcement, locked (a partner reporting reach names no agency in the path). */
    async lockAny(id: string): Promise<AnnouncementItemRow | undefined> {
      const [row] = await db.select().from(announcements).where(eq(announcements.id, id)).for('update')
      return row
    },

    /** Changes fields and moves the version on; the times to note start again from the edit (it writes its own outbox row). */
    async update(id: string, fields: Partial<typeof announcements.$inferInsert> & { updatedAt: Date }): Promise<AnnouncementItemRow> {
      const [row] = await db
        .update(announcements)
        .set({ ...fields, timesNotedAt: fields.updatedAt, version: sql`${announcements.version} + 1` })
        .where(eq(announcements.id, id))
        .returning()
      return row!
    },

    /**
     * Published announcements whose publish or expiry time has come since it was last noted, marked noted up to `now`:
     * each once (concurrent sweeps on other instances skip a row one has marked), with whether it has expired by now.
     */
    async markTimesDue(now: Date): Promise<{ id: string; agencyId: string; version: number; expired: boolean }[]> {
      const at = now.toISOString()
      const due = (column: typeof announcements.publishAt | typeof announcements.expiresAt) =>
        sql`(${column} > ${announcements.timesNotedAt} and ${column} <= ${at}::timestamptz)`
      return db
        .update(announcements)
        .set({ timesNotedAt: now })
        .where(
          and(
            // The partial index's predicate, so the sweep reads only announcements with a time still to note.
            sql`status = 'published' AND (publish_at > times_noted_at OR expires_at > times_noted_at)`,
            or(due(announcements.publishAt), due(announcements.expiresAt)),
          ),
        )
        .returning({ id: announcements.id, agencyId: announcements.agencyId, version: announcements.version, expired: sql<boolean>`coalesce(${announcements.expiresAt} <= ${at}::timestamptz, false)` })
    },

    async withdraw(id: string, reason: string, at: Date): Promise<AnnouncementItemRow> {
      const [row] = await db
        .update(announcements)
        .set({ status: 'withdrawn', withdrawnReason: reason, updatedAt: at, version: sql`${announcements.version} + 1` })
        .where(eq(announcements.id, id))
        .returning()
      return row!
    },

    /** Records reported reach and moves the announcement's version on, so mirrors see the change. */
    async addReach(values: typeof announcementReach.$inferInsert & { reportedAt: Date }): Promise<AnnouncementItemRow> {
      await db.insert(announcementReach).values(values)
      const [row] = await db
        .update(announcements)
        .set({ updatedAt: values.reportedAt, version: sql`${announcements.version} + 1` })
        .where(eq(announcements.id, values.announcementId))
        .returning()
      return row!
    },
  }
}
export type AnnouncementsRepository = ReturnType<typeof createAnnouncementsRepository>
