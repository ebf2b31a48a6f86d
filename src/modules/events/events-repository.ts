// SQL for events and series. Every write names the agency, so no query can touch another agency's rows.
import type { Stamped, Touched } from '../../db/schema/columns.ts'
import { and, arrayContains, arrayOverlaps, asc, eq, gt, gte, inArray, isNull, lt, lte, ne, or, sql, type SQL } from 'drizzle-orm'
import { getTableColumns } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { searchQuery } from '../../db/text-search.ts'
import { existsCheck, plannedInsert, selectCheck, type Check, type PlannedInsert } from '../../db/unit-of-work.ts'
import { agencies, eventCoHosts, events, eventSeries } from '../../db/schema/index.ts'
import type { Cursor } from '../shared/pagination.ts'
import { cappedCount, type TotalCount } from '../../db/counting.ts'
import { NEAR_DEFAULT_RADIUS, type EventListQuery, type NearPoint } from './events-schemas.ts'
import { inAreas } from '../agencies/agencies-repository.ts'

const { search: _search, ...eventColumns } = getTableColumns(events)
export type EventRow = Omit<typeof events.$inferSelect, 'search'>
export type EventInsert = typeof events.$inferInsert
export type SeriesRow = typeof eventSeries.$inferSelect
export type SeriesInsert = typeof eventSeries.$inferInsert

/** Who may see drafts: nobody (public), the staff of one agency, or a partner organization those it co-hosts. */
export type EventVisibility = { draftsOfAgencyId?: string; draftsCoHostedBy?: string }

export type EventFilter = Omit<EventListQuery, 'limit' | 'cursor' | 'count' | 'agency'> & { agencyId?: string }

