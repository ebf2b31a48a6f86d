// Building one period of an agency's insight tables and storing it: its sources are read, its tables built and
// suppressed, and its snapshots swapped in under the period's lock. In the server's own process (PGlite, whose database
// lives there; tests' hooks), or in a build process of its own (build-process.ts), so that a build's garbage, which
// V8 keeps as pooled pages once freed, never stays in the serving process's memory.
import { createHash, randomUUID } from 'node:crypto'
import type { Database } from '../../db/client.ts'
import { createAgenciesRepository } from '../agencies/agencies-repository.ts'
import { buildFeedback, buildReach, buildTrust, buildWhoTakesPart, type EventRow, type Limits, type Snapshot } from './insight-tables.ts'
import { createInsightStoreRepository, type InsightStoreRepository, type StoredPeriod } from './insight-store-repository.ts'
import { inBuildTransaction, type InsightsRepository } from './insights-repository.ts'
import { rangeOf, type Unit } from './periods.ts'
import { encodeRows } from './snapshot-codec.ts'

export const insightNames = ['reach', 'voice', 'closing-the-loop', 'trust', 'who-takes-part'] as const
export type InsightName = (typeof insightNames)[number]
/** Voice and closing the loop are kept by month, the others by quarter; every margin keeps its period (insight-tables). */
export const unitOf: Record<InsightName, Unit> = { reach: 'quarter', voice: 'month', 'closing-the-loop': 'month', trust: 'quarter', 'who-takes-part': 'quarter' }

/**
 * How long one of a build's queries may run: a build runs in the background (after an agency's first), and a large
 * agency's GROUP BY over a million rows may need more than a request's DB_STATEMENT_TIMEOUT_MS.
 */
export const BUILD_STATEMENT_TIMEOUT_MS = 300_000

/** A stored period's version and build id (caches key on the id: a rebuilt period never answers from an older entry). */
export type Version = { version: number; id: string }
/**
 * How a period is built: `missing` waits for another instance's build of it, then builds only if still missing; `stale`
 * and `try` skip a period another instance is building; `force` rebuilds whatever is stored.
 */
export type BuildMode = 'missing' | 'stale' | 'try' | 'force'
/** Test hooks: runs after a period's tables are built and before they are stored. */
export type InsightsHooks = { beforeStore?: (unit: Unit, period: string) => Promise<void> }
/** What a build needs of its agency (plain data: it crosses to the build process as JSON). */
export type BuildAgency = { id: string; timeZone: string }
export type BuildRequest = { agency: BuildAgency; unit: Unit; period: string; mode: BuildMode }
/** The period's stored version after the build (null: another instance holds its lock), and whether this build made it. */
export type BuildResult = { version: Version | null; computed: boolean }
export type InsightBuilder = {
  build(request: BuildRequest): Promise<BuildResult>
  /** Waits for nothing: callers wait for their builds first. Ends a build process. */
  close(): Promise<void>
  /** The build process's id while one runs (tests and benchmarks). */
  pid(): number | undefined
}

type MonthTables = { voice: Snapshot; 'closing-the-loop': Snapshot }
type QuarterTables = { reach: Snapshot; trust: Snapshot; 'who-takes-part': Snapshot; events: ReadonlySet<string> }
type Areas = Awaited<ReturnType<ReturnType<typeof createAgenciesRepository>['listAreas']>>

/** A digest of what a build reads besides the watermarked sources: the agency's time zone and each area's outermost area. */
export const inputsOf = (agency: BuildAgency, areas: Areas) => createHash('sha1').update(JSON.stringify([agency.timeZone, areas.map((a) => [a.id, a.lineage[0] ?? a.id])])).digest('base64url')

