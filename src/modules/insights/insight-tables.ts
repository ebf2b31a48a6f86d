/**
 * Builds the five insights' canonical, suppressed tables from raw aggregates (what the repository reads). Pure.
 * Each published table is protected as a whole; tables that share a population are protected together, so a
 * total shown in one is never hidden in another.
 */
import { buildStructure, cellKey, sumInto, type Entry, type Key, type MarginFamily, type TableStructure } from './canonical-table.ts'
import { complementOrders, protect, SEARCH_LIMIT, suppressionReasons, type Relation, type SuppressionReason } from './suppression.ts'

export type Published = { value: number | null; suppressed: SuppressionReason | null }
export type Percentiles = { median: Published; p90: Published }
export type PublishedRow = { key: Key; level: 'cell' | 'margin'; family: readonly string[]; measures: Record<string, Published | Percentiles | number> }
/** One period's table as published: its rows (cells and margins), each figure shown or withheld with its reason. */
export type Snapshot = { rows: PublishedRow[] }
export type Limits = { threshold: number; minResponses: number }

/** One shared, frozen object per reason (most entries of a sparse table are withheld): far less to keep in memory. */
const withheld = Object.fromEntries(suppressionReasons.map((r) => [r, Object.freeze({ value: null, suppressed: r })])) as Record<SuppressionReason, Published>
const nothing: Published = Object.freeze({ value: null, suppressed: null })
/** No figure: withheld for a reason, or none to show. */
const absent = (reason: SuppressionReason | null | undefined): Published => (reason ? withheld[reason] : nothing)
/** Small whole numbers (most shown counts and days) as shared, frozen objects too. */
const smallCounts = Array.from({ length: 1024 }, (_, value): Published => Object.freeze({ value, suppressed: null }))
const shown = (value: number, reason: SuppressionReason | undefined): Published =>
  reason ? withheld[reason] : Number.isInteger(value) && value >= 0 && value < smallCounts.length ? smallCounts[value]! : { value, suppressed: null }
/** A figure as published, shared where it can be: a withheld one by its reason, a small count by its value. */
export const published = (value: number | null, reason: string | null): Published =>
  reason !== null
    ? Object.hasOwn(withheld, reason) ? withheld[reason as SuppressionReason] : { value, suppressed: reason as SuppressionReason }
    : value === null ? nothing : shown(value, undefined)
const withheldPercentiles = Object.fromEntries(suppressionReasons.map((r) => [r, Object.freeze({ median: withheld[r], p90: withheld[r] })])) as Record<SuppressionReason, Percentiles>
const add = (a: number, b: number) => a + b
const zero = () => 0

// ---------------------------------------------------------------------------------------------------------------
// Reach and who takes part: one population (each participant once per quarter, at the first meeting they attended).

/** `topArea`: the outermost area holding `area` (a beat's district; the area itself at the top; '' for none). */
export type EventRow = { eventId: string; area: string; topArea?: string; weekday: string; timeOfDay: string; format: string; languages: string; kind: string; period: string; counted: boolean; headCount: number }
/** A question not answered is null or absent: either counts as not answered. */
export type PersonRow = { eventId: string; answers: Record<string, string | string[] | null> }

export const REACH_DIMS = ['area', 'topArea', 'weekday', 'timeOfDay', 'format', 'languages', 'kind', 'period'] as const
/** Every family keeps the period, so a person is counted once in any published figure. */
export const REACH_FAMILIES: MarginFamily[] = [
  ['period'],
  ['area', 'period'],
  // Roll-up: a district's figures, its beats' summed (topArea is a function of area, so these are margins of the same cells).
  ['topArea', 'period'],
  ['topArea', 'kind', 'period'],
  ['kind', 'period'],
  ['format', 'period'],
  ['languages', 'period'],
  ['weekday', 'timeOfDay', 'period'],
  ['area', 'kind', 'period'],
  ['area', 'kind', 'format', 'period'],
]

export type ReachBuild = { snapshot: Snapshot; people: { structure: TableStructure; values: number[]; status: (SuppressionReason | undefined)[] }; eventKey: Map<string, Key> }

