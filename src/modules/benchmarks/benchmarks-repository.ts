// SQL for benchmarks: an agency's norm tables and its pooling setting, and the agencies that opted in.
import { and, desc, eq, sql } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { agencies, agencyPooling, normTables } from '../../db/schema/index.ts'
import type { KindAnswerRow } from '../insights/contact-kind-trust.ts'
import { rowsOf } from '../topics/topics-repository.ts'

export type NormTableRow = typeof normTables.$inferSelect
export type PoolingRow = typeof agencyPooling.$inferSelect

export function createBenchmarksRepository(db: Queryable) {
  return {
    async insertNorm(values: typeof normTables.$inferInsert): Promise<NormTableRow> {
      const [row] = await db.insert(normTables).values(values).returning()
      return row!
    },

    /** An agency's norm tables, newest first (an agency keeps a handful). */
    listNorms(agencyId: string): Promise<NormTableRow[]> {
      return db.select().from(normTables).where(eq(normTables.agencyId, agencyId)).orderBy(desc(normTables.createdAt), desc(normTables.id)).limit(200)
    },

    async norm(agencyId: string, id: string): Promise<NormTableRow | undefined> {
      const [row] = await db.select().from(normTables).where(and(eq(normTables.agencyId, agencyId), eq(normTables.id, id))).limit(1)
      return row
    },

    async normById(id: string): Promise<NormTableRow | undefined> {
      const [row] = await db.select().from(normTables).where(eq(normTables.id, id)).limit(1)
      return row
    },

    /** Deletes the agency's norm table, first unnaming it as the agency's pooling reference. */
    async deleteNorm(agencyId: string, id: string): Promise<boolean> {
      await db.update(agencyPooling).set({ normTableId: null }).where(and(eq(agencyPooling.agencyId, agencyId), eq(agencyPooling.normTableId, id)))
      const gone = await db.delete(normTables).where(and(eq(normTables.agencyId, agencyId), eq(normTables.id, id))).returning({ id: normTables.id })
      return gone.length > 0
    },

    async pooling(agencyId: string): Promise<PoolingRow | undefined> {
      const [row] = await db.select().from(agencyPooling).where(eq(agencyPooling.agencyId, agencyId)).limit(1)
      return row
    },

    async savePooling(values: PoolingRow): Promise<PoolingRow> {
      const { agencyId: _a, ...changes } = values
      const [row] = await db.insert(agencyPooling).values(values).onConflictDoUpdate({ target: agencyPooling.agencyId, set: changes }).returning()
      return row!
    },

    /**
     * Every survey answer of an agency as community trust reads it (the same area and month), with its contact's kind
     * ('none' after a meeting or with online feedback): the contact-kind cut is built from these, never shown singly.
     */
    async answersByContactKind(agencyId: string, timeZone: string): Promise<KindAnswerRow[]> {
      return rowsOf<KindAnswerRow>(
        await db.execute(sql`
          select coalesce(e.area_id, s.area_id)::text as area,
                 to_char(coalesce(e.starts_at, s.created_at) at time zone ${timeZone}, 'YYYY-MM') as month,
                 s.dignity, s.voice, s.neutrality, s.trust, s.language,
                 s.age_band::text as "ageBand", s.gender::text as gender, s.race_ethnicity::text as "raceEthnicity",
                 coalesce(s.contact_kind, 'none') as "contactKind"
          from survey_responses s left join events e on e.id = s.event_id and e.agency_id = ${agencyId}
          where s.agency_id = ${agencyId}`),
      )
    },

    /** The agencies publishing their item aggregates, with the norm table they name (if any), by slug. */
    optedIn(): Promise<{ id: string; slug: string; name: string; normTableId: string | null }[]> {
      return db
        .select({ id: agencies.id, slug: agencies.slug, name: agencies.name, normTableId: agencyPooling.normTableId })
        .from(agencyPooling)
        .innerJoin(agencies, eq(agencies.id, agencyPooling.agencyId))
        .where(eq(agencyPooling.enabled, true))
        .orderBy(agencies.slug)
    },
  }
}
export type BenchmarksRepository = ReturnType<typeof createBenchmarksRepository>
