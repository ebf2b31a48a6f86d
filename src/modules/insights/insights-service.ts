/** Insights for analysts: aggregate answers, each a selection of whole cells from one suppressed canonical table per agency. */
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import type { Database } from '../../db/client.ts'
import { eventFormats, eventKinds } from '../../db/schema/index.ts'
import { AppError, validationFailed } from '../../errors.ts'
import { createAgenciesRepository, type AgencyRow } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import { parseInput } from '../shared/validation.ts'
import { select, type Entry, type Selection } from './canonical-table.ts'
import { buildFeedback, buildReach, buildTrust, buildWhoTakesPart, type EventRow, type Limits, type PublishedRow, type Snapshot } from './insight-tables.ts'
import { createInsightsRepository, inBuildTransaction, type InsightsRepository } from './insights-repository.ts'
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
  })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'must not be after to', path: ['from'] })
export type InsightQuery = z.input<typeof insightQuery>

type Snapshots = { reach: Snapshot; voice: Snapshot; 'closing-the-loop': Snapshot; trust: Snapshot; 'who-takes-part': Snapshot }
type CacheEntry = { watermark: string; checkedAt: number; snapshots: Snapshots }

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
  const cache = new Map<string, CacheEntry>()
  const building = new Map<string, Promise<CacheEntry>>()

  const buildQuery = <T>(query: (repo: InsightsRepository) => Promise<T>) => inBuildTransaction(db, BUILD_STATEMENT_TIMEOUT_MS, query)

  /** Builds every canonical table of an agency from the source tables (the only place that reads them in bulk). */
  async function compute(agency: AgencyRow, watermark: string): Promise<CacheEntry> {
    const [events, people, feedback, days, surveys] = await Promise.all([
      buildQuery((repo) => repo.events(agency.id)),
      buildQuery((repo) => repo.people(agency.id, agency.timeZone)),
      buildQuery((repo) => repo.feedback(agency.id, agency.timeZone)),
      buildQuery((repo) => repo.days(agency.id, agency.timeZone)),
      buildQuery((repo) => repo.surveys(agency.id)),
    ])
    const eventRows: EventRow[] = events.map((e) => ({ eventId: e.id, area: e.areaId ?? '', ...slotOf(new Date(e.startsAt), e.timeZone), format: e.format, kind: e.kind, languages: [...new Set([...e.languages, ...e.interpretation])].sort().join('+'), period: quarterOf(new Date(e.startsAt), agency.timeZone), counted: e.counted, headCount: e.headCount }))
    const personRows = people.map((p) => ({ eventId: p.eventId, answers: Object.fromEntries(Object.entries(p.answers).filter(([, v]) => v !== null)) as Record<string, string | string[]> }))
    const reach = buildReach(eventRows, personRows, settings)
    const { voice, loop } = buildFeedback(feedback, days, settings)
    return {
      watermark,
      checkedAt: Date.now(),
      snapshots: inAnswerOrder({ reach: reach.snapshot, voice, 'closing-the-loop': loop, trust: buildTrust(surveys, reach.eventKey, settings), 'who-takes-part': buildWhoTakesPart(reach, personRows, settings) }),
    }
  }

  /** Starts (once per agency, however many callers ask) a build of the agency's tables; the cache takes the result. */
  function rebuild(agency: AgencyRow, watermark: string): Promise<CacheEntry> {
    let pending = building.get(agency.id)
    if (!pending) {
      pending = compute(agency, watermark)
        .then((entry) => (cache.set(agency.id, entry), entry))
        .finally(() => building.delete(agency.id))
      building.set(agency.id, pending)
    }
    return pending
  }

  /**
   * The agency's tables: from memory while fresh. When the sources changed, the tables are rebuilt in the background
   * and the previous ones keep answering until the new ones are ready (a large agency's build takes seconds); only
   * the very first answer waits for a build. Every answer is one whole, consistently suppressed snapshot.
   */
  async function snapshotsOf(agency: AgencyRow): Promise<Snapshots> {
    const hit = cache.get(agency.id)
    if (hit && Date.now() - hit.checkedAt < settings.refreshSeconds * 1000) return hit.snapshots
    const watermark = await createInsightsRepository(db).watermark(agency.id)
    if (hit) {
      hit.checkedAt = Date.now()
      if (hit.watermark !== watermark) rebuild(agency, watermark).catch((err) => log?.error({ err, agency: agency.slug }, 'insight tables were not rebuilt; the previous ones still answer'))
      return hit.snapshots
    }
    return (await rebuild(agency, watermark)).snapshots
  }

  async function agencyOf(ref: string): Promise<AgencyRow> {
    const agency = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref) ? (await agencies.byIds([ref])).get(ref) : await agencies.bySlug(ref)
    if (!agency) throw new AppError('AGENCY_NOT_FOUND', `Agency ${ref} was not found`)
    return agency
  }

  const service = {
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
      const areaIds = new Set((await createAgenciesRepository(db).listAreas(agency.id)).map((a) => a.id))
      const badAreas = (query.area ?? []).flatMap((a, i) => (areaIds.has(a) ? [] : [{ field: `area.${i}`, message: 'is not an area of this agency' }]))
      if (badAreas.length) throw validationFailed(badAreas)
      const snapshot = (await snapshotsOf(agency))[name]

      const selection: Selection = {}
      if (query.area) selection.area = new Set(query.area)
      if (query.kind && snapshot.dims.includes('kind')) selection.kind = new Set(query.kind)
      if (query.format && snapshot.dims.includes('format')) selection.format = new Set(query.format)
      const period = periodSelection(snapshot, query.from, query.to)
      if (period.values) selection.period = period.values

      const entries = selectEntries(snapshot, selection)
      const rows = entries.map((e) => snapshot.rows[e.index]!)
      const counts = { primary: 0, complementary: 0, insufficientResponses: 0 }
      const render = (r: PublishedRow): InsightRow => {
        for (const m of Object.values(r.measures)) countReasons(m, counts)
        return {
          key: Object.fromEntries(Object.entries(r.key).map(([k, v]) => [k, v === '' ? null : v])),
          ...(r.level === 'margin' ? { by: [...r.family] } : {}),
          ...r.measures,
        }
      }
      // Snapshot rows are kept in answer order (inAnswerOrder), and a selection keeps that order.
      const cells = rows.filter((r) => r.level === 'cell').map(render)
      const margins = rows.filter((r) => r.level === 'margin').map(render)
      const out: InsightAnswer = {
        insight: name,
        agency: agency.slug,
        period: { unit: snapshot.periodUnit, from: period.from, to: period.to },
        cells,
        margins,
        suppression: { threshold: settings.threshold, minResponses: settings.minResponses, ...counts, method: METHOD },
      }
      if (name === 'reach') {
        // Meetings are public, so where none was held is too: areas and weekly slots with no meeting in the selection.
        const reached = cells.filter((c) => (c.events as number) > 0)
        const areas = new Set(reached.map((c) => c.key.area))
        const slots = new Set(reached.map((c) => `${c.key.weekday}/${c.key.timeOfDay}`))
        out.gaps = {
          areas: [...areaIds].filter((a) => !areas.has(a) && (!selection.area || selection.area.has(a))).sort(),
          slots: weekdays.flatMap((weekday) => timesOfDay.filter((timeOfDay) => !slots.has(`${weekday}/${timeOfDay}`)).map((timeOfDay) => ({ weekday, timeOfDay }))),
        }
      }
      return out
    },

    /** Rebuilds an agency's tables now, whatever their age (benchmarks and operations). */
    async refresh(agencySlug: string): Promise<void> {
      const agency = await agencyOf(agencySlug)
      cache.set(agency.id, await compute(agency, await createInsightsRepository(db).watermark(agency.id)))
    },
  }
  return service
}
export type InsightsService = ReturnType<typeof createInsightsService>
/** Where work done outside a request reports failure (the app's logger, in practice). */
export type ErrorLog = { error: (details: object, message: string) => void }