export function buildReach(events: EventRow[], people: PersonRow[], limits: Limits): ReachBuild {
  const eventKey = new Map<string, Key>()
  for (const e of events) eventKey.set(e.eventId, { area: e.area, topArea: e.topArea ?? e.area, weekday: e.weekday, timeOfDay: e.timeOfDay, format: e.format, languages: e.languages, kind: e.kind, period: e.period })
  const counted = events.filter((e) => e.counted)
  const peopleWithKey = people.filter((p) => eventKey.has(p.eventId))
  const keys = [...counted.map((e) => eventKey.get(e.eventId)!), ...peopleWithKey.map((p) => eventKey.get(p.eventId)!)]
  const s = buildStructure(REACH_DIMS, keys, REACH_FAMILIES)
  const cells = s.entries.filter((e) => e.kind === 'cell').length
  const cellIndex = (key: Key) => s.cellOf.get(REACH_DIMS.map((d) => `${d}=${key[d] ?? ''}`).join('\u0001'))!
  const eventsPer = new Array<number>(cells).fill(0)
  const heads = new Array<number>(cells).fill(0)
  const persons = new Array<number>(cells).fill(0)
  for (const e of counted) {
    const c = cellIndex(eventKey.get(e.eventId)!)
    eventsPer[c]!++
    heads[c]! += e.headCount
  }
  for (const p of peopleWithKey) persons[cellIndex(eventKey.get(p.eventId)!)]!++
  const eventValues = sumInto(s, eventsPer, add, zero)
  const personValues = sumInto(s, persons, add, zero)
  const headValues = sumInto(s, heads, add, zero)
  const personStatus = protect(personValues, s.relations, { implied: s.implied, threshold: limits.threshold })
  const headStatus = protect(headValues, s.relations, { implied: s.implied, threshold: limits.threshold })
  const rows = s.entries.map((e) => ({
    key: e.key,
    level: e.kind,
    family: e.family,
    // Meetings are public records: their number is no one's secret and is never suppressed.
    measures: { events: eventValues[e.index]!, people: shown(personValues[e.index]!, personStatus[e.index]), headCount: shown(headValues[e.index]!, headStatus[e.index]) },
  }))
  return { snapshot: { rows }, people: { structure: s, values: personValues, status: personStatus }, eventKey }
}

export const DEMOGRAPHIC_QUESTIONS = ['ageBand', 'gender', 'raceEthnicity', 'sexualOrientation', 'faith', 'disability', 'incomeBand', 'occupation'] as const
/** Questions where one person may give several answers: their answers do not add up to people. */
const MULTI_ANSWER = new Set(['raceEthnicity'])
export const NO_ANSWER = 'not_answered'
export const WHO_DIMS = ['question', 'answer', 'area', 'topArea', 'kind', 'period'] as const
/** Reach's family whose people a who-takes-part cell's answers add up to. */
const POPULATION = ['area', 'kind', 'period'] as const
export const WHO_FAMILIES: MarginFamily[] = [
  ['question', 'answer', 'period'],
  ['question', 'answer', 'area', 'period'],
  // Roll-up: answers by district, adding up to reach's (topArea, period) people for a single-answer question.
  ['question', 'answer', 'topArea', 'period'],
  ['question', 'answer', 'kind', 'period'],
]

/**
 * Who takes part: per question, participants by answer × area × kind × quarter. Protected jointly with reach's
 * people table: a single-answer question's answers add up to reach's people at (area, kind, quarter), so those
 * relations, and reach's own, are part of the check, with reach's figures kept as they are.
 */