export function createEventsRepository(db: Queryable) {
  return {
    async byId(id: string, visibility: EventVisibility): Promise<EventRow | undefined> {
      const [row] = await db.select(eventColumns).from(events).where(eventConditions({ id }, visibility, undefined)).limit(1)
      return row
    },

    /** Whether the caller (`visibility`) may see the event whose id `id` names, as SQL for another repository's statement. */
    seen(visibility: EventVisibility): (id: SQL) => SQL {
      return (id) => sql`exists (select 1 from ${events} where ${events.id} = ${id} and ${visible(visibility) ?? sql`true`} and ${events.deletedAt} is null)`
    },

    /** The events of `ids` the caller may see (the change feed's batch read); unknown, hidden and deleted ones are left out. */
    byIds(ids: string[], visibility: EventVisibility): Promise<EventRow[]> {
      return db.select(eventColumns).from(events).where(and(inArray(events.id, ids), eventConditions({}, visibility, undefined))!)
    },

    /**
     * Near me: a keyset page of the events within `filter.radius` metres of `filter.near`, nearest first (then by id),
     * each with its distance. The bounding box in eventConditions narrows by the latitude/longitude index first.
     */
    listNear(filter: EventFilter & { near: NearPoint }, visibility: EventVisibility, cursor: Cursor | undefined, limit: number): Promise<(EventRow & { distance: number })[]> {
      const distance = distanceFrom(filter.near)
      const after = cursor?.distance !== undefined ? sql`(${distance}, ${events.id}) > (${cursor.distance}::float8, ${cursor.id}::uuid)` : undefined
      return db
        .select({ ...eventColumns, distance })
        .from(events)
        .where(and(eventConditions(filter, visibility, undefined), after))
        .orderBy(asc(distance), asc(events.id))
        .limit(limit + 1)
    },

    /** Keyset page: by start time, or by last change when syncing (updatedSince), which also returns tombstones. */
    list(filter: EventFilter, visibility: EventVisibility, cursor: Cursor | undefined, limit: number): Promise<EventRow[]> {
      const key = filter.updatedSince !== undefined ? events.updatedAt : events.startsAt
      return db
        .select(eventColumns)
        .from(events)
        .where(eventConditions(filter, visibility, cursor))
        .orderBy(asc(key), asc(events.id))
        .limit(limit + 1)
    },

    /** How many events list() (or listNear()) pages through for `filter`, counted up to `cap` (src/db/counting.ts). */
    count(filter: EventFilter, visibility: EventVisibility, cap: number): Promise<TotalCount> {
      return cappedCount(db, db.select({ id: events.id }).from(events).where(eventConditions(filter, visibility, undefined)), cap)
    },

    /** How many series listSeries() pages through, counted up to `cap`. */
    countSeries(agencyId: string | undefined, visibility: EventVisibility, cap: number): Promise<TotalCount> {
      return cappedCount(db, db.select({ id: eventSeries.id }).from(eventSeries).where(and(...seriesListConditions(agencyId, visibility))), cap)
    },

    async insert(values: (EventInsert & Stamped)[]): Promise<EventRow[]> {
      if (values.length === 0) return []
      return db.insert(events).values(values).returning(eventColumns)
    },

    /** A new event, written in a unit of work; its id is chosen by the caller. */
    planInsert(values: EventInsert & Stamped & { id: string }): PlannedInsert<EventRow> {
      return plannedInsert(events, values, eventColumns)
    },

    /** A series' occurrences, written in its unit of work (their ids from the database's default). */
    planOccurrences(values: (EventInsert & Stamped)[]): PlannedInsert {
      return plannedInsert(events, values)
    },

    /** A new series, written in a unit of work; its id is chosen by the caller. */
    planSeries(values: SeriesInsert & Stamped & { id: string }): PlannedInsert<SeriesRow> {
      return plannedInsert(eventSeries, values, getTableColumns(eventSeries))
    },

    /** Whether an event of the agency, as `visibility` lets the caller see it, exists: a check for a unit of work's one read. */
    inAgencyCheck(id: string, agencyId: string, visibility: EventVisibility): Check<boolean> {
      return existsCheck(events, and(eq(events.id, id), eq(events.agencyId, agencyId), visible(visibility), isNull(events.deletedAt)))
    },

    /** Where and when a visible event of the agency meets (none when it is not one), as a check for a unit of work's one read. */
    placeCheck(id: string, agencyId: string, visibility: EventVisibility): Check<{ areaId: string | null; startsAt: Date }[]> {
      const fields = { areaId: events.areaId, startsAt: events.startsAt }
      return selectCheck(fields, events, and(eq(events.id, id), eq(events.agencyId, agencyId), visible(visibility), isNull(events.deletedAt)), 1)
    },

    /** What decides whether an event's survey is open, if the caller may see the event: its times and its agency's window. */
    surveyWindowCheck(id: string, visibility: EventVisibility): Check<{ agencyId: string; status: string; startsAt: Date; endsAt: Date; surveyWindowDays: number }[]> {
      const fields = { agencyId: events.agencyId, status: events.status, startsAt: events.startsAt, endsAt: events.endsAt, surveyWindowDays: agencies.surveyWindowDays }
      return selectCheck(fields, sql`${events} join ${agencies} on ${agencies.id} = ${events.agencyId}`, and(eq(events.id, id), visible(visibility), isNull(events.deletedAt)), 1)
    },

    /** Applies a change only if the row still has the expected version (optimistic locking). */
    async updateVersioned(agencyId: string, id: string, expectedVersion: number, changes: Partial<EventInsert> & Touched): Promise<EventRow | undefined> {
      const [row] = await db
        .update(events)
        .set({ ...changes, version: sql`${events.version} + 1` })
        .where(and(eq(events.id, id), eq(events.agencyId, agencyId), eq(events.version, expectedVersion), isNull(events.deletedAt)))
        .returning(eventColumns)
      return row
    },

    async occurrencesOf(agencyId: string, seriesId: string): Promise<EventRow[]> {
      return db
        .select(eventColumns)
        .from(events)
        .where(and(eq(events.agencyId, agencyId), eq(events.seriesId, seriesId), isNull(events.deletedAt)))
        .orderBy(asc(events.startsAt))
    },

    async updateOccurrence(agencyId: string, id: string, changes: Partial<EventInsert> & Touched): Promise<{ id: string; version: number; status: EventRow['status'] } | undefined> {
      const [row] = await db
        .update(events)
        .set({ ...changes, version: sql`${events.version} + 1`, sequence: sql`${events.sequence} + 1` })
        .where(and(eq(events.id, id), eq(events.agencyId, agencyId)))
        .returning({ id: events.id, version: events.version, status: events.status })
      return row
    },

    /** A series by id; without `visibility` (a write's own read) drafts are included. */
    async seriesById(id: string, visibility?: EventVisibility): Promise<SeriesRow | undefined> {
      const [row] = await db
        .select()
        .from(eventSeries)
        .where(and(eq(eventSeries.id, id), isNull(eventSeries.deletedAt), visibility ? seriesVisible(visibility) : undefined))
        .limit(1)
      return row
    },

    seriesByIds(ids: string[], visibility: EventVisibility): Promise<SeriesRow[]> {
      if (ids.length === 0) return Promise.resolve([])
      return db.select().from(eventSeries).where(and(inArray(eventSeries.id, ids), isNull(eventSeries.deletedAt), seriesVisible(visibility)))
    },

    listSeries(agencyId: string | undefined, visibility: EventVisibility, cursor: Cursor | undefined, limit: number): Promise<SeriesRow[]> {
      const where = seriesListConditions(agencyId, visibility)
      if (cursor) where.push(sql`(${eventSeries.createdAt}, ${eventSeries.id}) > (${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)`)
      return db
        .select()
        .from(eventSeries)
        .where(and(...where))
        .orderBy(asc(eventSeries.createdAt), asc(eventSeries.id))
        .limit(limit + 1)
    },

    async insertSeries(values: SeriesInsert & Stamped): Promise<SeriesRow> {
      const [row] = await db.insert(eventSeries).values(values).returning()
      return row!
    },

    async updateSeriesVersioned(agencyId: string, id: string, expectedVersion: number, changes: Partial<SeriesInsert> & Touched): Promise<SeriesRow | undefined> {
      const [row] = await db
        .update(eventSeries)
        .set({ ...changes, version: sql`${eventSeries.version} + 1` })
        .where(and(eq(eventSeries.id, id), eq(eventSeries.agencyId, agencyId), eq(eventSeries.version, expectedVersion), isNull(eventSeries.deletedAt)))
        .returning()
      return row
    },
  }
}
export type EventsRepository = ReturnType<typeof createEventsRepository>