type Selectable = { entries: Entry[]; byPeriod: Map<string, Entry[]> }
const selectableBySnapshot = new WeakMap<Snapshot, Selectable>()
/** A snapshot's rows as table entries for selection, also by period (every row has one), made once per snapshot. */
function selectable(snapshot: Snapshot): Selectable {
  let s = selectableBySnapshot.get(snapshot)
  if (!s) {
    const entries = snapshot.rows.map((r, index): Entry => ({ key: r.key, kind: r.level, family: r.family, index }))
    const byPeriod = new Map<string, Entry[]>()
    for (const e of entries) (byPeriod.get(e.key.period!) ?? byPeriod.set(e.key.period!, []).get(e.key.period!)!).push(e)
    selectableBySnapshot.set(snapshot, (s = { entries, byPeriod }))
  }
  return s
}

/** The entries a selection shows, in snapshot order; a period filter reads only its periods' entries. */
function selectEntries(snapshot: Snapshot, selection: Selection): Entry[] {
  const { entries, byPeriod } = selectable(snapshot)
  if (!selection.period) return select({ entries }, selection)
  const inPeriods = [...selection.period].flatMap((p) => byPeriod.get(p) ?? [])
  return select({ entries: inPeriods }, selection).sort((a, b) => a.index - b.index)
}

