/** Insights for analysts: aggregate answers, each a selection of whole cells from one suppressed canonical table per agency. */
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import type { Database } from '../../db/client.ts'
import { eventFormats, eventKinds } from '../../db/schema/index.ts'
import { AppError, validationFailed } from '../../errors.ts'
import { createAgenciesRepository, type AgencyRow } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import { parseInput } from '../shared/validation.ts'
import { select, type Selection } from './canonical-table.ts'
import { buildCommunityTrust, cycles, quarterOf, type CommunityTrustRow, type Linked } from './community-trust.ts'
import { buildFeedback, buildReach, buildTrust, buildWhoTakesPart, FEEDBACK_DIMS, LOOP_CELL, REACH_DIMS, TRUST_DIMS, WHO_DIMS, type EventRow, type Limits, type Published, type PublishedRow, type Snapshot } from './insight-tables.ts'
import { createInsightsRepository, inBuildTransaction, type InsightsRepository, type PeriodRange, type PeriodSpan, type Watermark } from './insights-repository.ts'
import type { SuppressionReason } from './suppression.ts'

export const insightNames = ['reach', 'voice', 'closing-the-loop', 'trust', 'who-takes-part'] as const
export type InsightName = (typeof insightNames)[number]

export type InsightsSettings = Limits & {
  /** How long a computed table is served before the source tables are checked for changes again. */
  refreshSeconds: number
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

/**
 * One agency's tables, one period at a time. Each period is protected on its own (every margin keeps its period), so
 * a period is built when first asked for, and rebuilt in the background, alone, when its sources change.
 */
type AgencyTables = {
  watermark: Watermark
  checkedAt: number
  /** Every period with data, oldest first. */
  periods: Record<Unit, string[]>
  built: { month: Map<string, MonthTables>; quarter: Map<string, QuarterTables> }
  /** Built periods whose sources changed since: they answer until rebuilt. */
  stale: Record<Unit, Set<string>>
  building: Map<string, Promise<void>>
  refreshing: boolean
  /** Rises with every period built: what was derived from the tables (community trust) knows when they changed. */
  generation: number
}

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

export function createInsightsService({ database, agencies, log, settings = defaultInsightsSettings }: { database: Database; agencies: AgenciesService; log?: ErrorLog; settings?: InsightsSettings }) {
  const { db } = database
  const tables = new Map<string, AgencyTables>()
  const opening = new Map<string, Promise<AgencyTables>>()

  const buildQuery = <T>(query: (repo: InsightsRepository) => Promise<T>) => inBuildTransaction(db, BUILD_STATEMENT_TIMEOUT_MS, query)

  /** Voice and closing the loop of one month, from that month's rows only (an index range on received_at). */
  async function buildMonth(agency: AgencyRow, month: string): Promise<MonthTables> {
    const range = rangeOf(month, 'month')
    const [feedback, days, areas] = await Promise.all([
      buildQuery((repo) => repo.feedback(agency.id, agency.timeZone, range)),
      buildQuery((repo) => repo.days(agency.id, agency.timeZone, range)),
      createAgenciesRepository(db).listAreas(agency.id),
    ])
    // Voice rolls up as reach does: each item's area also counts toward its outermost area.
    const topOf = new Map(areas.map((a) => [a.id, a.lineage[0] ?? a.id]))
    const top = (area: string) => (area ? (topOf.get(area) ?? area) : '')
    const { voice, loop } = buildFeedback(feedback.map((r) => ({ ...r, topArea: top(r.area) })), days.map((d) => ({ ...d, topArea: top(d.area) })), settings)
    return { voice: inAnswerOrder(voice), 'closing-the-loop': inAnswerOrder(loop) }
  }

  /** Reach, trust and who takes part of one quarter, from the events starting in it (an index range on starts_at). */
  async function buildQuarter(agency: AgencyRow, quarter: string): Promise<QuarterTables> {
    const range = rangeOf(quarter, 'quarter')
    const [events, people, surveys, areas] = await Promise.all([
      buildQuery((repo) => repo.events(agency.id, agency.timeZone, range)),
      buildQuery((repo) => repo.people(agency.id, agency.timeZone, range)),
      buildQuery((repo) => repo.surveys(agency.id, agency.timeZone, range)),
      createAgenciesRepository(db).listAreas(agency.id),
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

  /** Builds one period (once, however many callers ask) and puts it in the agency's tables. */
  function buildPeriod(agency: AgencyRow, state: AgencyTables, unit: Unit, period: string): Promise<void> {
    const id = `${unit}:${period}`
    let pending = state.building.get(id)
    if (!pending) {
      pending = (unit === 'month' ? buildMonth(agency, period).then((t) => void state.built.month.set(period, t)) : buildQuarter(agency, period).then((t) => void state.built.quarter.set(period, t)))
        .then(() => void state.generation++)
        .finally(() => state.building.delete(id))
      state.building.set(id, pending)
    }
    return pending
  }

  /** Rebuilds the stale periods one at a time in the background; a period changed again meanwhile is queued again. */
  async function refreshStale(agency: AgencyRow, state: AgencyTables): Promise<void> {
    if (state.refreshing) return
    state.refreshing = true
    try {
      for (const unit of ['month', 'quarter'] as const)
        for (let next = first(state.stale[unit]); next !== undefined; next = first(state.stale[unit])) {
          state.stale[unit].delete(next)
          await buildPeriod(agency, state, unit, next).catch((err) => {
            state.stale[unit].add(next!)
            throw err
          })
        }
    } finally {
      state.refreshing = false
    }
  }

  async function open(agency: AgencyRow): Promise<AgencyTables> {
    const repo = createInsightsRepository(db)
    const [watermark, span] = await Promise.all([repo.watermark(agency.id), repo.span(agency.id, agency.timeZone)])
    return { watermark, checkedAt: performance.now(), periods: periodsOf(span), built: { month: new Map(), quarter: new Map() }, stale: { month: new Set(), quarter: new Set() }, building: new Map(), refreshing: false, generation: 0 }
  }

  /** Builds, one at a time and in the order given, the periods of these units that are not built yet. */
  async function buildMissing(agency: AgencyRow, state: AgencyTables, units: readonly Unit[], newestFirst: boolean): Promise<void> {
    for (const unit of units)
      for (const p of newestFirst ? [...state.periods[unit]].reverse() : state.periods[unit]) if (!state.built[unit].has(p)) await buildPeriod(agency, state, unit, p)
  }

  /**
   * The agency's tables: from memory while fresh. When the sources changed, the periods they touched are marked
   * stale and rebuilt in the background while the previous ones keep answering; only a period never built yet makes
   * an answer wait. Every period answers from one whole, consistently suppressed table.
   */
  async function tablesOf(agency: AgencyRow): Promise<AgencyTables> {
    let state = tables.get(agency.id)
    if (!state) {
      let pending = opening.get(agency.id)
      if (!pending) {
        pending = open(agency).finally(() => opening.delete(agency.id))
        opening.set(agency.id, pending)
      }
      state = await pending
      if (!tables.has(agency.id)) tables.set(agency.id, state)
      return tables.get(agency.id)!
    }
    // A refresh throttle, not domain time: performance.now() is monotonic.
    if (performance.now() - state.checkedAt < settings.refreshSeconds * 1000) return state
    state.checkedAt = performance.now()
    const repo = createInsightsRepository(db)
    const watermark = await repo.watermark(agency.id)
    if (JSON.stringify(watermark) === JSON.stringify(state.watermark)) return state
    const [changed, span] = await Promise.all([repo.changedSince(agency.id, agency.timeZone, state.watermark), repo.span(agency.id, agency.timeZone)])
    state.watermark = watermark
    state.periods = periodsOf(span)
    for (const month of changed.months) if (state.built.month.has(month)) state.stale.month.add(month)
    for (const quarter of changed.quarters) if (state.built.quarter.has(quarter)) state.stale.quarter.add(quarter)
    // An event that moved to another quarter changed the one it left too.
    for (const [quarter, t] of state.built.quarter) if (changed.events.some((id) => t.events.has(id))) state.stale.quarter.add(quarter)
    refreshStale(agency, state).catch((err) => log?.error({ err, agency: agency.slug }, 'insight tables were not rebuilt; the previous ones still answer'))
    return state
  }

  async function agencyOf(ref: string): Promise<AgencyRow> {
    const agency = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref) ? (await agencies.byIds([ref])).get(ref) : await agencies.bySlug(ref)
    if (!agency) throw new AppError('AGENCY_NOT_FOUND', `Agency ${ref} was not found`)
    return agency
  }

  /** The last community-trust table per agency, with what it was built from: rebuilt when any of it changed. */
  const communityTables = new Map<string, { key: string; rows: CommunityTrustRow[] }>()
  async function communityTable(agency: AgencyRow, agencyAreas: Awaited<ReturnType<ReturnType<typeof createAgenciesRepository>['listAreas']>>): Promise<CommunityTrustRow[]> {
    const repo = createInsightsRepository(db)
    const limits = { threshold: settings.threshold, minResponses: settings.minResponses, tiers: agency.reliabilityTiers }
    const watermark = await repo.watermark(agency.id)
    // The same counts the trust and closing-the-loop tables publish (or withhold) are kept as they have them.
    const state = await tablesOf(agency)
    const cached = communityTables.get(agency.id)
    const unchanged = (generation: number) => JSON.stringify([watermark, agencyAreas.map((a) => [a.id, a.version]), limits, agency.timeZone, generation])
    if (cached?.key === unchanged(state.generation)) return cached.rows
    const [answers, concerns] = await Promise.all([buildQuery((r) => r.surveyAnswers(agency.id, agency.timeZone)), buildQuery((r) => r.concerns(agency.id, agency.timeZone))])
    const months = [...new Set([...answers.map((a) => a.month), ...concerns.map((c) => c.month)])]
    for (const month of new Set(concerns.map((c) => c.month))) if (state.periods.month.includes(month) && !state.built.month.has(month)) await buildPeriod(agency, state, 'month', month)
    for (const quarter of new Set(months.map(quarterOf))) if (state.periods.quarter.includes(quarter) && !state.built.quarter.has(quarter)) await buildPeriod(agency, state, 'quarter', quarter)
    const rows = buildCommunityTrust(agencyAreas, answers, concerns, limits, linkedFigures(state))
    communityTables.set(agency.id, { key: unchanged(state.generation), rows })
    return rows
  }

  /** The trust table's response counts by quarter and closing the loop's feedback counts by topic and month, by scope. */
  function linkedFigures(state: AgencyTables): Linked {
    const index = new Map<string, Published>()
    const family = (r: PublishedRow) => [...r.family].sort().join()
    for (const [quarter, t] of state.built.quarter)
      for (const r of t.trust.rows) {
        if (r.level !== 'margin') continue
        const f = family(r)
        const scope = f === 'period' ? 'all' : f === 'area,period' ? `area:${r.key.area}` : f === 'period,topArea' ? `top:${r.key.topArea}` : undefined
        if (scope) index.set(`responses|${quarter}|${scope}`, r.measures.responses as Published)
      }
    for (const [month, t] of state.built.month)
      for (const r of t['closing-the-loop'].rows) {
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
      const agency = await agencyOf(query.agency)
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
      const agency = await agencyOf(ref)
      return { id: agency.id, slug: agency.slug }
    },

    /**
     * One insight for one agency. Suppressed aggregates are public reads (DESIGN.md, Access): every caller gets the
     * same answer, so there is nothing a role could add or a partner could combine.
     */
    async answer(_ctx: RequestContext, name: InsightName, rawQuery: unknown): Promise<InsightAnswer> {
      const query = parseInput(insightQuery, rawQuery)
      const agency = await agencyOf(query.agency)
      const agencyAreas = await createAgenciesRepository(db).listAreas(agency.id)
      const areaIds = new Set(agencyAreas.map((a) => a.id))
      const badAreas = (query.area ?? []).flatMap((a, i) => (areaIds.has(a) ? [] : [{ field: `area.${i}`, message: 'is not an area of this agency' }]))
      if (badAreas.length) throw validationFailed(badAreas)
      const state = await tablesOf(agency)
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
      // Periods never built are built now (in order, one at a time); stale ones answer until their rebuild is done.
      for (const p of period.values) if (!state.built[unit].has(p)) await buildPeriod(agency, state, unit, p)
      const snapshots = period.values.map((p) => (state.built[unit].get(p) as Partial<Record<InsightName, Snapshot>>)[name]!)
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
      return out
    },

    /**
     * Builds every agency's periods not built yet, in the background after start (INSIGHTS_WARM), so that first
     * answers find them ready: quarters first (cheap), then months, newest first (what dashboards ask for).
     */
    async warm(): Promise<void> {
      for (const agency of await createAgenciesRepository(db).all()) await buildMissing(agency, await tablesOf(agency), ['quarter', 'month'], true)
    },

    /** Builds every period of an agency's tables now, whatever their age (benchmarks and operations). */
    async refresh(agencySlug: string): Promise<void> {
      const agency = await agencyOf(agencySlug)
      const state = await open(agency)
      await buildMissing(agency, state, ['month', 'quarter'], false)
      tables.set(agency.id, state)
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

const first = <T>(set: ReadonlySet<T>): T | undefined => set.values().next().value

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

