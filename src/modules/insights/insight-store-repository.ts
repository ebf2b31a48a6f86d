// SQL for the shared insight store (migration 0027): each period's suppressed snapshots, their versions and marks, the
// sources' watermark they were checked against, the per-period build lock and the rebuild signal.
import { sql } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import type { Watermark } from './insights-repository.ts'

type Rows<T> = { rows?: T[] } | T[]
const rowsOf = <T>(result: Rows<T>): T[] => (Array.isArray(result) ? result : (result.rows ?? []))

/** The channel a committed build is signalled on: `{agencyId, limits, unit, period, version, id}` as JSON. */
export const INSIGHTS_CHANNEL = 'insight_periods'

/** A stored period: the version that answers (0: marked but never built), its build's id, and whether it is stale. */
export type StoredPeriod = { unit: 'month' | 'quarter'; period: string; version: number; id: string; marks: number; builtMarks: number; inputs: string }
export type StoredSnapshot = { period: string; version: number; id: string; rows: string }
export type PeriodKey = { agencyId: string; limits: string; unit: 'month' | 'quarter'; period: string }

export function createInsightStoreRepository(db: Queryable) {
  const run = async <T>(query: ReturnType<typeof sql>): Promise<T[]> => rowsOf<T>((await db.execute(query)) as unknown as Rows<T>)

  return {
    /** Takes the transaction-scoped lock of one key (a period's build, an agency's watermark): waits, or only tries. */
    async lock(key: string, wait: boolean): Promise<boolean> {
      if (wait) {
        await run(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`)
        return true
      }
      const [row] = await run<{ ok: boolean }>(sql`select pg_try_advisory_xact_lock(hashtextextended(${key}, 0)) as ok`)
      return row!.ok
    },

    /** Sets this transaction's statement and lock timeouts (a build runs longer than a request's statement may). */
    async timeouts(statementMs: number): Promise<void> {
      await run(sql.raw(`set local statement_timeout = ${Math.trunc(statementMs)}`))
      await run(sql.raw(`set local lock_timeout = ${Math.trunc(statementMs)}`))
    },

    /** Every stored period of an agency at these limits (a few hundred rows at most: one per month and quarter). */
    periods(agencyId: string, limits: string): Promise<StoredPeriod[]> {
      return run<StoredPeriod>(sql`
        select unit, period, version, coalesce(build_id::text, '') as id, marks, built_marks as "builtMarks", inputs
        from insight_periods where agency_id = ${agencyId} and limits = ${limits}`)
    },

    async period({ agencyId, limits, unit, period }: PeriodKey): Promise<StoredPeriod | undefined> {
      const [row] = await run<StoredPeriod>(sql`
        select unit, period, version, coalesce(build_id::text, '') as id, marks, built_marks as "builtMarks", inputs
        from insight_periods where agency_id = ${agencyId} and limits = ${limits} and unit = ${unit} and period = ${period}`)
      return row
    },

    /** One insight's published rows for these periods: one primary-key range. */
    snapshots(agencyId: string, limits: string, unit: string, insight: string, periods: string[]): Promise<StoredSnapshot[]> {
      return run<StoredSnapshot>(sql`
        select s.period, p.version, p.build_id::text as id, s.rows
        from insight_snapshots s join insight_periods p using (agency_id, limits, unit, period)
        where s.agency_id = ${agencyId} and s.limits = ${limits} and s.unit = ${unit} and s.insight = ${insight}
          and s.period = any(${`{${periods.join(',')}}`}::text[]) and p.build_id = s.build_id`)
    },

    /**
     * Swaps a period's snapshots for a new build (this transaction's commit makes them answer, all at once), keeps the
     * marks it was built from, and signals every instance at commit.
     */
    async store(key: PeriodKey, build: { id: string; inputs: string; events: string[]; builtMarks: number; snapshots: { insight: string; rows: string }[] }): Promise<number> {
      const { agencyId, limits, unit, period } = key
      const [row] = await run<{ version: number }>(sql`
        insert into insight_periods (agency_id, limits, unit, period, version, marks, built_marks, inputs, events, build_id, built_at)
        values (${agencyId}, ${limits}, ${unit}, ${period}, 1, ${build.builtMarks}, ${build.builtMarks}, ${build.inputs}, ${`{${build.events.join(',')}}`}::uuid[], ${build.id}, now())
        on conflict (agency_id, limits, unit, period) do update
          set version = insight_periods.version + 1, built_marks = excluded.built_marks, inputs = excluded.inputs, events = excluded.events,
              build_id = excluded.build_id, built_at = excluded.built_at
        returning version`)
      await run(sql`delete from insight_snapshots where agency_id = ${agencyId} and limits = ${limits} and unit = ${unit} and period = ${period}`)
      for (const s of build.snapshots)
        await run(sql`insert into insight_snapshots (agency_id, limits, unit, period, insight, build_id, rows) values (${agencyId}, ${limits}, ${unit}, ${period}, ${s.insight}, ${build.id}, ${s.rows})`)
      const version = row!.version
      await run(sql`select pg_notify(${INSIGHTS_CHANNEL}, ${JSON.stringify({ agencyId, limits, unit, period, version, id: build.id })})`)
      return version
    },

    /** The sources' watermark the agency's stored periods were last checked against (undefined: never). */
    async sources(agencyId: string, limits: string): Promise<Watermark | undefined> {
      const [row] = await run<{ watermark: Watermark }>(sql`select watermark from insight_sources where agency_id = ${agencyId} and limits = ${limits}`)
      return row?.watermark
    },

    async setSources(agencyId: string, limits: string, watermark: Watermark): Promise<void> {
      await run(sql`
        insert into insight_sources (agency_id, limits, watermark, checked_at) values (${agencyId}, ${limits}, ${JSON.stringify(watermark)}::jsonb, now())
        on conflict (agency_id, limits) do update set watermark = excluded.watermark, checked_at = excluded.checked_at`)
    },

    /**
     * Marks periods changed: stored ones become stale, and one not stored yet gets a row (version 0) so a build that
     * read its sources before the change sees it was outrun. Quarters holding one of `events` are marked too.
     */
    async mark(agencyId: string, limits: string, inputs: string, changed: { months: string[]; quarters: string[]; events: string[] }): Promise<void> {
      const periods = [...changed.months.map((p) => ['month', p] as const), ...changed.quarters.map((p) => ['quarter', p] as const)]
      if (periods.length)
        await run(sql`
          insert into insight_periods (agency_id, limits, unit, period, version, marks, built_marks, inputs)
          select ${agencyId}, ${limits}, c.unit, c.period, 0, 1, 0, ${inputs}
          from unnest(${`{${periods.map((p) => p[0]).join(',')}}`}::text[], ${`{${periods.map((p) => p[1]).join(',')}}`}::text[]) as c(unit, period)
          on conflict (agency_id, limits, unit, period) do update set marks = insight_periods.marks + 1`)
      if (changed.events.length)
        await run(sql`
          update insight_periods set marks = marks + 1
          where agency_id = ${agencyId} and limits = ${limits} and unit = 'quarter' and events && ${`{${changed.events.join(',')}}`}::uuid[]`)
    },
  }
}
export type InsightStoreRepository = ReturnType<typeof createInsightStoreRepository>