/** Sorts each snapshot's rows once, as answers list them (by the dimensions kept, then by key), so requests need not. */
function inAnswerOrder(snapshots: Snapshots): Snapshots {
  for (const snapshot of Object.values(snapshots)) {
    const keyed = snapshot.rows.map((row) => ({
      row,
      by: JSON.stringify(row.level === 'margin' ? [...row.family] : []),
      key: JSON.stringify(Object.fromEntries(Object.entries(row.key).map(([k, v]) => [k, v === '' ? null : v]))),
    }))
    keyed.sort((a, b) => a.by.localeCompare(b.by) || a.key.localeCompare(b.key))
    snapshot.rows = keyed.map((k) => k.row)
  }
  return snapshots
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
 * The periods a from/to range keeps: whole months or quarters only, widened outward to the unit (a filter can
 * only select whole cells). Returns the widened bounds for the answer to state.
 */
function periodSelection(snapshot: Snapshot, from?: string, to?: string): { values?: Set<string>; from: string | null; to: string | null } {
  if (!from && !to) return { from: null, to: null }
  const unitStart = (date: string) => periodStart(periodOfDate(date, snapshot.periodUnit), snapshot.periodUnit)
  const start = from ? unitStart(from) : null
  const endPeriod = to ? periodOfDate(to, snapshot.periodUnit) : null
  const end = endPeriod ? lastDay(endPeriod, snapshot.periodUnit) : null
  const present = [...selectable(snapshot).byPeriod.keys()].filter(Boolean)
  const values = new Set(present.filter((p) => (!start || periodStart(p, snapshot.periodUnit) >= start) && (!end || periodStart(p, snapshot.periodUnit) <= end)))
  return { values, from: start, to: end }
}

const pad = (n: number) => String(n).padStart(2, '0')
function periodOfDate(date: string, unit: 'month' | 'quarter'): string {
  const [y, m] = date.split('-').map(Number)
  return unit === 'month' ? `${y}-${pad(m!)}` : `${y}-Q${Math.ceil(m! / 3)}`
}
function periodStart(period: string, unit: 'month' | 'quarter'): string {
  if (unit === 'month') return `${period}-01`
  const [y, q] = period.split('-Q').map(Number)
  return `${y}-${pad((q! - 1) * 3 + 1)}-01`
}
function lastDay(period: string, unit: 'month' | 'quarter'): string {
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
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', weekday: 'long', hour: 'numeric', hourCycle: 'h23' })
    formatters.set(timeZone, f)
  }
  const parts = Object.fromEntries(f.formatToParts(date).map((p) => [p.type, p.value]))
  return { year: Number(parts.year), month: Number(parts.month), weekday: parts.weekday!.toLowerCase(), hour: Number(parts.hour) }
}

/** Weekday and band of the day a meeting starts at, in its own time zone. */
export function slotOf(date: Date, timeZone: string): { weekday: string; timeOfDay: string } {
  const { weekday, hour } = partsIn(date, timeZone)
  const timeOfDay = hour >= 5 && hour < 12 ? 'morning' : hour >= 12 && hour < 17 ? 'afternoon' : hour >= 17 && hour < 22 ? 'evening' : 'night'
  return { weekday, timeOfDay }
}

export function quarterOf(date: Date, timeZone: string): string {
  const { year, month } = partsIn(date, timeZone)
  return `${year}-Q${Math.ceil(month / 3)}`
}
