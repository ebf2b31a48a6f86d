// SQL for community liaisons, their roles in events, the announcements spread through them, and their reach by area.
import { and, asc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import type { Stamped, Touched } from '../../db/schema/columns.ts'
import { announcementLiaisons, announcements, auditEvents, eventLiaisons, events, idempotencyKeys, liaisons } from '../../db/schema/index.ts'
import type { Cursor } from '../shared/pagination.ts'
import { rowsOf } from '../topics/topics-repository.ts'
import { cappedCount, type TotalCount } from '../../db/counting.ts'

export type LiaisonItemRow = typeof liaisons.$inferSelect
export type LiaisonInsert = typeof liaisons.$inferInsert
export type LiaisonRole = (typeof eventLiaisons.$inferSelect)['role']
export type EventRole = { eventId: string; role: LiaisonRole }
export type LiaisonRow = LiaisonItemRow & { events: (EventRole & { public: boolean })[]; announcements: { id: string; public: boolean }[] }
export type LiaisonFilter = { agencyId?: string; status?: string[]; areaId?: string[]; language?: string[]; kind?: string[]; publicOnly: boolean; organizationId?: string | null }
export type ReachRow = { areaId: string; liaisons: number; meetings: number; announcements: number }

const outerId = sql.raw('"liaisons"."id"')

/** Roles and announcement links ride along as correlated sub-selects: one statement per page. */
function withLinks() {
  // Each link says whether anyone may see what it points to, so the public's view can leave out drafts.
  return {
    events: sql<(EventRole & { public: boolean })[]>`coalesce((select json_agg(json_build_object('eventId', el.event_id, 'role', el.role, 'public', e.status <> 'draft' and e.deleted_at is null) order by el.event_id, el.role) from ${eventLiaisons} el join ${events} e on e.id = el.event_id where el.liaison_id = ${outerId}), '[]'::json)`.as('events'),
    announcements: sql<{ id: string; public: boolean }[]>`coalesce((select json_agg(json_build_object('id', al.announcement_id, 'public', a.status = 'published') order by al.announcement_id) from ${announcementLiaisons} al join ${announcements} a on a.id = al.announcement_id where al.liaison_id = ${outerId}), '[]'::json)`.as('announcements'),
  }
}

/** What a listing holds before its cursor (the public: confirmed liaisons only; a partner: also its proposals). */
function listConditions(filter: LiaisonFilter): (SQL | undefined)[] {
  const arr = (values: string[], cast: string) => sql`array[${sql.join(values.map((v) => sql`${v}::${sql.raw(cast)}`), sql`, `)}]`
  return [
    isNull(liaisons.deletedAt),
    filter.agencyId ? eq(liaisons.agencyId, filter.agencyId) : undefined,
    filter.publicOnly ? eq(liaisons.status, 'confirmed') : undefined,
    // A partner sees confirmed liaisons and those its organization proposed.
    filter.organizationId ? sql`(${liaisons.status} = 'confirmed' or ${liaisons.proposedByOrganizationId} = ${filter.organizationId}::uuid)` : undefined,
    filter.status?.length ? inArray(liaisons.status, filter.status as LiaisonItemRow['status'][]) : undefined,
    filter.kind?.length ? inArray(liaisons.kind, filter.kind as LiaisonItemRow['kind'][]) : undefined,
    filter.areaId?.length ? sql`${liaisons.areaIds} && ${arr(filter.areaId, 'uuid')}` : undefined,
    filter.language?.length ? sql`${liaisons.languages} && ${arr(filter.language, 'text')}` : undefined,
  ]
}

export function createLiaisonsRepository(db: Queryable) {
  const base = () => db.select({ row: liaisons, ...withLinks() }).from(liaisons)
  const flat = (r: { row: LiaisonItemRow } & Pick<LiaisonRow, 'events' | 'announcements'>): LiaisonRow => ({ ...r.row, events: r.events, announcements: r.announcements })

  return {
    async byId(id: string, agencyId?: string): Promise<LiaisonRow | undefined> {
      const [row] = await base()
        .where(and(eq(liaisons.id, id), agencyId ? eq(liaisons.agencyId, agencyId) : undefined, isNull(liaisons.deletedAt)))
        .limit(1)
      return row && flat(row)
    },

    /** Keyset page, oldest first; the public sees confirmed liaisons only. */
    async list(filter: LiaisonFilter, cursor: Cursor | undefined, limit: number): Promise<LiaisonRow[]> {
      const where = listConditions(filter)
      if (cursor) where.push(sql`(${liaisons.createdAt}, ${liaisons.id}) > (${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)`)
      const rows = await base()
        .where(and(...where))
        .orderBy(asc(liaisons.createdAt), asc(liaisons.id))
        .limit(limit + 1)
      return rows.map(flat)
    },

    /** How many liaisons list() pages through for `filter`, counted up to `cap` (src/db/counting.ts). */
    count(filter: LiaisonFilter, cap: number): Promise<TotalCount> {
      return cappedCount(db, db.select({ id: liaisons.id }).from(liaisons).where(and(...listConditions(filter))), cap)
    },

    async insert(values: LiaisonInsert & Stamped): Promise<LiaisonItemRow> {
      const [row] = await db.insert(liaisons).values(values).returning()
      return row!
    },

    /** Locks the live liaison for a change in the caller's transaction. */
    async forUpdate(agencyId: string, id: string): Promise<LiaisonItemRow | undefined> {
      const [row] = await db
        .select()
        .from(liaisons)
        .where(and(eq(liaisons.id, id), eq(liaisons.agencyId, agencyId), isNull(liaisons.deletedAt)))
        .for('update')
      return row
    },

    /** Locks a liaison not yet erased, removed or not: a removed liaison's personal data must still be erasable. */
    async forErase(agencyId: string, id: string): Promise<LiaisonItemRow | undefined> {
      const [row] = await db
        .select()
        .from(liaisons)
        .where(and(eq(liaisons.id, id), eq(liaisons.agencyId, agencyId), isNull(liaisons.erasedAt)))
        .for('update')
      return row
    },

    async update(id: string, changes: Partial<LiaisonInsert> & Touched): Promise<LiaisonItemRow> {
      const [row] = await db
        .update(liaisons)
        .set({ ...changes, version: sql`${liaisons.version} + 1` })
        .where(eq(liaisons.id, id))
        .returning()
      return row!
    },

    /** Which of `ids` are live events and announcements of the agency. */
    async linksIn(agencyId: string, eventIds: string[], announcementIds: string[]): Promise<{ events: string[]; announcements: string[] }> {
      const ev = eventIds.length ? await db.select({ id: events.id }).from(events).where(and(eq(events.agencyId, agencyId), inArray(events.id, eventIds), isNull(events.deletedAt))) : []
      const an = announcementIds.length ? await db.select({ id: announcements.id }).from(announcements).where(and(eq(announcements.agencyId, agencyId), inArray(announcements.id, announcementIds))) : []
      return { events: ev.map((e) => e.id), announcements: an.map((a) => a.id) }
    },

    /** Replaces the liaison's event roles and announcement links. */
    async setLinks(agencyId: string, liaisonId: string, roles: EventRole[], announcementIds: string[]): Promise<void> {
      await db.delete(eventLiaisons).where(eq(eventLiaisons.liaisonId, liaisonId))
      await db.delete(announcementLiaisons).where(eq(announcementLiaisons.liaisonId, liaisonId))
      if (roles.length) await db.insert(eventLiaisons).values(roles.map((r) => ({ ...r, liaisonId, agencyId })))
      if (announcementIds.length) await db.insert(announcementLiaisons).values(announcementIds.map((announcementId) => ({ announcementId, liaisonId, agencyId })))
    },

    /**
     * Removes every trace of a liaison's personal data in the caller's transaction: the row stays as a tombstone with its
     * personal fields null; its links go; audit details and idempotency records that could quote it are scrubbed.
     */
    async erase(agencyId: string, id: string, personal: string[], now: Date): Promise<LiaisonItemRow> {
      // The audit trail is append-only except in a transaction that declares an erasure (migration 0001).
      await db.execute(sql`select set_config('app.erasure', 'on', true)`)
      const [row] = await db
        .update(liaisons)
        .set({ displayName: null, contact: null, contactConsentAt: null, listedByName: false, communities: [], erasedAt: now, deletedAt: now, updatedAt: now, version: sql`${liaisons.version} + 1` })
        .where(and(eq(liaisons.id, id), eq(liaisons.agencyId, agencyId)))
        .returning()
      await db.delete(eventLiaisons).where(eq(eventLiaisons.liaisonId, id))
      await db.delete(announcementLiaisons).where(eq(announcementLiaisons.liaisonId, id))
      await db.delete(idempotencyKeys).where(eq(idempotencyKeys.resourceId, id))
      const scrub = personal.filter((p) => p.length >= 3)
      if (scrub.length) {
        const patterns = scrub.map((p) => `%${p.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
        await db
          .update(auditEvents)
          .set({ details: { erased: true } })
          .where(and(eq(auditEvents.agencyId, agencyId), sql`${auditEvents.details}::text ilike any (array[${sql.join(patterns.map((x) => sql`${x}`), sql`, `)}]::text[])`))
      }
      return row!
    },

    /**
     * Per area a confirmed liaison reaches: how many confirmed liaisons, distinct live events they take a role in, and
     * distinct live announcements spread through them.
     */
    reachByArea(agencyId: string): Promise<ReachRow[]> {
      return db.execute(sql`
        select a.area_id as "areaId",
          count(distinct l.id)::int as liaisons,
          count(distinct el.event_id) filter (where e.id is not null)::int as meetings,
          count(distinct al.announcement_id) filter (where an.id is not null)::int as announcements
        from ${liaisons} l
        cross join lateral unnest(l.area_ids) as a(area_id)
        left join ${eventLiaisons} el on el.liaison_id = l.id
        left join ${events} e on e.id = el.event_id and e.deleted_at is null
        left join ${announcementLiaisons} al on al.liaison_id = l.id
        left join ${announcements} an on an.id = al.announcement_id and an.status = 'published'
        where l.agency_id = ${agencyId}::uuid and l.status = 'confirmed' and l.deleted_at is null
        group by a.area_id
        order by a.area_id`).then((r) => rowsOf<ReachRow>(r))
    },
  }
}
export type LiaisonsRepository = ReturnType<typeof createLiaisonsRepository>