/** Builds periods in this process. `settings`: the limits the tables are protected at (stored tables are keyed by them). */
export function createInsightBuilder({ database, settings, hooks = {} }: { database: Database; settings: Limits; hooks?: InsightsHooks }): InsightBuilder {
  const { db } = database
  const limits = `${settings.threshold}/${settings.minResponses}`
  const store = () => createInsightStoreRepository(db)
  const buildQuery = <T>(query: (repo: InsightsRepository) => Promise<T>) => inBuildTransaction(db, BUILD_STATEMENT_TIMEOUT_MS, query)

  /** Voice and closing the loop of one month, from that month's rows only (an index range on received_at). */
  async function buildMonth(agency: BuildAgency, month: string, areas: Areas): Promise<MonthTables> {
    const range = rangeOf(month, 'month')
    const [feedback, days] = await Promise.all([buildQuery((repo) => repo.feedback(agency.id, agency.timeZone, range)), buildQuery((repo) => repo.days(agency.id, agency.timeZone, range))])
    // Voice rolls up as reach does: each item's area also counts toward its outermost area.
    const topOf = new Map(areas.map((a) => [a.id, a.lineage[0] ?? a.id]))
    const top = (area: string) => (area ? (topOf.get(area) ?? area) : '')
    const { voice, loop } = buildFeedback(feedback.map((r) => ({ ...r, topArea: top(r.area) })), days.map((d) => ({ ...d, topArea: top(d.area) })), settings)
    return { voice: inAnswerOrder(voice), 'closing-the-loop': inAnswerOrder(loop) }
  }

  /** Reach, trust and who takes part of one quarter, from the events starting in it (an index range on starts_at). */
  async function buildQuarter(agency: BuildAgency, quarter: string, areas: Areas): Promise<QuarterTables> {
    const range = rangeOf(quarter, 'quarter')
    const [events, people, surveys] = await Promise.all([
      buildQuery((repo) => repo.events(agency.id, agency.timeZone, range)),
      buildQuery((repo) => repo.people(agency.id, agency.timeZone, range)),
      buildQuery((repo) => repo.surveys(agency.id, agency.timeZone, range)),
    ])
    // Each area's outermost ancestor: reach rolls its figures up to it (a district's reach is its beats').
    const topOf = new Map(areas.map((a) => [a.id, a.lineage[0] ?? a.id]))
    const eventRows: EventRow[] = events.map((e) => ({ eventId: e.id, area: e.areaId ?? '', topArea: e.areaId ? (topOf.get(e.areaId) ?? e.areaId) : '', ...slotOf(new Date(e.startsAt), e.timeZone), format: e.format, kind: e.kind, languages: [...new Set([...e.languages, ...e.interpretation])].sort().join('+'), period: quarter, counted: e.counted, headCount: e.headCount }))
    // The rows as read (no copy without the unanswered questions: the tables count null as not answered)
    const reach = buildReach(eventRows, people, settings)
    return {
      reach: inAnswerOrder(reach.snapshot),
      // Online-only responses count in their own area (rolled up as reach's) and quarter, with no meeting.
      trust: inAnswerOrder(buildTrust(surveys, reach.eventKey, settings, { period: quarter, topOf: (area) => topOf.get(area) ?? area })),
      'who-takes-part': inAnswerOrder(buildWhoTakesPart(reach, people, settings)),
      events: new Set(events.map((e) => e.id)),
    }
  }

  /**
   * Builds one period and stores it, unless the store already holds what the mode asks for. On PostgreSQL the build
   * holds the period's advisory lock in the transaction that swaps its snapshots in, so whichever instance takes the
   * lock builds and the others wait for (or skip) it; a build that fails or is killed rolls back, and the previous
   * version keeps answering.
   */
  async function build({ agency, unit, period, mode }: BuildRequest): Promise<BuildResult> {
    const key = { agencyId: agency.id, limits, unit, period }
    const areas = await createAgenciesRepository(db).listAreas(agency.id)
    const inputs = inputsOf(agency, areas)
    const stored = (row?: StoredPeriod): BuildResult => ({ version: row && row.version > 0 ? { version: row.version, id: row.id } : null, computed: false })
    const wanted = (row?: StoredPeriod) =>
      mode === 'force' || (mode === 'stale' ? !!row && row.version > 0 && (row.marks > row.builtMarks || row.inputs !== inputs) : !row || row.version === 0)
    // The marks are read before the sources: a change marked meanwhile leaves the period stale for the next rebuild.
    const compute = async (row: StoredPeriod | undefined) => {
      const tables: Partial<Record<InsightName, Snapshot>> & { events?: ReadonlySet<string> } = unit === 'month' ? await buildMonth(agency, period, areas) : await buildQuarter(agency, period, areas)
      await hooks.beforeStore?.(unit, period)
      const snapshots = insightNames.filter((n) => unitOf[n] === unit).map((n) => ({ insight: n, rows: encodeRows(tables[n]!.rows) }))
      return { id: randomUUID(), inputs, events: [...(tables.events ?? [])], builtMarks: row?.marks ?? 0, snapshots }
    }
    const save = async (repo: InsightStoreRepository, build: Awaited<ReturnType<typeof compute>>): Promise<BuildResult> => ({ version: { version: await repo.store(key, build), id: build.id }, computed: true })
    let result: BuildResult
    if (database.kind === 'postgres') {
      result = await db.transaction(async (tx) => {
        const repo = createInsightStoreRepository(tx)
        await repo.timeouts(BUILD_STATEMENT_TIMEOUT_MS)
        if (!(await repo.lock(`insights|${agency.id}|${limits}|${unit}|${period}`, mode === 'missing' || mode === 'force'))) return { version: null, computed: false }
        const row = await repo.period(key)
        return wanted(row) ? save(repo, await compute(row)) : stored(row)
      })
    } else {
      // PGlite: one connection in one process (a transaction held through the build would stop its reads): build, then swap in one transaction.
      const row = await store().period(key)
      if (wanted(row)) {
        const build = await compute(row)
        result = await db.transaction((tx) => save(createInsightStoreRepository(tx), build))
      } else result = stored(row)
    }
    return result
  }

  return { build, close: async () => {}, pid: () => undefined }
}

/** Sorts a snapshot's rows once, as answers list them (by the dimensions kept, then by key), so requests need not. */
function inAnswerOrder(snapshot: Snapshot): Snapshot {
  const keyed = snapshot.rows.map((row) => ({
    row,
    by: JSON.stringify(row.level === 'margin' ? [...row.family] : []),
    key: JSON.stringify(Object.fromEntries(Object.entries(row.key).map(([k, v]) => [k, v === '' ? null : v]))),
  }))
  keyed.sort((a, b) => a.by.localeCompare(b.by) || a.key.localeCompare(b.key))
  snapshot.rows = keyed.map((k) => k.row)
  return snapshot
}

const formatters = new Map<string, Intl.DateTimeFormat>()
function partsIn(date: Date, timeZone: string) {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'long', hour: 'numeric', hourCycle: 'h23' })
    formatters.set(timeZone, f)
  }
  const parts = Object.fromEntries(f.formatToParts(date).map((p) => [p.type, p.value]))
  return { weekday: parts.weekday!.toLowerCase(), hour: Number(parts.hour) }
}

/** Weekday and band of the day a meeting starts at, in its own time zone. */
export function slotOf(date: Date, timeZone: string): { weekday: string; timeOfDay: string } {
  const { weekday, hour } = partsIn(date, timeZone)
  const timeOfDay = hour >= 5 && hour < 12 ? 'morning' : hour >= 12 && hour < 17 ? 'afternoon' : hour >= 17 && hour < 22 ? 'evening' : 'night'
  return { weekday, timeOfDay }
}
