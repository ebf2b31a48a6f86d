/** Insights for analysts: aggregate answers, each a selection of whole cells from one suppressed canonical table per agency. */
import pLimit from 'p-limit'
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
import { FEEDBACK_DIMS, LOOP_CELL, REACH_DIMS, TRUST_DIMS, WHO_DIMS, type Limits, type Published, type PublishedRow, type Snapshot } from './insight-tables.ts'
import { decodeRows } from './snapshot-codec.ts'
import { createByteLru } from '../shared/byte-lru.ts'
import { createInsightStoreRepository, INSIGHTS_CHANNEL, type StoredPeriod } from './insight-store-repository.ts'
import { createInsightsRepository, inBuildTransaction, type InsightsRepository, type Watermark } from './insights-repository.ts'
import { createBuildProcess } from './build-process.ts'
import { BUILD_STATEMENT_TIMEOUT_MS, createInsightBuilder, inputsOf, insightNames, unitOf, type BuildMode, type InsightBuilder, type InsightName, type InsightsHooks, type Version } from './insight-builder.ts'
import { periodSelection, periodsOf, type Unit } from './periods.ts'
import type { SuppressionReason } from './suppression.ts'

export { insightNames, slotOf, type InsightName } from './insight-builder.ts'

export type InsightsSettings = Limits & {
  /** How long a computed table is served before the source tables are checked for changes again. */
  refreshSeconds: number
  /** The most memory decoded snapshots may take in one instance, at SNAPSHOT_ROW_BYTES a row (DEFAULT_INSIGHTS_CACHE_BYTES). */
  cacheBytes?: number
  /** Where periods are built on PostgreSQL: a build process of this server's own (the default), or in this process. */
  builder?: 'process' | 'inline'
}
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

const dimsOf: Record<InsightName, readonly string[]> = { reach: REACH_DIMS, voice: FEEDBACK_DIMS, 'closing-the-loop': LOOP_CELL, trust: TRUST_DIMS, 'who-takes-part': WHO_DIMS }
type Areas = Awaited<ReturnType<ReturnType<typeof createAgenciesRepository>['listAreas']>>

/**
 * What this instance knows of an agency: the sources' watermark it last saw, the periods with data, and a digest of
 * the other inputs (time zone, area tree). The tables themselves live in PostgreSQL (insight_periods, insight_snapshots).
 */
type AgencyState = { watermark: Watermark; checkedAt: number; periods: Record<Unit, string[]>; inputs: string; refreshing: boolean }

/** Decoded snapshots kept per instance, weighed at SNAPSHOT_ROW_BYTES a row. */
export const DEFAULT_INSIGHTS_CACHE_BYTES = 24 * 1024 * 1024
/** What a decoded row holds (measured: 281 bytes a row over three months of a large agency's voice and loop tables). */
const SNAPSHOT_ROW_BYTES = 300
/** Rendered answers kept per instance, weighed at about ANSWER_ROW_BYTES a row (a whole large table is never kept). */
const ANSWER_CACHE_BYTES = 8 * 1024 * 1024
const ANSWER_ROW_BYTES = 300
/**
 * Periods whose snapshots one statement reads. One: a large agency's month of voice is about 12 MB of JSON text, held
 * by the driver as buffers and a string until parsed, so three months in one result held 35 MB of it at once.
 */
const FETCH_PERIODS = 1
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
  const slots = pLimit(CONCURRENT_BUILDS)
  /** Periods this instance built (`agencyId|unit:period` → times): tests and benchmarks read it. */
  const built = new Map<string, number>()
  const store = () => createInsightStoreRepository(db)
  // On PostgreSQL a build process of this server's own builds (build-process.ts): a build's garbage stays out of this
  // process. PGlite's database lives in this process, and tests' hooks run in it: there they are built here.
  const builder: InsightBuilder =
    database.connection && settings.builder !== 'inline' && !hooks.beforeStore
      ? createBuildProcess({ connection: database.connection, settings: { threshold: settings.threshold, minResponses: settings.minResponses } })
      : createInsightBuilder({ database, settings, hooks })

  const buildQuery = <T>(query: (repo: InsightsRepository) => Promise<T>) => inBuildTransaction(db, BUILD_STATEMENT_TIMEOUT_MS, query)
  const cacheKey = (agencyId: string, unit: Unit, insight: string, period: string) => `${agencyId}|${unit}|${insight}|${period}`

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


  /** Builds one period once in this instance however many callers ask (a few builds at a time). */
  function buildOnce(agency: AgencyRow, unit: Unit, period: string, mode: BuildMode): Promise<Version | undefined> {
    const id = `${agency.id}|${unit}:${period}|${mode === 'force' ? 'force' : ''}`
    let pending = building.get(id)
    if (!pending) {
      pending = slots(() => builder.build({ agency: { id: agency.id, timeZone: agency.timeZone }, unit, period, mode }))
        .then(({ version, computed }) => {
          if (computed) built.set(`${agency.id}|${unit}:${period}`, (built.get(`${agency.id}|${unit}:${period}`) ?? 0) + 1)
          if (version) known(agency.id, unit, period, version)
          return version ?? undefined
        })
        .finally(() => building.delete(id))
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
      // A period a statement: a whole large table's JSON text is never held at once, only its parsed rows.
      for (let i = 0; i < missing.length; i += FETCH_PERIODS)
        for (const s of await store().snapshots(agency.id, limits, unit, insight, missing.slice(i, i + FETCH_PERIODS))) {
          const snapshot: Snapshot = { rows: decodeRows(s.rows) }
          cache.set(cacheKey(agency.id, unit, insight, s.period), { id: s.id, snapshot }, snapshot.rows.length * SNAPSHOT_ROW_BYTES)
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
      await builder.close()
    },

    /** What this instance built and keeps (tests and benchmarks). */
    stats() {
      return { built: new Map(built), builds: [...built.values()].reduce((a, b) => a + b, 0), building: building.size, cacheBytes: cache.bytes, cached: cache.size, builderPid: builder.pid() }
    },
  }
  return service
}
export type InsightsService = ReturnType<typeof createInsightsService>
/** Where work done outside a request reports failure (the app's logger, in practice). */
export type ErrorLog = { error: (details: object, message: string) => void }


function countReasons(m: unknown, counts: { primary: number; complementary: number; insufficientResponses: number }) {
  if (!m || typeof m !== 'object') return
  const reason = (m as { suppressed?: SuppressionReason | null }).suppressed
  if (reason === 'primary') counts.primary++
  else if (reason === 'complementary') counts.complementary++
  else if (reason === 'insufficient_responses') counts.insufficientResponses++
  else if (!('value' in m)) for (const inner of Object.values(m)) countReasons(inner, counts)
}







/** Two watermarks name the same newest changes (the store keeps one as jsonb, whose key order differs). */
function sameWatermark(a: Watermark, b: Watermark): boolean {
  return (Object.keys(b) as (keyof Watermark)[]).every((k) => (a[k] ?? null) === (b[k] ?? null)) && Object.keys(a).length === Object.keys(b).length
}

