// SQL for organizations and event co-hosting. Every write names the agency, so no query can touch another agency's rows.
import type { Stamped, Touched } from '../../db/schema/columns.ts'
import { and, arrayOverlaps, asc, eq, getTableColumns, inArray, isNull, sql, type SQL } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { plannedInsert, selectCheck, type Check, type PlannedInsert } from '../../db/unit-of-work.ts'
import { eventCoHosts, organizations } from '../../db/schema/index.ts'
import type { Cursor } from '../shared/pagination.ts'
import type { OrganizationListQuery } from './organizations-schemas.ts'
import { overlapsAreas } from '../agencies/agencies-repository.ts'
import { cappedCount, type TotalCount } from '../../db/counting.ts'

export type OrganizationRow = typeof organizations.$inferSelect
export type OrganizationInsert = typeof organizations.$inferInsert
export type OrganizationFilter = Omit<OrganizationListQuery, 'limit' | 'cursor' | 'count' | 'agency'> & { agencyId?: string }

const columns = getTableColumns(organizations)

/** What a listing holds before its cursor. */
function listConditions(filter: OrganizationFilter): (SQL | undefined)[] {
  return [
    isNull(organizations.deletedAt),
    filter.agencyId ? eq(organizations.agencyId, filter.agencyId) : undefined,
    filter.kind?.length ? inArray(organizations.kind, filter.kind) : undefined,
    filter.areaId?.length ? overlapsAreas(organizations.areaIds, filter.areaId) : undefined,
    filter.language?.length ? arrayOverlaps(organizations.languages, filter.language) : undefined,
    filter.status?.length ? inArray(organizations.partnershipStatus, filter.status) : undefined,
  ]
}

export function createOrganizationsRepository(db: Queryable) {
  return {
    async byId(id: string): Promise<OrganizationRow | undefined> {
      const [row] = await db.select(columns).from(organizations).where(and(eq(organizations.id, id), isNull(organizations.deletedAt))).limit(1)
      return row
    },

    /** Organizations by id in one query (for a page of events' co-hosts). */
    async byIds(ids: string[]): Promise<OrganizationRow[]> {
      if (ids.length === 0) return []
      return db.select(columns).from(organizations).where(and(inArray(organizations.id, ids), isNull(organizations.deletedAt)))
    },

    /** Which of these ids are live organizations of the agency. */
    async idsInAgency(agencyId: string, ids: string[]): Promise<string[]> {
      if (ids.length === 0) return []
      const rows = await db
        .select({ id: organizations.id })
        .from(organizations)
        .where(and(eq(organizations.agencyId, agencyId), inArray(organizations.id, ids), isNull(organizations.deletedAt)))
      return rows.map((r) => r.id)
    },

    /** idsInAgency as a check for a unit of work's one read. */
    idsInAgencyCheck(agencyId: string, ids: string[]): Check<{ id: string }[]> {
      return selectCheck({ id: organizations.id }, organizations, and(eq(organizations.agencyId, agencyId), inArray(organizations.id, ids), isNull(organizations.deletedAt)))
    },

    /** A new organization, written in a unit of work; its id is chosen by the caller. */
    planInsert(values: OrganizationInsert & Stamped & { id: string }): PlannedInsert<OrganizationRow> {
      return plannedInsert(organizations, values, columns)
    },

    /** A new event's co-hosts, written in its unit of work. */
    planCoHosts(agencyId: string, eventId: string, organizationIds: string[]): PlannedInsert {
      return plannedInsert(eventCoHosts, organizationIds.map((organizationId) => ({ agencyId, eventId, organizationId })))
    },

    /** Co-host rows for many events at once (a series' occurrences), written in a unit of work. */
    planCoHostRows(rows: { agencyId: string; eventId: string; organizationId: string }[]): PlannedInsert {
      return plannedInsert(eventCoHosts, rows)
    },

    /** Keyset page in creation order. */
    list(filter: OrganizationFilter, cursor: Cursor | undefined, limit: number): Promise<OrganizationRow[]> {
      const where = listConditions(filter)
      if (cursor) where.push(sql`(${organizations.createdAt}, ${organizations.id}) > (${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)`)
      return db
        .select(columns)
        .from(organizations)
        .where(and(...where))
        .orderBy(asc(organizations.createdAt), asc(organizations.id))
        .limit(limit + 1)
    },

    /** How many organizations list() pages through for `filter`, counted up to `cap` (src/db/counting.ts). */
    count(filter: OrganizationFilter, cap: number): Promise<TotalCount> {
      return cappedCount(db, db.select({ id: organizations.id }).from(organizations).where(and(...listConditions(filter))), cap)
    },

    async insert(values: OrganizationInsert & Stamped): Promise<OrganizationRow> {
      const [row] = await db.insert(organizations).values(values).returning(columns)
      return row!
    },

    /** Applies a change only if the row still has the expected version (optimistic locking). */
    async updateVersioned(agencyId: string, id: string, expectedVersion: number, changes: Partial<OrganizationInsert> & Touched): Promise<OrganizationRow | undefined> {
      const [row] = await db
        .update(organizations)
        .set({ ...changes, version: sql`${organizations.version} + 1` })
        .where(and(eq(organizations.id, id), eq(organizations.agencyId, agencyId), eq(organizations.version, expectedVersion), isNull(organizations.deletedAt)))
        .returning(columns)
      return row
    },

    /** The co-hosts of each event, in one query. */
    async coHostsOf(eventIds: string[]): Promise<Map<string, string[]>> {
      const out = new Map<string, string[]>(eventIds.map((id) => [id, []]))
      if (eventIds.length === 0) return out
      const rows = await db
        .select({ eventId: eventCoHosts.eventId, organizationId: eventCoHosts.organizationId })
        .from(eventCoHosts)
        .where(inArray(eventCoHosts.eventId, eventIds))
        .orderBy(asc(eventCoHosts.eventId), asc(eventCoHosts.organizationId))
      for (const r of rows) out.get(r.eventId)?.push(r.organizationId)
      return out
    },

    async isCoHost(agencyId: string, eventId: string, organizationId: string): Promise<boolean> {
      const [row] = await db
        .select({ eventId: eventCoHosts.eventId })
        .from(eventCoHosts)
        .where(and(eq(eventCoHosts.agencyId, agencyId), eq(eventCoHosts.eventId, eventId), eq(eventCoHosts.organizationId, organizationId)))
        .limit(1)
      return row !== undefined
    },

    /** Replaces an event's co-hosts with these organizations. */
    async setCoHosts(agencyId: string, eventId: string, organizationIds: string[]): Promise<void> {
      await db.delete(eventCoHosts).where(and(eq(eventCoHosts.agencyId, agencyId), eq(eventCoHosts.eventId, eventId)))
      if (organizationIds.length) await db.insert(eventCoHosts).values(organizationIds.map((organizationId) => ({ agencyId, eventId, organizationId })))
    },
  }
}
export type OrganizationsRepository = ReturnType<typeof createOrganizationsRepository>