/**
 * Which events a read may return, written once for every read path (this repository's and reads-repository's): the
 * caller's visibility, the filter, and the keyset position. Tombstones only when syncing (updatedSince), never by id.
 */
export function eventConditions(filter: EventFilter & { id?: string }, visibility: EventVisibility, cursor: Cursor | undefined): SQL | undefined {
  const syncing = filter.updatedSince !== undefined
  const key = syncing ? events.updatedAt : events.startsAt
  const where = [filter.id !== undefined ? eq(events.id, filter.id) : undefined, visible(visibility), ...filterConditions(filter)]
  if (!syncing) where.push(isNull(events.deletedAt))
  if (cursor) where.push(sql`(${key}, ${events.id}) > (${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)`)
  return and(...where)
}

/** The columns a read returns (the search vector is the database's own). */
export const eventColumnNames = Object.values(eventColumns).map((c) => c.name)

/** Not a draft, as a literal: a prepared statement's generic plan then still knows what it filters. */
const notDraft = sql`${events.status} <> 'draft'`

function visible(v: EventVisibility): SQL | undefined {
  if (v.draftsOfAgencyId) return or(notDraft, eq(events.agencyId, v.draftsOfAgencyId))
  if (v.draftsCoHostedBy)
    return or(
      notDraft,
      sql`EXISTS (SELECT 1 FROM ${eventCoHosts} WHERE ${eventCoHosts.eventId} = ${events.id} AND ${eventCoHosts.organizationId} = ${v.draftsCoHostedBy})`,
    )
  return notDraft
}

/** The series a listing holds: not deleted, visible to the caller, of the agency when one is named. */
function seriesListConditions(agencyId: string | undefined, visibility: EventVisibility): (SQL | undefined)[] {
  return [isNull(eventSeries.deletedAt), seriesVisible(visibility), agencyId ? eq(eventSeries.agencyId, agencyId) : undefined]
}

