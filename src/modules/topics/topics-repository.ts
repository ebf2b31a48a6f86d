// SQL for the feedback-topic vocabulary: the standard topics (no agency) and each agency's own.
import { and, asc, eq, getTableColumns, inArray, isNull, or, sql } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { checkAll, selectCheck, valueCheck, type Check } from '../../db/unit-of-work.ts'
import { feedbackTopics } from '../../db/schema/index.ts'

export type TopicRow = typeof feedbackTopics.$inferSelect

/** The standard vocabulary plus, when given, one agency's own topics. */
const inVocabulary = (agencyId: string | null) => (agencyId ? or(isNull(feedbackTopics.agencyId), eq(feedbackTopics.agencyId, agencyId)) : isNull(feedbackTopics.agencyId))

/** The agency's vocabulary version: the latest version that added or retired one of its topics. */
const versionOf = sql<number>`coalesce(greatest(max(${feedbackTopics.version}), max(${feedbackTopics.retiredInVersion})), 1)::int`

const topicColumns = getTableColumns(feedbackTopics)

export function createTopicsRepository(db: Queryable) {
  return {
    // Checks are sql templates, not the query builder (see selectCheck): building and rendering these two selects took a
    // feedback item 55 µs of CPU, the templates 17 (BENCHMARKS.md).
    /** The topic of one code (byCodes) and the vocabulary version, as one check for a unit of work's one read. */
    classificationCheck(agencyId: string, code: string): Check<{ topics: TopicRow[]; vocabularyVersion: number }> {
      const vocabulary = inVocabulary(agencyId)
      return checkAll({
        topics: selectCheck<TopicRow>(topicColumns, feedbackTopics, and(vocabulary, eq(feedbackTopics.code, code)), 1),
        vocabularyVersion: valueCheck<number>(sql`select ${versionOf} from ${feedbackTopics} where ${vocabulary}`),
      })
    },

    /** The topics of these codes in the agency's vocabulary, as one check for a unit of work's one read. */
    codesCheck(agencyId: string, codes: string[]): Check<TopicRow[]> {
      return selectCheck<TopicRow>(topicColumns, feedbackTopics, and(inVocabulary(agencyId), inArray(feedbackTopics.code, codes)))
    },

    list(agencyId: string | null): Promise<TopicRow[]> {
      return db.select().from(feedbackTopics).where(inVocabulary(agencyId)).orderBy(asc(feedbackTopics.version), asc(feedbackTopics.code))
    },

    byCodes(agencyId: string, codes: string[]): Promise<TopicRow[]> {
      if (codes.length === 0) return Promise.resolve([])
      return db.select().from(feedbackTopics).where(and(inVocabulary(agencyId), inArray(feedbackTopics.code, codes)))
    },

    byIds(ids: string[]): Promise<TopicRow[]> {
      if (ids.length === 0) return Promise.resolve([])
      return db.select().from(feedbackTopics).where(inArray(feedbackTopics.id, ids))
    },

    /** The agency's vocabulary version: the latest version that added or retired one of its topics. */
    async vocabularyVersion(agencyId: string | null): Promise<number> {
      const [row] = await db
        .select({ v: versionOf })
        .from(feedbackTopics)
        .where(inVocabulary(agencyId))
      return Number(row?.v ?? 1)
    },

    /** Versions of several agencies at once (for a page of feedback or topics spanning agencies). */
    async vocabularyVersions(agencyIds: string[]): Promise<Map<string, number>> {
      if (agencyIds.length === 0) return new Map()
      const rows = await db.execute<{ agency_id: string; v: number }>(sql`
        select a.id as agency_id, coalesce(greatest(max(t.version), max(t.retired_in_version)), 1)::int as v
        from unnest(${`{${agencyIds.join(',')}}`}::uuid[]) as a(id)
        left join ${feedbackTopics} t on t.agency_id is null or t.agency_id = a.id
        group by a.id`)
      return new Map(rowsOf<{ agency_id: string; v: number }>(rows).map((r) => [r.agency_id, Number(r.v)]))
    },

    /** Vocabulary changes of one agency take turns, so two admins cannot both make version n+1. */
    async lockVocabulary(agencyId: string): Promise<void> {
      await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`feedback-topics:${agencyId}`}))`)
    },

    async insert(values: typeof feedbackTopics.$inferInsert & { createdAt: Date }): Promise<TopicRow> {
      const [row] = await db.insert(feedbackTopics).values(values).returning()
      return row!
    },

    async retire(agencyId: string, id: string, version: number): Promise<TopicRow | undefined> {
      const [row] = await db
        .update(feedbackTopics)
        .set({ retiredInVersion: version })
        .where(and(eq(feedbackTopics.id, id), eq(feedbackTopics.agencyId, agencyId), isNull(feedbackTopics.retiredInVersion)))
        .returning()
      return row
    },
  }
}
export type TopicsRepository = ReturnType<typeof createTopicsRepository>

/** node-postgres answers {rows}, PGlite the same; drizzle's execute passes either through. */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[]
}
