// SQL for agencies and their areas.
import { and, asc, eq, getTableColumns, inArray, sql, type SQL } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import type { Queryable } from '../../db/client.ts'
import { existsCheck, rowsCheck, type Check } from '../../db/unit-of-work.ts'
import { agencies, areas } from '../../db/schema/index.ts'

export type AgencyRow = typeof agencies.$inferSelect
export type AreaRow = typeof areas.$inferSelect

export function createAgenciesRepository(db: Queryable) {
  return {
    async bySlug(slug: string): Promise<AgencyRow | undefined> {
      const [row] = await db.select().from(agencies).where(eq(agencies.slug, slug)).limit(1)
      return row
    },
    async all(): Promise<AgencyRow[]> {
      return db.select().from(agencies).orderBy(agencies.slug)
    },
    async byIds(ids: string[]): Promise<AgencyRow[]> {
      if (ids.length === 0) return []
      return db.select().from(agencies).where(inArray(agencies.id, ids))
    },
    list(): Promise<AgencyRow[]> {
      return db.select().from(agencies).orderBy(asc(agencies.name))
    },
    async insert(values: typeof agencies.$inferInsert): Promise<AgencyRow> {
      const [row] = await db.insert(agencies).values(values).returning()
      return row!
    },
    listAreas(agencyId: string): Promise<AreaRow[]> {
      return db.select(getTableColumns(areas)).from(areas).where(eq(areas.agencyId, agencyId)).orderBy(asc(areas.code))
    },
    listAreasOf(agencyIds: string[]): Promise<AreaRow[]> {
      if (agencyIds.length === 0) return Promise.resolve([])
      return db.select(getTableColumns(areas)).from(areas).where(inArray(areas.agencyId, agencyIds)).orderBy(asc(areas.code))
    },
    async areaInAgency(areaId: string, agencyId: string): Promise<AreaRow | undefined> {
      const [row] = await db.select().from(areas).where(and(eq(areas.id, areaId), eq(areas.agencyId, agencyId))).limit(1)
      return row
    },
    /** areaInAgency as a check for a unit of work's one read. */
    areaInAgencyCheck(areaId: string, agencyId: string): Check<boolean> {
      return existsCheck(db.select({ id: areas.id }).from(areas).where(and(eq(areas.id, areaId), eq(areas.agencyId, agencyId))))
    },
    /** Which of these ids are areas of the agency, as a check for a unit of work's one read. */
    areasInAgencyCheck(agencyId: string, ids: string[]): Check<{ id: string }[]> {
      return rowsCheck(db.select({ id: areas.id }).from(areas).where(and(eq(areas.agencyId, agencyId), inArray(areas.id, ids))), { id: areas.id })
    },
    async insertArea(values: typeof areas.$inferInsert): Promise<AreaRow> {
      const [row] = await db.insert(areas).values(values).returning()
      return row!
    },
  }
}
export type AgenciesRepository = ReturnType<typeof createAgenciesRepository>

/**
 * `column` (an area id) names one of `ids` or an area within one: every area filter includes the descendants, by the
 * GIN-indexed lineage (ancestors and self), so a district finds its beats' rows.
 */
export function inAreas(column: AnyPgColumn | SQL, ids: string[]): SQL {
  return sql`${column} IN (SELECT ${areas.id} FROM ${areas} WHERE ${areas.lineage} && ARRAY[${sql.join(ids.map((id) => sql`${id}`), sql`, `)}]::uuid[])`
}

/** An array of area ids (an organization's) overlaps `ids` or areas within them. */
export function overlapsAreas(column: AnyPgColumn, ids: string[]): SQL {
  return sql`${column} && ARRAY(SELECT ${areas.id} FROM ${areas} WHERE ${areas.lineage} && ARRAY[${sql.join(ids.map((id) => sql`${id}`), sql`, `)}]::uuid[])`
}