/** A draft series (a partner's proposal) is seen by its agency's staff and the organizations that co-host it. */
function seriesVisible(v: EventVisibility): SQL | undefined {
  const notDraftSeries = sql`${eventSeries.status} <> 'draft'`
  if (v.draftsOfAgencyId) return or(notDraftSeries, eq(eventSeries.agencyId, v.draftsOfAgencyId))
  if (v.draftsCoHostedBy) return or(notDraftSeries, sql`${v.draftsCoHostedBy}::uuid = any(${eventSeries.coHostIds})`)
  return notDraftSeries
}

function filterConditions(f: EventFilter): (SQL | undefined)[] {
  return [
    f.agencyId ? eq(events.agencyId, f.agencyId) : undefined,
    // An event is in the range if any part of it overlaps [from, to).
    f.from ? gt(events.endsAt, f.from) : undefined,
    f.to ? lt(events.startsAt, f.to) : undefined,
    f.status?.length ? inArray(events.status, f.status) : undefined,
    f.areaId?.length ? inAreas(events.areaId, f.areaId) : undefined,
    f.format?.length ? inArray(events.format, f.format) : undefined,
    f.kind?.length ? inArray(events.kind, f.kind) : undefined,
    // A meeting is "in" a language if it is spoken there or interpreted into it.
    f.language?.length ? or(arrayOverlaps(events.languages, f.language), arrayOverlaps(events.interpretation, f.language)) : undefined,
    f.accommodation?.length ? arrayContains(events.accommodations, f.accommodation) : undefined,
    f.topic?.length ? arrayOverlaps(events.topics, f.topic) : undefined,
    f.seriesId ? eq(events.seriesId, f.seriesId) : undefined,
    f.organizationId
      ? sql`exists (select 1 from ${eventCoHosts} where ${eventCoHosts.eventId} = ${events.id} and ${eventCoHosts.organizationId} = ${f.organizationId}::uuid)`
      : undefined,
    f.q ? sql`${events.search} @@ ${searchQuery(f.q)}` : undefined,
    f.updatedSince ? gte(events.updatedAt, f.updatedSince) : undefined,
    f.near ? nearCondition(f.near, f.radius ?? NEAR_DEFAULT_RADIUS) : undefined,
  ]
}

/** Mean Earth radius (IUGG), metres: the haversine's sphere. */
const EARTH_RADIUS = 6_371_008.8
const METRES_PER_DEGREE = (Math.PI * EARTH_RADIUS) / 180

/** The great-circle distance in metres from `p` to the event's venue (haversine), null without coordinates. */
export function distanceFrom(p: NearPoint): SQL<number> {
  const lat = sql`${p.latitude}::float8`
  const lng = sql`${p.longitude}::float8`
  return sql<number>`(2 * ${EARTH_RADIUS}::float8 * asin(least(1::float8, sqrt(power(sin(radians(${events.latitude} - ${lat}) / 2), 2) + cos(radians(${lat})) * cos(radians(${events.latitude})) * power(sin(radians(${events.longitude} - ${lng}) / 2), 2)))))`.mapWith(Number)
}

/**
 * Within `radius` metres of `p`: a bounding box on the indexed latitude (and longitude, where the box does not reach
 * a pole or cross the antimeridian), slightly widened so rounding never drops an event, then the exact distance.
 */
function nearCondition(p: NearPoint, radius: number): SQL {
  const dLat = (radius / METRES_PER_DEGREE) * 1.01
  const box = [gte(events.latitude, p.latitude - dLat), lte(events.latitude, p.latitude + dLat)]
  const cosLat = Math.cos(((Math.abs(p.latitude) + dLat) * Math.PI) / 180)
  if (Math.abs(p.latitude) + dLat < 89 && cosLat > 0) {
    const dLng = dLat / cosLat
    if (p.longitude - dLng >= -180 && p.longitude + dLng <= 180) box.push(gte(events.longitude, p.longitude - dLng), lte(events.longitude, p.longitude + dLng))
  }
  return and(...box, sql`${distanceFrom(p)} <= ${radius}::float8`)!
}