export function buildWhoTakesPart(reach: ReachBuild, people: PersonRow[], limits: Limits): Snapshot {
  const rowsWithKey = people.filter((p) => reach.eventKey.has(p.eventId))
  const keys: Key[] = []
  const cellCounts = new Map<string, number>()
  const keyOf = (k: Key) => WHO_DIMS.map((d) => `${d}=${k[d] ?? ''}`).join('\u0001')
  for (const p of rowsWithKey) {
    const ek = reach.eventKey.get(p.eventId)!
    for (const q of DEMOGRAPHIC_QUESTIONS) {
      const raw = p.answers[q]
      const answers = raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0) ? [NO_ANSWER] : [raw].flat()
      for (const answer of new Set(answers)) {
        const key = { question: q, answer, area: ek.area!, topArea: ek.topArea ?? ek.area!, kind: ek.kind!, period: ek.period! }
        const s = keyOf(key)
        if (!cellCounts.has(s)) keys.push(key)
        cellCounts.set(s, (cellCounts.get(s) ?? 0) + 1)
      }
    }
  }
  const who = buildStructure(WHO_DIMS, keys, WHO_FAMILIES)
  const whoCells = who.entries.filter((e) => e.kind === 'cell').map((e) => cellCounts.get(keyOf(e.key))!)
  const whoValues = sumInto(who, whoCells, add, zero)

  // Joint structure: reach's people entries first (kept as reach published them), then who-takes-part's.
  const base = reach.people
  const offset = base.values.length
  const values = [...base.values, ...whoValues]
  const shift = (r: Relation) => ({ total: r.total + offset, members: r.members.map((m) => m + offset) })
  const relations: Relation[] = [...base.structure.relations, ...who.relations.map(shift)]
  const implied: Relation[] = [...base.structure.implied, ...who.implied.map(shift)]
  const populationCell = new Map<string, number>()
  for (const e of base.structure.entries)
    if (e.kind === 'margin' && e.family.join() === POPULATION.join()) populationCell.set(POPULATION.map((d) => e.key[d]).join('\u0001'), e.index)
  const byPopulation = new Map<string, { question: string; members: number[] }>()
  for (const e of who.entries) {
    if (e.kind !== 'cell' || MULTI_ANSWER.has(e.key.question!)) continue
    const p = POPULATION.map((d) => e.key[d]).join('\u0001')
    const id = `${e.key.question}\u0002${p}`
    const group = byPopulation.get(id) ?? byPopulation.set(id, { question: e.key.question!, members: [] }).get(id)!
    group.members.push(e.index + offset)
  }
  for (const [id, group] of byPopulation) relations.push({ total: populationCell.get(id.split('\u0002')[1]!)!, members: group.members })
  // What those imply between margins: a single-answer question's answers at (area | kind, quarter) add up
  // to reach's people there. Given to the fast pass, they spare the exact check most rounds.
  const reachMargin = new Map<string, number>()
  for (const e of base.structure.entries) if (e.kind === 'margin') reachMargin.set(`${e.family.join()}\u0002${JSON.stringify(e.key)}`, e.index)
  const answersAt = new Map<string, number[]>()
  for (const e of who.entries) {
    if (e.kind !== 'margin' || MULTI_ANSWER.has(e.key.question!)) continue
    const family = e.family.filter((d) => d !== 'question' && d !== 'answer')
    const total = reachMargin.get(`${family.join()}\u0002${JSON.stringify(Object.fromEntries(family.map((d) => [d, e.key[d]])))}`)
    if (total === undefined) continue
    const id = `${total}\u0002${e.key.question}`
    ;(answersAt.get(id) ?? answersAt.set(id, []).get(id)!).push(e.index + offset)
  }
  for (const [id, members] of answersAt) implied.push({ total: Number(id.split('\u0002')[0]), members })
  const forced = new Map<number, SuppressionReason>()
  const locked = new Set<number>()
  base.status.forEach((s, i) => (s ? forced.set(i, s) : locked.add(i)))
  const status = protect(values, relations, { threshold: limits.threshold, forced, locked, implied })
  const rows = who.entries.map((e) => ({ key: e.key, level: e.kind, family: e.family, measures: { participants: shown(whoValues[e.index]!, status[e.index + offset]) } }))
  return { rows }
}

// ---------------------------------------------------------------------------------------------------------------
// Voice and closing the loop: one population (feedback items), one canonical table, two views of it.

export type FeedbackRow = {
  topic: string
  stance: string
  channel: string
  area: string
  /** The outermost area holding `area` (itself at the top; '' for none): voice rolls up to it as reach does. */
  topArea?: string
  period: string
  kind: string
  format: string
  received: number
  acknowledged: number
  addressed: number
  declined: number
  reportedBack: number
}
export type DaysRow = Omit<FeedbackRow, 'received' | 'acknowledged' | 'addressed' | 'declined' | 'reportedBack'> & { milestone: Milestone; days: number; count: number }
export const milestones = ['acknowledged', 'decided', 'reportedBack'] as const
export type Milestone = (typeof milestones)[number]

