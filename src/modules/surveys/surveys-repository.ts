// SQL for survey responses and their one-time tokens. A response row holds scores, a language and (online only) an
// area and topic: nothing that could identify who gave it, and no reference to the token that let it in.
import { and, asc, eq, getTableColumns, isNull, sql } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { plannedInsert, selectCheck, type Check, type PlannedGate, type PlannedInsert } from '../../db/unit-of-work.ts'
import { attendances, surveyInvitations, surveyResponses, surveyTokens } from '../../db/schema/index.ts'
import type { Cursor } from '../shared/pagination.ts'

export type SurveyResponseRow = typeof surveyResponses.$inferSelect
/** What a token's hash names: the event it is for, whether its attendance has answered, and the attendance's status. */
export type SurveyTokenFound = { eventId: string; used: boolean; status: string }

export function createSurveysRepository(db: Queryable) {
  return {
    async insert(values: typeof surveyResponses.$inferInsert & { createdAt: Date }): Promise<SurveyResponseRow> {
      const [row] = await db.insert(surveyResponses).values(values).returning()
      return row!
    },

    /** A response, written in a unit of work; its id is chosen by the caller. */
    planInsert(values: typeof surveyResponses.$inferInsert & { id: string; createdAt: Date }): PlannedInsert<SurveyResponseRow> {
      return plannedInsert(surveyResponses, values, getTableColumns(surveyResponses))
    },

    /** A new token for an attendance (its hash only); the attendance's one answer is kept once, whatever the number of tokens. */
    async issueToken(values: { attendanceId: string; agencyId: string; eventId: string; tokenHash: string }): Promise<void> {
      await db.insert(surveyInvitations).values({ attendanceId: values.attendanceId, agencyId: values.agencyId, eventId: values.eventId }).onConflictDoNothing()
      await db.insert(surveyTokens).values({ tokenHash: values.tokenHash, attendanceId: values.attendanceId, agencyId: values.agencyId })
    },

    /** The live attendance a token's hash names, for the create's one read (empty: no such token). */
    tokenCheck(tokenHash: string): Check<SurveyTokenFound[]> {
      const fields = { eventId: surveyInvitations.eventId, used: surveyInvitations.used, status: attendances.status }
      const joined = sql`${surveyTokens} join ${surveyInvitations} on ${surveyInvitations.attendanceId} = ${surveyTokens.attendanceId}
        join ${attendances} on ${attendances.id} = ${surveyInvitations.attendanceId}`
      return selectCheck(fields, joined, and(eq(surveyTokens.tokenHash, tokenHash), isNull(attendances.deletedAt)), 1)
    },

    /**
     * The gate of a response's write: marks the attendance answered, and yields a row only if it was not yet. The row
     * lock makes two concurrent answers with tokens of one attendance take turns: the second finds it used.
     */
    consumeGate(tokenHash: string, eventId: string): PlannedGate {
      return sql`update ${surveyInvitations} set used = true
        where attendance_id = (select attendance_id from ${surveyTokens} where token_hash = ${tokenHash}) and event_id = ${eventId}::uuid and not used
        returning 1`
    },

    /** An event's responses, without their voluntary demographics: those leave only as weighted, suppressed aggregates. */
    list(eventId: string, cursor: Cursor | undefined, limit: number): Promise<Omit<SurveyResponseRow, 'ageBand' | 'gender' | 'raceEthnicity'>[]> {
      const { ageBand: _a, gender: _g, raceEthnicity: _r, ...shown } = getTableColumns(surveyResponses)
      const where = [eq(surveyResponses.eventId, eventId)]
      if (cursor) where.push(sql`(${surveyResponses.createdAt}, ${surveyResponses.id}) > (${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)`)
      return db
        .select(shown)
        .from(surveyResponses)
        .where(and(...where))
        .orderBy(asc(surveyResponses.createdAt), asc(surveyResponses.id))
        .limit(limit + 1)
    },
  }
}
