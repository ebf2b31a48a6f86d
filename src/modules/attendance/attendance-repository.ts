// SQL for registrations, check-ins and head counts. Capacity decisions run with the event row locked.
import type { Stamped, Touched } from '../../db/schema/columns.ts'
import { and, asc, desc, eq, getTableColumns, gte, inArray, isNull, sql, type SQL } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { agencies, attendances, eventHeadCounts, events, registrationCodes } from '../../db/schema/index.ts'
import type { Cursor } from '../shared/pagination.ts'
import type { RegistrationListQuery } from './attendance-schemas.ts'

export type AttendanceRow = typeof attendances.$inferSelect
export type AttendanceInsert = typeof attendances.$inferInsert
export type HeadCountRow = typeof eventHeadCounts.$inferSelect
export type AttendanceCounts = { registered: number; waitlisted: number; attended: number; headCount: number | null }

export function createAttendanceRepository(db: Queryable) {
  return {
    /** Locks the event row until the transaction ends, so concurrent registrations decide capacity one at a time. */
    async lockEvent(id: string) {
      const [row] = await db
        .select({ id: events.id, agencyId: events.agencyId, status: events.status, startsAt: events.startsAt, capacity: events.capacity, registrationRequired: events.registrationRequired })
        .from(events)
        .where(and(eq(events.id, id), isNull(events.deletedAt)))
        .for('update')
        .limit(1)
      return row
    },

    /** Places held: registered or already checked in. */
    /** The accommodations an event offers (its list; anything else a registrant asks for in words). */
    async eventAccommodations(eventId: string): Promise<string[]> {
      const [row] = await db.select({ list: events.accommodations }).from(events).where(eq(events.id, eventId)).limit(1)
      return row?.list ?? []
    },

    /** When an event ended and how many days its agency's surveys stay open after. */
    surveyWindowOf(eventId: string) {
      return db
        .select({ endsAt: events.endsAt, surveyWindowDays: agencies.surveyWindowDays })
        .from(events)
        .innerJoin(agencies, eq(agencies.id, events.agencyId))
        .where(and(eq(events.id, eventId), isNull(events.deletedAt)))
        .limit(1)
    },

    /** A self-registrant's private code, stored as its hash only. */
    async insertCode(values: typeof registrationCodes.$inferInsert): Promise<void> {
      await db.insert(registrationCodes).values(values)
    },

    /** The live registration a code's hash names. */
    async byCodeHash(codeHash: string): Promise<AttendanceRow | undefined> {
      const [row] = await db
        .select(getTableColumns(attendances))
        .from(registrationCodes)
        .innerJoin(attendances, eq(attendances.id, registrationCodes.attendanceId))
        .where(and(eq(registrationCodes.codeHash, codeHash), isNull(attendances.deletedAt)))
        .limit(1)
      return row
    },

    /** Registrations of an event that ask for an accommodation, registered or waitlisted, oldest first. */
    accommodationRequests(eventId: string) {
      return db
        .select({ id: attendances.id, status: attendances.status, accommodations: attendances.requestedAccommodations, note: attendances.accommodationNote })
        .from(attendances)
        .where(
          and(
            eq(attendances.eventId, eventId),
            inArray(attendances.status, ['registered', 'waitlisted']),
            isNull(attendances.deletedAt),
            sql`(cardinality(${attendances.requestedAccommodations}) > 0 or ${attendances.accommodationNote} is not null)`,
          ),
        )
        .orderBy(asc(attendances.createdAt), asc(attendances.id))
    },

    async placesTaken(eventId: string): Promise<number> {
      const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(attendances).where(and(eq(attendances.eventId, eventId), inArray(attendances.status, ['registered', 'attended'])))
      return row!.n
    },

    async byId(id: string): Promise<AttendanceRow | undefined> {
      const [row] = await db.select().from(attendances).where(and(eq(attendances.id, id), isNull(attendances.deletedAt))).limit(1)
      return row
    },

    async of(eventId: string, participantId: string): Promise<AttendanceRow | undefined> {
      const [row] = await db.select().from(attendances).where(and(eq(attendances.eventId, eventId), eq(attendances.participantId, participantId))).limit(1)
      return row
    },

    async insert(values: AttendanceInsert & Stamped): Promise<AttendanceRow> {
      const [row] = await db.insert(attendances).values(values).returning()
      return row!
    },

    async update(id: string, changes: Partial<AttendanceInsert> & Touched): Promise<AttendanceRow> {
      const [row] = await db
        .update(attendances)
        .set({ ...changes, version: sql`${attendances.version} + 1` })
        .where(eq(attendances.id, id))
        .returning()
      return row!
    },

    /** The first on the waitlist: the earliest to register. */
    async firstWaitlisted(eventId: string): Promise<AttendanceRow | undefined> {
      const [row] = await db
        .select()
        .from(attendances)
        .where(and(eq(attendances.eventId, eventId), eq(attendances.status, 'waitlisted')))
        .orderBy(asc(attendances.registeredAt), asc(attendances.id))
        .limit(1)
      return row
    },

    /** Waitlist positions (1 = next in line) of an event's waitlisted registrations. */
    async waitlistPositions(eventId: string): Promise<Map<string, number>> {
      const rows = await db
        .select({ id: attendances.id })
        .from(attendances)
        .where(and(eq(attendances.eventId, eventId), eq(attendances.status, 'waitlisted')))
        .orderBy(asc(attendances.registeredAt), asc(attendances.id))
      return new Map(rows.map((r, i) => [r.id, i + 1]))
    },

    /** Keyset page of an event's registrations in registration order, or by last change when syncing. */
    list(eventId: string, filter: Omit<RegistrationListQuery, 'limit' | 'cursor'>, cursor: Cursor | undefined, limit: number): Promise<AttendanceRow[]> {
      const syncing = filter.updatedSince !== undefined
      const key = syncing ? attendances.updatedAt : attendances.createdAt
      const where: (SQL | undefined)[] = [
        eq(attendances.eventId, eventId),
        syncing ? gte(attendances.updatedAt, filter.updatedSince!) : isNull(attendances.deletedAt),
        filter.status?.length ? inArray(attendances.status, filter.status) : undefined,
      ]
      if (cursor) where.push(sql`(${key}, ${attendances.id}) > (${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)`)
      return db
        .select()
        .from(attendances)
        .where(and(...where))
        .orderBy(asc(key), asc(attendances.id))
        .limit(limit + 1)
    },

    /** Counts for several events in two queries: registrations by status, and each event's latest head count. */
    async counts(eventIds: string[]): Promise<Map<string, AttendanceCounts>> {
      const out = new Map<string, AttendanceCounts>(eventIds.map((id) => [id, { registered: 0, waitlisted: 0, attended: 0, headCount: null }]))
      if (eventIds.length === 0) return out
      const byStatus = await db
        .select({ eventId: attendances.eventId, status: attendances.status, n: sql<number>`count(*)::int` })
        .from(attendances)
        .where(and(inArray(attendances.eventId, eventIds), isNull(attendances.deletedAt)))
        .groupBy(attendances.eventId, attendances.status)
      for (const r of byStatus) {
        const c = out.get(r.eventId)!
        if (r.status === 'registered') c.registered += r.n
        if (r.status === 'attended') {
          c.attended += r.n
          c.registered += r.n
        }
        if (r.status === 'waitlisted') c.waitlisted += r.n
      }
      const latest = await db
        .selectDistinctOn([eventHeadCounts.eventId], { eventId: eventHeadCounts.eventId, count: eventHeadCounts.count })
        .from(eventHeadCounts)
        .where(and(inArray(eventHeadCounts.eventId, eventIds), isNull(eventHeadCounts.deletedAt)))
        .orderBy(eventHeadCounts.eventId, desc(eventHeadCounts.countedAt), desc(eventHeadCounts.id))
      for (const r of latest) out.get(r.eventId)!.headCount = r.count
      return out
    },

    async insertHeadCount(values: typeof eventHeadCounts.$inferInsert & Stamped): Promise<HeadCountRow> {
      const [row] = await db.insert(eventHeadCounts).values(values).returning()
      return row!
    },
  }
}
export type AttendanceRepository = ReturnType<typeof createAttendanceRepository>
