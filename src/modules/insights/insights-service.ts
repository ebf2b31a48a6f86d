/** Insights for analysts: aggregate answers, each a selection of whole cells from one suppressed canonical table per agency. */
import { createHash, randomUUID } from 'node:crypto'
import { z } from 'zod'
import type { Clock } from '../../clock.ts'
import type { RequestContext } from '../../context.ts'
import type { Database } from '../../db/client.ts'
import { eventFormats, eventKinds } from '../../db/schema/index.ts'
import { validationFailed } from '../../errors.ts'
import { createAgenciesRepository, type AgencyRow } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import { parseInput } from '../shared/validation.ts'
import { select, type Selection } from './canonical-table.ts'
import { buildCommunityTrust, cycles, quarterOf, type CommunityTrustRow, type Linked } from './community-trust.ts'
import { buildFeedback, buildReach, buildTrust, buildWhoTakesPart, FEEDBACK_DIMS, LOOP_CELL, REACH_DIMS, TRUST_DIMS, WHO_DIMS, type EventRow, type Limits, type Published, type PublishedRow, type Snapshot } from './insight-tables.ts'
import { createByteLru } from './byte-lru.ts'
import { createInsightStoreRepository, INSIGHTS_CHANNEL, type InsightStoreRepository, type StoredPeriod } from './insight-store-repository.ts'
import { createInsightsRepository, inBuildTransaction, type InsightsRepository, type PeriodRange, type PeriodSpan, type Watermark } from './insights-repository.ts'
import type { SuppressionReason } from './suppression.ts'

export const insightNames = ['reach', 'voice', 'closing-the-loop', 'trust', 'who-takes-part'] as const
export type InsightName = (typeof insightNames)[number]

export type InsightsSettings = Limits & {
  /** How long a computed table is served before the source tables are checked for changes again. */
  refreshSeconds: number
  /** The most stored JSON text of parsed snapshots one instance keeps (DEFAULT_INSIGHTS_CACHE_BYTES). */
  cacheBytes?: number
}
/**
 * How long one of a build's queries may run: a build runs in the background (after an agency's first), and a large
 * agency's GROUP BY over a million rows may need more than a request's DB_STATEMENT_TIMEOUT_MS.
 */
const BUILD_STATEMENT_TIMEOUT_MS = 300_000
export const defaultInsightsSettings: InsightsSettings = { threshold: 11, minResponses: 11, refreshSeconds: 30 }

