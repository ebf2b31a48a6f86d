// SQL for agencies and their areas.
import { and, asc, eq, getTableColumns, inArray, ne, sql, type SQL } from 'drizzle-orm'
import type { AnyPgColumn } from 'drizzle-orm/pg-core'
import type { Queryable } from '../../db/client.ts'
import type { Stamped, Touched } from '../../db/schema/columns.ts'
import { existsCheck, plannedInsert, selectCheck, type Check, type PlannedInsert } from '../../db/unit-of-work.ts'
import { agencies, areas, decisions, eventSeries, events, feedbackItems, organizations, participants } from '../../db/schema/index.ts'

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
    async areasByIds(ids: string[]): Promise<AreaRow[]> {
      if (ids.length === 0) return []
      return db.select(getTableColumns(areas)).from(areas).where(inArray(areas.id, ids))
    },
    async areaInAgency(areaId: string, agencyId: string): Promise<AreaRow | undefined> {
      const [row] = await db.select().from(areas).where(and(eq(areas.id, areaId), eq(areas.agencyId, agencyId))).limit(1)
      return row
    },
    /** areaInAgency as a check for a unit of work's one read. */
    areaInAgencyCheck(areaId: string, agencyId: string): Check<boolean> {
      return existsCheck(areas, and(eq(areas.id, areaId), eq(areas.agencyId, agencyId)))
    },
    /** Which of these ids are areas of the agency, as a check for a unit of work's one read. */
    areasInAgencyCheck(agencyId: string, ids: string[]): Check<{ id: string }[]> {
      return selectCheck({ id: areas.id }, areas, and(eq(areas.agencyId, agencyId), inArray(areas.id, ids)))
    },
    async insertArea(values: typeof areas.$inferInsert): Promise<AreaRow> {
      const [row] = await db.insert(areas).values(values).returning()
      return row!
    },

    /** A new agency, written in a unit of work; its id is chosen by the caller. */
    planInsert(values: typeof agencies.$inferInsert & Stamped & { id: string }): PlannedInsert<AgencyRow> {
      return plannedInsert(agencies, values, getTableColumns(agencies))
    },
    slugTakenCheck(slug: string): Check<boolean> {
      return existsCheck(agencies, eq(agencies.slug, slug))
    },
    async updateVersioned(id: string, expectedVersion: number, changes: Partial<typeof agencies.$inferInsert> & Touched): Promise<AgencyRow | undefined> {
      const [row] = await db
        .update(agencies)
        .set({ ...changes, version: sql`${agencies.version} + 1` })
        .where(and(eq(agencies.id, id), eq(agencies.version, expectedVersion)))
        .returning()
      return row
    },

    /** A new area, written in a unit of work; the lineage is the trigger's to set. */
    planInsertArea(values: typeof areas.$inferInsert & Stamped & { id: string }): PlannedInsert<AreaRow> {
      return plannedInsert(areas, values, getTableColumns(areas))
    },
    /** Whether another area of the agency already has the code. */
    codeTakenCheck(agencyId: string, code: string, exceptId?: string): Check<boolean> {
      return existsCheck(areas, and(eq(areas.agencyId, agencyId), eq(areas.code, code), exceptId ? ne(areas.id, exceptId) : undefined))
    },
    async codeTaken(agencyId: string, code: string, exceptId: string): Promise<boolean> {
      const [row] = await db.select({ id: areas.id }).from(areas).where(and(eq(areas.agencyId, agencyId), eq(areas.code, code), ne(areas.id, exceptId))).limit(1)
      return row !== undefined
    },
    async updateAreaVersioned(agencyId: string, id: string, expectedVersion: number, changes: Partial<typeof areas.$inferInsert> & Touched): Promise<AreaRow | undefined> {
      const [row] = await db
        .update(areas)
        .set({ ...changes, version: sql`${areas.version} + 1` })
        .where(and(eq(areas.id, id), eq(areas.agencyId, agencyId), eq(areas.version, expectedVersion)))
        .returning()
      return row
    },
    /** What still refers to the area (an area in use is not removed): areas within it and records placed in it. */
    async areaUses(id: string): Promise<string[]> {
      const uses = {
        areas: db.select({ x: sql`1` }).from(areas).where(eq(areas.parentId, id)),
        events: db.select({ x: sql`1` }).from(events).where(eq(events.areaId, id)),
        series: db.select({ x: sql`1` }).from(eventSeries).where(eq(eventSeries.areaId, id)),
        feedback: db.select({ x: sql`1` }).from(feedbackItems).where(eq(feedbackItems.areaId, id)),
        decisions: db.select({ x: sql`1` }).from(decisions).where(eq(decisions.areaId, id)),
        participants: db.select({ x: sql`1` }).from(participants).where(eq(participants.areaId, id)),
        organizations: db.select({ x: sql`1` }).from(organizations).where(sql`${organizations.areaIds} @> ARRAY[${id}]::uuid[]`),
      }
      const names = Object.keys(uses) as (keyof typeof uses)[]
      // Selected from the area's own row: one statement, one row of flags.
      const [row] = await db.select(Object.fromEntries(names.map((n) => [n, sql<boolean>`exists (${uses[n]})`]))).from(areas).where(eq(areas.id, id))
      return names.filter((n) => row?.[n] === true)
    },
    async deleteArea(agencyId: string, id: string, expectedVersion: number): Promise<AreaRow | undefined> {
      const [row] = await db.delete(areas).where(and(eq(areas.id, id), eq(areas.agencyId, agencyId), eq(areas.version, expectedVersion))).returning()
      return row
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