export const FEEDBACK_DIMS = ['topic', 'stance', 'channel', 'area', 'topArea', 'period', 'kind', 'format'] as const
// Every family keeps the period (as reach's do): a withheld entry is then linked only to entries of its own month, so
// suppression is checked month by month and a small count in one month never withholds figures of another.
export const VOICE_FAMILIES: MarginFamily[] = [
  ['period'],
  ['area', 'period'],
  ['topArea', 'period'],
  ['topic', 'period'],
  ['stance', 'period'],
  ['channel', 'period'],
  ['kind', 'period'],
  ['format', 'period'],
  ['topic', 'stance', 'period'],
]
export const LOOP_CELL: MarginFamily = ['topic', 'area', 'period', 'kind', 'format']
export const LOOP_FAMILIES: MarginFamily[] = [LOOP_CELL, ['topic', 'area', 'period'], ['topic', 'period'], ['area', 'period'], ['period']]
const FEEDBACK_FAMILIES: MarginFamily[] = [...VOICE_FAMILIES, ...LOOP_FAMILIES.filter((f) => !VOICE_FAMILIES.some((v) => sameFamily(v, f)))]
const loopCounts = ['acknowledged', 'addressed', 'declined', 'reportedBack'] as const
const daysField: Record<Milestone, string> = { acknowledged: 'daysToAcknowledge', decided: 'daysToDecision', reportedBack: 'daysToReportBack' }
const milestoneCount: Record<Milestone, (typeof loopCounts)[number]> = { acknowledged: 'acknowledged', decided: 'addressed', reportedBack: 'reportedBack' }

export function buildFeedback(given: FeedbackRow[], givenDays: DaysRow[], limits: Limits): { voice: Snapshot; loop: Snapshot } {
  // Without a hierarchy an area is its own top: topArea then repeats area.
  const rows = given.map((r) => (r.topArea === undefined ? { ...r, topArea: r.area } : r))
  const days = givenDays.map((d) => (d.topArea === undefined ? { ...d, topArea: d.area } : d))
  const s = buildStructure(FEEDBACK_DIMS, rows as unknown as Key[], FEEDBACK_FAMILIES)
  const keyOf = (k: Key) => FEEDBACK_DIMS.map((d) => `${d}=${k[d] ?? ''}`).join('\u0001')
  const cellOfRow = rows.map((r) => s.cellOf.get(keyOf(r as unknown as Key))!)
  const cells = s.entries.filter((e) => e.kind === 'cell').length
  const perCell = (pick: (r: FeedbackRow) => number) => {
    const out = new Array<number>(cells).fill(0)
    rows.forEach((r, i) => (out[cellOfRow[i]!]! += pick(r)))
    return sumInto(s, out, add, zero)
  }
  const received = perCell((r) => r.received)
  // Each status count is its own table on the same structure; a small complement (received − acknowledged: the
  // few not yet acknowledged) is as telling as a small count, so both are primary. Cells are treated as published
  // here even where only margins are shown: assuming the reader knows more only makes the check stricter.
  const loopValues = Object.fromEntries(loopCounts.map((name) => [name, perCell((r) => r[name])])) as Record<(typeof loopCounts)[number], number[]>
  const loopOf = (receivedStatus: (SuppressionReason | undefined)[]) =>
    Object.fromEntries(
      loopCounts.map((name) => {
        const values = loopValues[name]
        const status = protect(values, s.relations, {
          implied: s.implied,
          threshold: limits.threshold,
          forced: new Map(receivedStatus.flatMap((st, i) => (st ? [[i, st] as const] : []))),
          primary: (i) => {
            const rest = received[i]! - values[i]!
            return rest >= 1 && rest < limits.threshold ? 'primary' : undefined
          },
        })
        return [name, { values, status }]
      }),
    ) as Record<(typeof loopCounts)[number], { values: number[]; status: (SuppressionReason | undefined)[] }>
  // What received withholds, every loop count withholds too: of the ways to protect received (complementOrders), the
  // one kept is the one withholding the least over all five counts, not over received alone.
  let best: { receivedStatus: (SuppressionReason | undefined)[]; counts: ReturnType<typeof loopOf>; lost: number } | undefined
  for (const orders of s.entries.length <= SEARCH_LIMIT ? complementOrders.map((o) => [o]) : [undefined]) {
    const receivedStatus = protect(received, s.relations, { implied: s.implied, threshold: limits.threshold, ...(orders ? { orders } : {}) })
    const counts = loopOf(receivedStatus)
    let lost = 0
    receivedStatus.forEach((st, i) => st && (lost += received[i]!))
    for (const name of loopCounts) counts[name].status.forEach((st, i) => st && (lost += counts[name].values[i]!))
    if (!best || lost < best.lost) best = { receivedStatus, counts, lost }
  }
  const { receivedStatus, counts } = best!

  // Day histograms per entry, for median and 90th percentile.
  // Made for the entries that have days only (most of a large month's have none): one shared empty one for the rest.
  const histograms = Object.fromEntries(milestones.map((m) => [m, new Array<Map<number, number> | undefined>(s.entries.length)])) as Record<Milestone, (Map<number, number> | undefined)[]>
  const noDays = new Map<number, number>()
  const entriesOfCell = cellMembership(s)
  for (const d of days) {
    const c = s.cellOf.get(keyOf(d as unknown as Key))
    if (c === undefined) continue
    const byEntry = histograms[d.milestone]
    for (const e of entriesOfCell[c]!) {
      const hist = byEntry[e] ?? (byEntry[e] = new Map())
      hist.set(d.days, (hist.get(d.days) ?? 0) + d.count)
    }
  }

  const entryRow = (e: Entry, measures: PublishedRow['measures']): PublishedRow => ({ key: e.key, level: e.kind, family: e.family, measures })
  const voiceRows = s.entries.filter((e) => e.kind === 'cell' || VOICE_FAMILIES.some((f) => sameFamily(f, e.family))).map((e) => entryRow(e, { feedback: shown(received[e.index]!, receivedStatus[e.index]) }))
  const loopRows = s.entries
    .filter((e) => LOOP_FAMILIES.some((f) => sameFamily(f, e.family)))
    .map((e) => {
      const i = e.index
      const n = shown(received[i]!, receivedStatus[i])
      const measures: PublishedRow['measures'] = { received: n }
      for (const name of loopCounts) {
        const c = counts[name]
        measures[name] = shown(c.values[i]!, c.status[i])
        measures[`${name}Share`] = n.value && !c.status[i] ? { value: round(c.values[i]! / n.value, 4), suppressed: null } : absent(n.suppressed ?? c.status[i])
      }
      for (const m of milestones) {
        const base = counts[milestoneCount[m]]
        const hist = histograms[m][i] ?? noDays
        const total = [...hist.values()].reduce(add, 0)
        const reason: SuppressionReason | null = base.status[i] ?? (total > 0 && total < limits.minResponses ? 'insufficient_responses' : null)
        const pick = (p: number): Published => {
          const days = percentile(hist, total, p)
          return days === null ? nothing : shown(days, undefined)
        }
        measures[daysField[m]] = reason ? withheldPercentiles[reason] : { median: pick(0.5), p90: pick(0.9) }
      }
      return entryRow(e, measures)
    })
  return {
    voice: { rows: voiceRows },
    loop: { rows: loopRows.map((r) => (sameFamily(r.family, LOOP_CELL) ? { ...r, level: 'cell' as const } : r)) },
  }
}