const isoDate = z.iso.date({ error: 'must be a date, e.g. 2026-01-01' })
const list = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).max(100)]).transform((v) => [v].flat() as z.output<T>[])
export const insightQuery = z
  .object({
    agency: z.string().min(1).max(100),
    area: list(z.string().min(1).max(100)).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    kind: list(z.enum([...eventKinds, 'none'])).optional(),
    format: list(z.enum([...eventFormats, 'none'])).optional(),
    topic: list(z.string().regex(/^[a-z][a-z0-9_]{1,62}$/, { error: 'must be a topic code' })).optional(),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be after to', path: ['from'] })
export type InsightQuery = z.input<typeof insightQuery>

export const communityTrustQuery = z
  .object({
    agency: z.string().min(1).max(100),
    cycle: z.enum(cycles).default('quarter'),
    area: list(z.string().min(1).max(100)).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be after to', path: ['from'] })

export type CommunityTrustAnswer = {
  insight: 'community-trust'
  agency: string
  cycle: 'month' | 'quarter'
  period: { unit: 'month' | 'quarter'; from: string | null; to: string | null }
  tiers: { withheldBelow: number; flaggedBelow: number }
  rows: CommunityTrustRow[]
  suppression: InsightAnswer['suppression']
  weighting: string
}
const WEIGHTING =
  "Answers are raked (iterative proportional fitting, weights trimmed to 0.2–5 × the mean) to the area's population margins on age band, gender, race or ethnicity and language (the answer's language); prefer_not_to_say and unanswered questions keep their weight on that dimension. An area without margins of its own uses the sum of its sub-areas' (when every one has them), else its nearest ancestor's, else it is reported unweighted (weighting.basis says which). Margins of error are 95%, from the weighted variance over Kish's effective sample size. Every figure is shown only where its unweighted response count is shown and reaches the agency's withheld tier."

type Unit = 'month' | 'quarter'
/** Voice and closing the loop are kept by month, the others by quarter; every margin keeps its period (insight-tables). */
const unitOf: Record<InsightName, Unit> = { reach: 'quarter', voice: 'month', 'closing-the-loop': 'month', trust: 'quarter', 'who-takes-part': 'quarter' }
const dimsOf: Record<InsightName, readonly string[]> = { reach: REACH_DIMS, voice: FEEDBACK_DIMS, 'closing-the-loop': LOOP_CELL, trust: TRUST_DIMS, 'who-takes-part': WHO_DIMS }
type MonthTables = { voice: Snapshot; 'closing-the-loop': Snapshot }
type QuarterTables = { reach: Snapshot; trust: Snapshot; 'who-takes-part': Snapshot; events: ReadonlySet<string> }
type Areas = Awaited<ReturnType<ReturnType<typeof createAgenciesRepository>['listAreas']>>

/**
 * What this instance knows of an agency: the sources' watermark it last saw, the periods with data, and a digest of
 * the other inputs (time zone, area tree). The tables themselves live in PostgreSQL (insight_periods, insight_snapshots).
 */
type AgencyState = { watermark: Watermark; checkedAt: number; periods: Record<Unit, string[]>; inputs: string; refreshing: boolean }
/** A stored period's version and build id (caches key on the id: a rebuilt period never answers from an older entry). */
type Version = { version: number; id: string }
/**
 * How a period is built: `missing` waits for another instance's build of it, then builds only if still missing; `stale`
 * and `try` skip a period another instance is building; `force` rebuilds whatever is stored.
 */
type BuildMode = 'missing' | 'stale' | 'try' | 'force'
/** Test hooks: runs after a period's tables are built and before they are stored. */
export type InsightsHooks = { beforeStore?: (unit: Unit, period: string) => Promise<void> }

/** Parsed snapshots kept per instance, weighed by their stored JSON text (the parsed objects weigh a few times more). */
export const DEFAULT_INSIGHTS_CACHE_BYTES = 24 * 1024 * 1024
/** Rendered answers kept per instance, weighed at about ANSWER_ROW_BYTES a row (a whole large table is never kept). */
const ANSWER_CACHE_BYTES = 8 * 1024 * 1024
const ANSWER_ROW_BYTES = 300
/** Periods whose snapshots one statement reads. */
const FETCH_PERIODS = 4
/** Builds one instance runs at once: each holds a connection for its lock and needs others for its reads. */
const CONCURRENT_BUILDS = 2

export type InsightRow = { key: Record<string, string | null>; by?: string[] } & Record<string, unknown>
export type InsightAnswer = {
  insight: InsightName
  agency: string
  period: { unit: 'month' | 'quarter'; from: string | null; to: string | null }
  cells: InsightRow[]
  margins: InsightRow[]
  suppression: { threshold: number; minResponses: number; primary: number; complementary: number; insufficientResponses: number; method: string }
  gaps?: { areas: string[]; slots: { weekday: string; timeOfDay: string }[] }
}

export const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const
export const timesOfDay = ['morning', 'afternoon', 'evening', 'night'] as const
const METHOD =
  'Counts of 1 to threshold−1 are suppressed (PRIMARY); further entries are suppressed (COMPLEMENTARY) until no suppressed value is determined by the published totals. Every answer is a selection of whole cells and margins of one canonical table per agency, so no two answers can be differenced. Means and percentiles need at least minResponses answers (INSUFFICIENT_RESPONSES).'

export function createInsightsService({ database, agencies, clock, log, settings = defaultInsightsSettings, hooks = {} }: { database: Database; agencies: AgenciesService; clock: Clock; log?: ErrorLog; settings?: InsightsSettings; hooks?: InsightsHooks }) {
  const { db } = database
  /** Stored tables are keyed by the limits they were protected at: a table protected at other limits never answers. */
  const limits = `${settings.threshold}/${settings.minResponses}`
  const states = new Map<string, AgencyState>()
  const opening = new Map<string, Promise<AgencyState>>()
  /** Stored periods' versions per agency (`unit:period`), kept exact by the rebuild signal while it is heard; else read per answer. */
  const directory = new Map<string, { versions: Map<string, Version>; loaded: Promise<void> }>()
  let listening = false
  let unlisten: (() => Promise<void>) | undefined
  const cache = createByteLru<{ id: string; snapshot: Snapshot }>(settings.cacheBytes ?? DEFAULT_INSIGHTS_CACHE_BYTES)
  /** Rendered answers by question and the build ids they were selected from (read-only objects: callers copy, never mutate). */
  const answers = createByteLru<InsightAnswer>(ANSWER_CACHE_BYTES)
  const building = new Map<string, Promise<Version | undefined>>()
  const running = new Set<Promise<unknown>>()
  const slots = semaphore(CONCURRENT_BUILDS)
  /** Periods this instance built (`agencyId|unit:period` → times): tests and benchmarks read it. */
  const built = new Map<string, number>()
  const store = () => createInsightStoreRepository(db)

  const buildQuery = <T>(query: (repo: InsightsRepository) => Promise<T>) => inBuildTransaction(db, BUILD_STATEMENT_TIMEOUT_MS, query)
  const cacheKey = (agencyId: string, unit: Unit, insight: string, period: string) => `${agencyId}|${unit}|${insight}|${period}`

  /** Voice and closing the loop of one month, from that month's rows only (an index range on received_at). */
  async function buildMonth(agency: AgencyRow, month: string, areas: Areas): Promise<MonthTables> {
    const range = rangeOf(month, 'month')
    const [feedback, days] = await Promise.all([buildQuery((repo) => repo.feedback(agency.id, agency.timeZone, range)), buildQuery((repo) => repo.days(agency.id, agency.timeZone, range))])
    // Voice rolls up as reach does: each item's area also counts toward its outermost area.
    const topOf = new Map(areas.map((a) => [a.id, a.lineage[0] ?? a.id]))
    const top = (area: string) => (area ? (topOf.get(area) ?? area) : '')
    const { voice, loop } = buildFeedback(feedback.map((r) => ({ ...r, topArea: top(r.area) })), days.map((d) => ({ ...d, topArea: top(d.area) })), settings)
    return { voice: inAnswerOrder(voice), 'closing-the-loop': inAnswerOrder(loop) }
  }

  /** Reach, trust and who takes part of one quarter, from the events starting in it (an index range on starts_at). */
  async function buildQuarter(agency: AgencyRow, quarter: string, areas: Areas): Promise<QuarterTables> {
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

  /** Records a stored period's version where this instance keeps the agency's directory (a newer one only). */
  function known(agencyId: string, unit: string, period: string, v: Version) {
    const versions = directory.get(agencyId)?.versions
    const current = versions?.get(`${unit}:${period}`)
    if (versions && (!current || current.version < v.version)) versions.set(`${unit}:${period}`, v)
  }

  /** The agency's stored periods' versions: from the directory while the rebuild signal is heard, else read now. */
  async function versionsOf(agencyId: string): Promise<Map<string, Version>> {
    const load = async (into: Map<string, Version>) => {
      for (const r of await store().periods(agencyId, limits)) {
        const current = into.get(`${r.unit}:${r.period}`)
        if (r.version > 0 && (!current || current.version < r.version)) into.set(`${r.unit}:${r.period}`, { version: r.version, id: r.id })
      }
    }
    if (!listening) {
      const versions = new Map<string, Version>()
      await load(versions)
      return versions
    }
    let entry = directory.get(agencyId)
    if (!entry) {
      const versions = new Map<string, Version>()
      entry = { versions, loaded: load(versions) }
      directory.set(agencyId, entry)
      entry.loaded.catch(() => directory.delete(agencyId))
    }
    await entry.loaded
    return entry.versions
  }

  /** A digest of what a build reads besides the watermarked sources: the agency's time zone and each area's outermost area. */
  const inputsOf = (agency: AgencyRow, areas: Areas) => createHash('sha1').update(JSON.stringify([agency.timeZone, areas.map((a) => [a.id, a.lineage[0] ?? a.id])])).digest('base64url')

  /**
   * Builds one period and stores it, unless the store already holds what the mode asks for. On PostgreSQL the build
   * holds the period's advisory lock in the transaction that swaps its snapshots in, so whichever instance takes the
   * lock builds and the others wait for (or skip) it; a build that fails or is killed rolls back, and the previous
   * version keeps answering.
   */
  async function buildAndStore(agency: AgencyRow, unit: Unit, period: string, mode: BuildMode): Promise<Version | undefined> {
    const key = { agencyId: agency.id, limits, unit, period }
    const areas = await createAgenciesRepository(db).listAreas(agency.id)
    const inputs = inputsOf(agency, areas)
    const stored = (row?: StoredPeriod): Version | undefined => (row && row.version > 0 ? { version: row.version, id: row.id } : undefined)
    const wanted = (row?: StoredPeriod) =>
      mode === 'force' || (mode === 'stale' ? !!row && row.version > 0 && (row.marks > row.builtMarks || row.inputs !== inputs) : !row || row.version === 0)
    // The marks are read before the sources: a change marked meanwhile leaves the period stale for the next rebuild.
    const compute = async (row: StoredPeriod | undefined) => {
      const tables: Partial<Record<InsightName, Snapshot>> & { events?: ReadonlySet<string> } = unit === 'month' ? await buildMonth(agency, period, areas) : await buildQuarter(agency, period, areas)
      built.set(`${agency.id}|${unit}:${period}`, (built.get(`${agency.id}|${unit}:${period}`) ?? 0) + 1)
      await hooks.beforeStore?.(unit, period)
      const snapshots = insightNames.filter((n) => unitOf[n] === unit).map((n) => ({ insight: n, rows: JSON.stringify(tables[n]!.rows) }))
      return { id: randomUUID(), inputs, events: [...(tables.events ?? [])], builtMarks: row?.marks ?? 0, snapshots }
    }
    const save = async (repo: InsightStoreRepository, build: Awaited<ReturnType<typeof compute>>): Promise<Version> => ({ version: await repo.store(key, build), id: build.id })
    let result: Version | undefined
    if (database.kind === 'postgres') {
      result = await db.transaction(async (tx) => {
        const repo = createInsightStoreRepository(tx)
        await repo.timeouts(BUILD_STATEMENT_TIMEOUT_MS)
        if (!(await repo.lock(`insights|${agency.id}|${limits}|${unit}|${period}`, mode === 'missing' || mode === 'force'))) return undefined
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
    if (result) known(agency.id, unit, period, result)
    return result
  }

  /** Builds one period once in this instance however many callers ask (a few builds at a time). */
  function buildOnce(agency: AgencyRow, unit: Unit, period: string, mode: BuildMode): Promise<Version | undefined> {
    const id = `${agency.id}|${unit}:${period}|${mode === 'force' ? 'force' : ''}`
    let pending = building.get(id)
    if (!pending) {
      pending = slots.run(() => buildAndStore(agency, unit, period, mode)).finally(() => building.delete(id))
      building.set(id, pending)
    }
    return pending
  }

  /** A period's stored version, built now (and waited for) when no instance has stored it yet. */
  async function ensure(agency: AgencyRow, versions: Map<string, Version>, unit: Unit, period: string): Promise<Version> {
    const have = versions.get(`${unit}:${period}`)
    if (have) return have
    // A warm-up's try may find another instance building it: then wait for that build.
    const v = (await buildOnce(agency, unit, period, 'missing')) ?? (await buildOnce(agency, unit, period, 'missing'))
    if (!v) throw new Error(`insight period ${unit} ${period} was not built`)
    versions.set(`${unit}:${period}`, v)
    return v
  }

  /** The stored versions of these periods, building (and waiting for) those no instance has stored yet. */
  async function versionsFor(agency: AgencyRow, unit: Unit, periods: readonly string[]): Promise<Map<string, Version>> {
    const versions = await versionsOf(agency.id)
    // Periods never built are built now, in order, CONCURRENT_BUILDS at a time (one's reads overlap another's
    // suppression); stale ones answer until their rebuild is stored.
    const ensured = await Promise.all(periods.map((p) => ensure(agency, versions, unit, p)))
    return new Map(periods.map((p, i) => [p, ensured[i]!]))
  }

  /** One insight's snapshots of these periods, in order: from this instance's cache, else one read of the store. */
  async function snapshotsOf(agency: AgencyRow, unit: Unit, insight: InsightName, periods: readonly string[], given?: Map<string, Version>): Promise<Snapshot[]> {
    const wanted = given ?? (await versionsFor(agency, unit, periods))
    const found = new Map<string, Snapshot>()
    for (const [p, v] of wanted) {
      const hit = cache.get(cacheKey(agency.id, unit, insight, p))
      if (hit && hit.id === v.id) found.set(p, hit.snapshot)
    }
    const missing = periods.filter((p) => !found.has(p))
    for (let attempt = 0; missing.length && attempt < 2; attempt++) {
      // A few periods a statement: a whole large table's JSON text is never held at once, only its parsed rows.
      for (let i = 0; i < missing.length; i += FETCH_PERIODS)
        for (const s of await store().snapshots(agency.id, limits, unit, insight, missing.slice(i, i + FETCH_PERIODS))) {
          const snapshot: Snapshot = { rows: JSON.parse(s.rows) as PublishedRow[] }
          cache.set(cacheKey(agency.id, unit, insight, s.period), { id: s.id, snapshot }, s.rows.length)
          found.set(s.period, snapshot)
        }
      missing.splice(0, missing.length, ...missing.filter((p) => !found.has(p)))
      // Gone from the store since the directory was read (an operator emptied it): build again.
      const versions = missing.length ? await versionsOf(agency.id) : new Map<string, Version>()
      for (const p of missing) {
        versions.delete(`${unit}:${p}`)
        await ensure(agency, versions, unit, p)
      }
    }
    if (missing.length) throw new Error(`insight periods ${missing.join(', ')} are not stored`)
    return periods.map((p) => found.get(p)!)
  }

  /** Rebuilds the agency's stale stored periods one at a time in the background, while their previous versions answer. */
  function rebuildStale(agency: AgencyRow, state: AgencyState, stale: StoredPeriod[]) {
    if (state.refreshing || !stale.length) return
    state.refreshing = true
    const work = (async () => {
      for (const unit of ['month', 'quarter'] as const) for (const r of stale.filter((s) => s.unit === unit)) await buildOnce(agency, unit, r.period, 'stale')
    })()
      .catch((err) => log?.error({ err, agency: agency.slug }, 'insight tables were not rebuilt; the previous ones still answer'))
      .finally(() => {
        state.refreshing = false
        running.delete(work)
      })
    running.add(work)
  }

  /**
   * Brings the store's watermark up to the sources' under the agency's lock: the periods changed since the store's
   * watermark are marked (stale), so whichever instance sweeps next rebuilds them. Then sweeps: rebuilds stale ones.
   */
  async function reconcile(agency: AgencyRow, state: AgencyState): Promise<void> {
    await db.transaction(async (tx) => {
      const repo = createInsightStoreRepository(tx)
      await repo.lock(`insights|${agency.id}|${limits}`, true)
      // The watermark this instance read just now: an older one than another instance stored only marks more than needed.
      const stored = await repo.sources(agency.id, limits)
      if (stored && sameWatermark(stored, state.watermark)) return
      if (stored) await repo.mark(agency.id, limits, state.inputs, await createInsightsRepository(tx).changedSince(agency.id, agency.timeZone, stored))
      await repo.setSources(agency.id, limits, state.watermark)
    })
    const stale = (await store().periods(agency.id, limits)).filter((r) => r.version > 0 && (r.marks > r.builtMarks || r.inputs !== state.inputs))
    rebuildStale(agency, state, stale)
  }

  async function open(agency: AgencyRow, areas: Areas): Promise<AgencyState> {
    const repo = createInsightsRepository(db)
    const [watermark, span] = await Promise.all([repo.watermark(agency.id, clock.now()), repo.span(agency.id, agency.timeZone)])
    const state: AgencyState = { watermark, checkedAt: performance.now(), periods: periodsOf(span), inputs: inputsOf(agency, areas), refreshing: false }
    await reconcile(agency, state)
    return state
  }

  /**
   * What this instance knows of the agency, checked against the sources at most every refreshSeconds: when they (or the
   * area tree) changed, the periods they touched are marked stale in the store and rebuilt in the background while the
   * previous versions keep answering; only a period never built makes an answer wait.
   */
  async function stateOf(agency: AgencyRow, areas: Areas): Promise<AgencyState> {
    const state = states.get(agency.id)
    if (!state) {
      let pending = opening.get(agency.id)
      if (!pending) {
        pending = open(agency, areas).finally(() => opening.delete(agency.id))
        opening.set(agency.id, pending)
      }
      const opened = await pending
      if (!states.has(agency.id)) states.set(agency.id, opened)
      return states.get(agency.id)!
    }
    // A refresh throttle, not domain time: performance.now() is monotonic.
    if (performance.now() - state.checkedAt < settings.refreshSeconds * 1000) return state
    state.checkedAt = performance.now()
    const repo = createInsightsRepository(db)
    const watermark = await repo.watermark(agency.id, clock.now())
    const inputs = inputsOf(agency, areas)
    if (!sameWatermark(watermark, state.watermark) || inputs !== state.inputs) {
      state.periods = periodsOf(await repo.span(agency.id, agency.timeZone))
      state.watermark = watermark
      state.inputs = inputs
    }
    // Reconciled on every check (a few statements): another instance's failed rebuild is taken up here.
    await reconcile(agency, state)
    return state
  }

  /** Hears other instances' rebuilds (and this one's): the directory follows, and replaced snapshots leave the cache. */
  function heard(payload: string) {
    let signal: { agencyId?: unknown; limits?: unknown; unit?: unknown; period?: unknown; version?: unknown; id?: unknown }
    try {
      signal = JSON.parse(payload) as typeof signal
    } catch {
      return
    }
    const { agencyId, unit, period, version, id } = signal
    if (signal.limits !== limits || typeof agencyId !== 'string' || (unit !== 'month' && unit !== 'quarter') || typeof period !== 'string' || typeof version !== 'number' || typeof id !== 'string') return
    known(agencyId, unit, period, { version, id })
    for (const name of insightNames) if (unitOf[name] === unit) {
      const key = cacheKey(agencyId, unit, name, period)
      if (cache.get(key)?.id !== id) cache.delete(key)
    }
  }


  /** The last community-trust table per agency, with what it was built from: rebuilt when any of it changed. */
  const communityTables = new Map<string, { key: string; rows: CommunityTrustRow[] }>()
  async function communityTable(agency: AgencyRow, agencyAreas: Areas): Promise<CommunityTrustRow[]> {
    const repo = createInsightsRepository(db)
    const limits = { threshold: settings.threshold, minResponses: settings.minResponses, tiers: agency.reliabilityTiers }
    const watermark = await repo.watermark(agency.id, clock.now())
    // The same counts the trust and closing-the-loop tables publish (or withhold) are kept as they have them.
    const state = await stateOf(agency, agencyAreas)
    const cached = communityTables.get(agency.id)
    const unchanged = (versions: Map<string, Version>) => JSON.stringify([watermark, agencyAreas.map((a) => [a.id, a.version]), limits, agency.timeZone, [...versions].map(([k, v]) => `${k}@${v.id}`).sort()])
    if (cached?.key === unchanged(await versionsOf(agency.id))) return cached.rows
    const [answers, concerns] = await Promise.all([buildQuery((r) => r.surveyAnswers(agency.id, agency.timeZone)), buildQuery((r) => r.concerns(agency.id, agency.timeZone))])
    const months = [...new Set(concerns.map((c) => c.month))].filter((m) => state.periods.month.includes(m)).sort()
    const quarters = [...new Set([...answers.map((a) => a.month), ...concerns.map((c) => c.month)].map(quarterOf))].filter((q) => state.periods.quarter.includes(q)).sort()
    const loop = await snapshotsOf(agency, 'month', 'closing-the-loop', months)
    const trust = await snapshotsOf(agency, 'quarter', 'trust', quarters)
    const rows = buildCommunityTrust(agencyAreas, answers, concerns, limits, linkedFigures(new Map(quarters.map((q, i) => [q, trust[i]!])), new Map(months.map((m, i) => [m, loop[i]!]))))
    communityTables.set(agency.id, { key: unchanged(await versionsOf(agency.id)), rows })
    return rows
  }

  /** The trust table's response counts by quarter and closing the loop's feedback counts by topic and month, by scope. */
  function linkedFigures(trustByQuarter: Map<string, Snapshot>, loopByMonth: Map<string, Snapshot>): Linked {
    const index = new Map<string, Published>()
    const family = (r: PublishedRow) => [...r.family].sort().join()
    for (const [quarter, t] of trustByQuarter)
      for (const r of t.rows) {
        if (r.level !== 'margin') continue
        const f = family(r)
        const scope = f === 'period' ? 'all' : f === 'area,period' ? `area:${r.key.area}` : f === 'period,topArea' ? `top:${r.key.topArea}` : undefined
        if (scope) index.set(`responses|${quarter}|${scope}`, r.measures.responses as Published)
      }
    for (const [month, t] of loopByMonth)
      for (const r of t.rows) {
        if (r.level !== 'margin') continue
        const f = family(r)
        const scope = f === 'period,topic' ? 'all' : f === 'area,period,topic' ? `area:${r.key.area}` : undefined
        if (scope) index.set(`topic:${r.key.topic}|${month}|${scope}`, r.measures.received as Published)
      }
    return (table, period, scope) =>
      scope.of === 'within' ? undefined : index.get(`${table === 'responses' ? 'responses' : `topic:${table.topic}`}|${period}|${scope.of === 'all' ? 'all' : `${scope.of}:${scope.area}`}`)
  }

  const service = {
    /**
     * Trust and safety by area over survey cycles: weighted and unweighted procedural-justice means per area (every
     * level) and month or quarter, with reliability tiers, trends and the feedback topics raised. A public read, as
     * every insight: each answer selects whole rows of one suppressed table per agency.
     */
    async communityTrust(_ctx: RequestContext, rawQuery: unknown): Promise<CommunityTrustAnswer> {
      const query = parseInput(communityTrustQuery, rawQuery)
      const agency = await agencies.byRef(query.agency)
      const agencyAreas = await createAgenciesRepository(db).listAreas(agency.id)
      const areaIds = new Set(agencyAreas.map((a) => a.id))
      const badAreas = (query.area ?? []).flatMap((a, i) => (areaIds.has(a) ? [] : [{ field: `area.${i}`, message: 'is not an area of this agency' }]))
      if (badAreas.length) throw validationFailed(badAreas)
      const all = await communityTable(agency, agencyAreas)
      // An area filter takes in the areas within it; the agency's own row only when no area is asked for.
      const within = query.area && new Set(agencyAreas.filter((a) => a.lineage.some((id) => query.area!.includes(id))).map((a) => a.id))
      const ofUnit = all.filter((r) => r.cycle.includes('Q') === (query.cycle === 'quarter'))
      const period = periodSelection([...new Set(ofUnit.map((r) => r.cycle))], query.cycle, query.from, query.to)
      const kept = new Set(period.values)
      const rows = ofUnit.filter((r) => kept.has(r.cycle) && (within ? r.area !== null && within.has(r.area) : true))
      const counts = { primary: 0, complementary: 0, insufficientResponses: 0 }
      for (const r of rows) countReasons({ responses: r.responses, ...r.principles, ...r.weighting, concerns: Object.fromEntries(r.concerns.map((c) => [c.topic, c.count])) }, counts)
      return {
        insight: 'community-trust',
        agency: agency.slug,
        cycle: query.cycle,
        period: { unit: query.cycle, from: period.from, to: period.to },
        tiers: agency.reliabilityTiers,
        rows,
        suppression: { threshold: settings.threshold, minResponses: settings.minResponses, ...counts, method: METHOD },
        weighting: WEIGHTING,
      }
    },

    /** The agency insights are asked of, by slug or id; unknown is AGENCY_NOT_FOUND. */
    async agency(ref: string): Promise<{ id: string; slug: string }> {
      const agency = await agencies.byRef(ref)
      return { id: agency.id, slug: agency.slug }
    },

    /**
     * One insight for one agency. Suppressed aggregates are public reads (DESIGN.md, Access): every caller gets the
     * same answer, so there is nothing a role could add or a partner could combine.
     */
    async answer(_ctx: RequestContext, name: InsightName, rawQuery: unknown): Promise<InsightAnswer> {
      const query = parseInput(insightQuery, rawQuery)
      const agency = await agencies.byRef(query.agency)
      const agencyAreas = await createAgenciesRepository(db).listAreas(agency.id)
      const areaIds = new Set(agencyAreas.map((a) => a.id))
      const badAreas = (query.area ?? []).flatMap((a, i) => (areaIds.has(a) ? [] : [{ field: `area.${i}`, message: 'is not an area of this agency' }]))
      if (badAreas.length) throw validationFailed(badAreas)
      const state = await stateOf(agency, agencyAreas)
      const unit = unitOf[name]
      const dims = dimsOf[name]

      const selection: Selection = {}
      // An area filter takes in the areas within it: a district's figures are its beats' too.
      // Rows by area keep the areas asked for and those within them; roll-up rows (by topArea alone) those asked for at the top.
      const within = query.area && new Set(agencyAreas.filter((a) => a.lineage.some((id) => query.area!.includes(id))).map((a) => a.id))
      const tops = query.area && new Set(agencyAreas.filter((a) => a.parentId === null && query.area!.includes(a.id)).map((a) => a.id))
      const inArea = (r: PublishedRow) =>
        !within || (r.family.includes('area') ? within.has(r.key.area!) : r.family.includes('topArea') ? tops!.has(r.key.topArea!) : false)
      if (query.kind && dims.includes('kind')) selection.kind = new Set(query.kind)
      if (query.format && dims.includes('format')) selection.format = new Set(query.format)
      // Trust's topic margins are its rows by topic (a meeting's several topics overlap, so its cells carry `topics`).
      if (query.topic && (dims.includes('topic') || name === 'trust')) selection.topic = new Set(query.topic)
      const period = periodSelection(state.periods[unit], unit, query.from, query.to)
      const versions = await versionsFor(agency, unit, period.values)
      // The same question of the same stored versions (and area tree) has the same answer: dashboards ask it again and again.
      const answerKey = JSON.stringify([agency.id, name, query, [...versions.values()].map((v) => v.id), agencyAreas.map((a) => [a.id, a.version])])
      const cachedAnswer = answers.get(answerKey)
      if (cachedAnswer) return cachedAnswer
      const snapshots = await snapshotsOf(agency, unit, name, period.values, versions)
      // Each period's rows are kept in answer order (inAnswerOrder), and a selection keeps that order.
      const rows = snapshots.flatMap((snapshot) => select({ entries: snapshot.rows }, selection).filter(inArea))
      const counts = { primary: 0, complementary: 0, insufficientResponses: 0 }
      const render = (r: PublishedRow): InsightRow => {
        for (const m of Object.values(r.measures)) countReasons(m, counts)
        return {
          key: Object.fromEntries(Object.entries(r.key).map(([k, v]) => [k, v === '' ? null : v])),
          ...(r.level === 'margin' ? { by: [...r.family] } : {}),
          ...r.measures,
        }
      }
      const cells = rows.filter((r) => r.level === 'cell').map(render)
      const margins = rows.filter((r) => r.level === 'margin').map(render)
      const out: InsightAnswer = {
        insight: name,
        agency: agency.slug,
        period: { unit, from: period.from, to: period.to },
        cells,
        margins,
        suppression: { threshold: settings.threshold, minResponses: settings.minResponses, ...counts, method: METHOD },
      }
      if (name === 'reach') {
        // Meetings are public, so where none was held is too: areas and weekly slots with no meeting in the selection.
        const reached = cells.filter((c) => (c.events as number) > 0)
        // An area is reached when a meeting was held in it or in an area within it (a district through its beats).
        const reachedIds = new Set(reached.map((c) => c.key.area))
        const areas = new Set(agencyAreas.filter((a) => reachedIds.has(a.id)).flatMap((a) => a.lineage))
        const slots = new Set(reached.map((c) => `${c.key.weekday}/${c.key.timeOfDay}`))
        out.gaps = {
          areas: [...areaIds].filter((a) => !areas.has(a) && (!within || within.has(a))).sort(),
          slots: weekdays.flatMap((weekday) => timesOfDay.filter((timeOfDay) => !slots.has(`${weekday}/${timeOfDay}`)).map((timeOfDay) => ({ weekday, timeOfDay }))),
        }
      }
      answers.set(answerKey, out, (cells.length + margins.length) * ANSWER_ROW_BYTES + 1024)
      return out
    },

    /**
     * Builds every agency's periods no instance has stored yet, in the background after start (INSIGHTS_WARM), so that
     * first answers find them ready: quarters first (cheap), then months, newest first (what dashboards ask for). A
     * period another instance is building is skipped, so instances warming together share the work.
     */
    async warm(): Promise<void> {
      for (const agency of await createAgenciesRepository(db).all()) {
        const state = await stateOf(agency, await createAgenciesRepository(db).listAreas(agency.id))
        for (const unit of ['quarter', 'month'] as const) {
          const versions = await versionsOf(agency.id)
          for (const p of [...state.periods[unit]].reverse()) if (!versions.has(`${unit}:${p}`)) await buildOnce(agency, unit, p, 'try')
        }
      }
    },

    /** Builds every period of an agency's tables now, whatever is stored (benchmarks and operations). */
    async refresh(agencySlug: string): Promise<void> {
      const agency = await agencies.byRef(agencySlug)
      const state = await stateOf(agency, await createAgenciesRepository(db).listAreas(agency.id))
      for (const unit of ['month', 'quarter'] as const) for (const p of state.periods[unit]) await buildOnce(agency, unit, p, 'force')
    },

    /** Starts hearing rebuilds signalled by every instance (the app does, once ready); until then versions are read per answer. */
    async start(): Promise<void> {
      unlisten ??= await database.listen(INSIGHTS_CHANNEL, {
        onNotify: heard,
        // (Re)started: signals may have been missed, so the directory is read again.
        onListening: () => {
          directory.clear()
          listening = true
        },
      })
    },

    /** Stops hearing, and waits for background rebuilds to end (each rolls back or commits whole). */
    async stop(): Promise<void> {
      listening = false
      directory.clear()
      const u = unlisten
      unlisten = undefined
      await u?.()
      await Promise.allSettled([...running, ...building.values()])
    },

    /** What this instance built and keeps (tests and benchmarks). */
    stats() {
      return { built: new Map(built), builds: [...built.values()].reduce((a, b) => a + b, 0), building: building.size, cacheBytes: cache.bytes, cached: cache.size }
    },
  }
  return service
}
export type InsightsService = ReturnType<typeof createInsightsService>
/** Where work done outside a request reports failure (the app's logger, in practice). */
export type ErrorLog = { error: (details: object, message: string) => void }

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

function countReasons(m: unknown, counts: { primary: number; complementary: number; insufficientResponses: number }) {
  if (!m || typeof m !== 'object') return
  const reason = (m as { suppressed?: SuppressionReason | null }).suppressed
  if (reason === 'primary') counts.primary++
  else if (reason === 'complementary') counts.complementary++
  else if (reason === 'insufficient_responses') counts.insufficientResponses++
  else if (!('value' in m)) for (const inner of Object.values(m)) countReasons(inner, counts)
}

/**
 * The periods a from/to range keeps, of those with data: whole months or quarters only, widened outward to the unit
 * (a filter can only select whole cells). Returns the widened bounds for the answer to state.
 */
function periodSelection(present: readonly string[], unit: Unit, from?: string, to?: string): { values: string[]; from: string | null; to: string | null } {
  if (!from && !to) return { values: [...present], from: null, to: null }
  const start = from ? periodStart(periodOfDate(from, unit), unit) : null
  const end = to ? lastDay(periodOfDate(to, unit), unit) : null
  const values = present.filter((p) => (!start || periodStart(p, unit) >= start) && (!end || periodStart(p, unit) <= end))
  return { values, from: start, to: end }
}

/** Every period from the first to the last with data (agency time), oldest first. */
function periodsOf(span: PeriodSpan): Record<Unit, string[]> {
  const months: string[] = []
  for (let m = span.firstMonth; m && span.lastMonth && m <= span.lastMonth; m = nextPeriod(m, 'month')) months.push(m)
  const quarters: string[] = []
  for (let q = span.firstQuarter; q && span.lastQuarter && q <= span.lastQuarter; q = nextPeriod(q, 'quarter')) quarters.push(q)
  return { month: months, quarter: quarters }
}

function nextPeriod(period: string, unit: Unit): string {
  const [y, n] = (unit === 'month' ? period.split('-') : period.split('-Q')).map(Number)
  const last = unit === 'month' ? 12 : 4
  return n! === last ? (unit === 'month' ? `${y! + 1}-01` : `${y! + 1}-Q1`) : unit === 'month' ? `${y}-${pad(n! + 1)}` : `${y}-Q${n! + 1}`
}

/** A period as local dates: its first day and the first day after it. */
function rangeOf(period: string, unit: Unit): PeriodRange {
  return { from: periodStart(period, unit), to: periodStart(nextPeriod(period, unit), unit) }
}

const pad = (n: number) => String(n).padStart(2, '0')
function periodOfDate(date: string, unit: Unit): string {
  const [y, m] = date.split('-').map(Number)
  return unit === 'month' ? `${y}-${pad(m!)}` : `${y}-Q${Math.ceil(m! / 3)}`
}
function periodStart(period: string, unit: Unit): string {
  if (unit === 'month') return `${period}-01`
  const [y, q] = period.split('-Q').map(Number)
  return `${y}-${pad((q! - 1) * 3 + 1)}-01`
}
function lastDay(period: string, unit: Unit): string {
  const start = periodStart(period, unit)
  const [y, m] = start.split('-').map(Number)
  const endMonth = unit === 'month' ? m! : m! + 2
  const d = new Date(Date.UTC(y!, endMonth, 0))
  return d.toISOString().slice(0, 10)
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

/** Two watermarks name the same newest changes (the store keeps one as jsonb, whose key order differs). */
function sameWatermark(a: Watermark, b: Watermark): boolean {
  return (Object.keys(b) as (keyof Watermark)[]).every((k) => (a[k] ?? null) === (b[k] ?? null)) && Object.keys(a).length === Object.keys(b).length
}

/** Runs at most `n` tasks at once; the rest wait their turn in order. */
function semaphore(n: number) {
  let free = n
  const waiting: (() => void)[] = []
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (free > 0) free--
      else await new Promise<void>((resolve) => waiting.push(resolve))
      try {
        return await task()
      } finally {
        const next = waiting.shift()
        if (next) next()
        else free++
      }
    },
  }
}
