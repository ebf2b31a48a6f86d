// SQL for survey responses. A response row holds scores and a language: nothing that could identify who gave it.
import { and, asc, eq, getTableColumns, sql } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { plannedInsert, type PlannedInsert } from '../../db/unit-of-work.ts'
import { surveyResponses } from '../../db/schema/index.ts'
import type { Cursor } from '../shared/pagination.ts'

export type SurveyResponseRow = typeof surveyResponses.$inferSelect

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

    list(eventId: string, cursor: Cursor | undefined, limit: number): Promise<SurveyResponseRow[]> {
      const where = [eq(surveyResponses.eventId, eventId)]
      if (cursor) where.push(sql`(${surveyResponses.createdAt}, ${surveyResponses.id}) > (${cursor.at.toISOString()}::timestamptz, ${cursor.id}::uuid)`)
      return db
        .select()
        .from(surveyResponses)
        .where(and(...where))
        .orderBy(asc(surveyResponses.createdAt), asc(surveyResponses.id))
        .limit(limit + 1)
    },
  }
}