function sameFamily(a: readonly string[], b: readonly string[]) {
  return a.length === b.length && a.every((d) => b.includes(d))
}
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits

/** The smallest whole number of days d such that at least p of the items took d days or fewer (nearest rank). */
function percentile(hist: Map<number, number>, total: number, p: number): number | null {
  if (total === 0) return null
  const rank = Math.ceil(p * total)
  let seen = 0
  for (const d of [...hist.keys()].sort((a, b) => a - b)) {
    seen += hist.get(d)!
    if (seen >= rank) return d
  }
  return null
}

/** For each cell, the entries it counts in: itself and every margin it is a member of. */
function cellMembership(s: TableStructure): number[][] {
  const out: number[][] = s.entries.filter((e) => e.kind === 'cell').map((e) => [e.index])
  for (const r of s.relations) for (const m of r.members) out[m]!.push(r.total)
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// Trust: procedural-justice survey means per principle, per event (or online area and topic), area and quarter,
// and by topic.

export const principles = ['dignity', 'voice', 'neutrality', 'trust'] as const
/**
 * Responses of one event (`eventId`, `topics`: the event's), or online-only ones carried by feedback (`eventId` null,
 * `topics`: the feedback's one topic, `area`: its area, '' for none).
 */
/** `contactKind`: for an answer after police contact, the contact's kind (its `kind` in trust is `contact:<kind>`). */
export type SurveyRow = { eventId: string | null; topics?: string[]; area?: string; contactKind?: string | null; responses: number } & Record<`${(typeof principles)[number]}N` | `${(typeof principles)[number]}Sum`, number>
/** `topics`: the topics of a cell's responses, sorted and joined by '+' ('' for none), as reach's `languages` are. */
export const TRUST_DIMS = ['event', 'topics', 'area', 'topArea', 'period', 'kind', 'format'] as const
export const TRUST_FAMILIES: MarginFamily[] = [['period'], ['area', 'period'], ['topArea', 'period'], ['kind', 'period'], ['format', 'period']]
/**
 * Trust by topic: each topic's margin sums the cells whose `topics` hold it, so a meeting about two topics counts in
 * both. The margins overlap, but each is still a sum of cells: its relation joins the others in the one exact check.
 */
export const TRUST_TOPIC_FAMILY: MarginFamily = ['topic', 'period']
/** Where online-only responses belong: the quarter being built, and each area's outermost area. */
export type OnlineContext = { period: string; topOf: (area: string) => string }

export function buildTrust(rows: SurveyRow[], eventKey: Map<string, Key>, limits: Limits, online?: OnlineContext): Snapshot {
  const topicsOf = (r: SurveyRow) => [...new Set(r.topics ?? [])].sort().join('+')
  const withKey = rows.filter((r) => r.responses > 0 && (r.eventId === null ? online !== undefined : eventKey.has(r.eventId)))
  const keys = withKey.map((r): Key => {
    if (r.eventId === null) {
      const area = r.area ?? ''
      return { event: '', topics: topicsOf(r), area, topArea: area ? online!.topOf(area) : '', period: online!.period, kind: r.contactKind ? `contact:${r.contactKind}` : 'none', format: 'none' }
    }
    const k = eventKey.get(r.eventId)!
    return { event: r.eventId, topics: topicsOf(r), area: k.area!, topArea: k.topArea ?? k.area!, period: k.period!, kind: k.kind!, format: k.format! }
  })
  const s = buildStructure(TRUST_DIMS, keys, TRUST_FAMILIES)
  addTopicMargins(s)
  // Rows that fall in one cell (online answers of one area and topic read in parts) add up there.
  const cellOfRow = keys.map((k) => s.cellOf.get(cellKey(TRUST_DIMS, k))!)
  const cellCount = s.entries.filter((e) => e.kind === 'cell').length
  const sums = (pick: (r: SurveyRow) => number) => {
    const perCell = new Array<number>(cellCount).fill(0)
    withKey.forEach((r, i) => (perCell[cellOfRow[i]!]! += pick(r)))
    return sumInto(s, perCell, add, zero)
  }
  const responses = sums((r) => r.responses)
  const responseStatus = protect(responses, s.relations, { implied: s.implied, threshold: limits.threshold })
  const means = principles.map((p) => {
    const n = sums((r) => r[`${p}N`])
    const total = sums((r) => r[`${p}Sum`])
    // A withheld mean hides its sum; the sums add up like counts, so they are protected like counts.
    const status = protect(n, s.relations, {
      implied: s.implied,
      threshold: 1,
      forced: new Map(responseStatus.flatMap((st, i) => (st ? [[i, st] as const] : []))),
      primary: (i) => (n[i]! >= 1 && n[i]! < limits.minResponses ? 'insufficient_responses' : undefined),
    })
    return { p, n, total, status }
  })
  const rowsOut = s.entries.map((e) => {
    const measures: PublishedRow['measures'] = { responses: shown(responses[e.index]!, responseStatus[e.index]) }
    for (const m of means) {
      const n = m.n[e.index]!
      measures[m.p] = n === 0 ? nothing : shown(round(m.total[e.index]! / n, 2), m.status[e.index])
    }
    return { key: e.key, level: e.kind, family: e.family, measures }
  })
  return { rows: rowsOut }
}

/** Adds a (topic, period) margin per topic held by any cell, its members the cells whose `topics` hold it. */
function addTopicMargins(s: TableStructure) {
  const cells = s.entries.filter((e) => e.kind === 'cell')
  const marginOf = new Map<string, number>()
  for (const c of cells)
    for (const topic of c.key.topics ? c.key.topics.split('+') : []) {
      const id = `${topic}\u0001${c.key.period}`
      let r = marginOf.get(id)
      if (r === undefined) {
        const index = s.entries.length
        s.entries.push({ key: { topic, period: c.key.period! }, kind: 'margin', family: TRUST_TOPIC_FAMILY, index })
        r = s.relations.push({ total: index, members: [] }) - 1
        marginOf.set(id, r)
      }
      s.relations[r]!.members.push(c.index)
    }
}
