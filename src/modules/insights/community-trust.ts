/**
 * Trust and safety by area over survey cycles: procedural-justice means per area (every level of the hierarchy, and
 * the agency as a whole) and cycle (month or quarter), raked to the area's population margins, side by side with the
 * unweighted means, with reliability tiers, trends between cycles and the feedback topics raised there. Pure: the
 * insights service feeds it rows. Counts are protected by the same exact suppression as every insight, over one
 * table holding every area and both cycle lengths (a quarter is the sum of its months), and every weighted figure is
 * shown only where its unweighted count is.
 */
import type { AreaPopulation, ReliabilityTiers } from '../../db/schema/agencies.ts'
import type { Published } from './insight-tables.ts'
import { effectiveSampleSize, rake, representativeness, weightedMean, type Margins, type Respondent } from './raking.ts'
import { protect, type Relation, type SuppressionReason } from './suppression.ts'

export const cycles = ['month', 'quarter'] as const
export type Cycle = (typeof cycles)[number]
export const trustPrinciples = ['dignity', 'voice', 'neutrality', 'trust'] as const
type Principle = (typeof trustPrinciples)[number]

/** One survey answer as the build reads it: never leaves this module except as suppressed aggregates. */
export type AnswerRow = { area: string | null; month: string; ageBand: string | null; gender: string | null; raceEthnicity: string | null; language: string | null } & Record<Principle, number | null>
/** Feedback items of one area, month and topic. */
export type ConcernRow = { area: string | null; month: string; topic: string; count: number }
export type AreaNode = { id: string; code: string; name: string; kind: string; parentId: string | null; lineage: string[]; population: AreaPopulation | null }

/** Where an area's population margins came from: its own, the sum of its sub-areas', its nearest ancestor's, or none. */
export type MarginsBasis = 'own' | 'sub_areas' | 'ancestor' | 'none'
export type Reliability = 'withheld' | 'flagged' | 'reliable'

export type PrincipleFigures = {
  unweighted: Published
  /** Raked to the population margins; null (not suppressed) where the area has none. */
  weighted: Published
  /** 95% margin of error of the estimate (the weighted mean where there is one, else the unweighted). */
  marginOfError: Published
  /** The estimate minus the previous cycle's, and the 95% margin of error of that difference; null without both. */
  trend: { since: string; difference: Published; marginOfError: Published } | null
}

export type CommunityTrustRow = {
  area: string | null
  code: string | null
  name: string | null
  kind: string | null
  parentId: string | null
  cycle: string
  responses: Published
  reliability: Reliability
  weighting: { basis: MarginsBasis; marginsFrom: string | null; converged: boolean | null; iterations: number | null; representativeness: Published; effectiveSampleSize: Published }
  principles: Record<Principle, PrincipleFigures>
  /** Feedback items per topic of the vocabulary, largest first; withheld counts last. */
  concerns: { topic: string; count: Published }[]
}

export type CommunityTrustLimits = { threshold: number; minResponses: number; tiers: ReliabilityTiers }

/**
 * Which people an entry counts, as the other insights' tables name them: everyone (the agency), those of exactly one
 * area ('' for none), those under one outermost area (a district's roll-up), or under an area between (no other table has those).
 */
export type Scope = { of: 'all' } | { of: 'area'; area: string } | { of: 'top'; area: string } | { of: 'within'; area: string }
/**
 * The same count as published by another insight's table (trust's responses by quarter; closing the loop's feedback
 * by topic and month), or undefined where that table has no such entry. Shared entries are kept consistent with it:
 * withheld there, withheld here; published there, never chosen here as a complement.
 */
export type Linked = (table: 'responses' | { topic: string }, period: string, scope: Scope) => Published | undefined

const DIMENSIONS = ['ageBand', 'gender', 'raceEthnicity', 'language'] as const
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits
const shown = (value: number, reason: SuppressionReason | undefined): Published => (reason ? { value: null, suppressed: reason } : { value, suppressed: null })
const nothing: Published = { value: null, suppressed: null }

export const quarterOf = (month: string) => `${month.slice(0, 4)}-Q${Math.ceil(Number(month.slice(5, 7)) / 3)}`
export const monthsOf = (quarter: string) => {
  const q = Number(quarter.slice(6))
  return [1, 2, 3].map((i) => `${quarter.slice(0, 4)}-${String((q - 1) * 3 + i).padStart(2, '0')}`)
}
/** The cycle before one (2026-01 → 2025-12, 2026-Q1 → 2025-Q4). */
export function previousCycle(cycle: string): string {
  const y = Number(cycle.slice(0, 4))
  if (cycle.includes('Q')) {
    const q = Number(cycle.slice(6))
    return q === 1 ? `${y - 1}-Q4` : `${y}-Q${q - 1}`
  }
  const m = Number(cycle.slice(5, 7))
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
}

/** Each area's margins and where they came from: own, else its sub-areas' summed (all must have them), else its nearest ancestor's. */
export function marginsOf(areas: readonly AreaNode[]): Map<string | null, { basis: MarginsBasis; from: string | null; margins: Margins | null }> {
  const byId = new Map(areas.map((a) => [a.id, a]))
  const children = new Map<string | null, string[]>()
  for (const a of areas) {
    const parent = a.parentId && byId.has(a.parentId) ? a.parentId : null
    ;(children.get(parent) ?? children.set(parent, []).get(parent)!).push(a.id)
  }
  // Bottom up: own margins, else the sum of the sub-areas' on the dimensions every sub-area has.
  const upward = new Map<string | null, Margins | null>()
  const up = (id: string | null): Margins | null => {
    if (upward.has(id)) return upward.get(id)!
    const own = id ? (byId.get(id)!.population?.margins as Margins | undefined) : undefined
    let result: Margins | null = own && Object.keys(own).length ? own : null
    const kids = children.get(id) ?? []
    if (!result && kids.length) {
      const sub = kids.map(up)
      if (sub.every((m) => m !== null)) {
        const shared = DIMENSIONS.filter((d) => sub.every((m) => m![d]))
        if (shared.length) result = Object.fromEntries(shared.map((d) => [d, sumCounts(sub.map((m) => m![d]!))]))
      }
    }
    upward.set(id, result)
    return result
  }
  const out = new Map<string | null, { basis: MarginsBasis; from: string | null; margins: Margins | null }>()
  for (const id of [null, ...areas.map((a) => a.id)]) {
    const margins = up(id)
    const own = id !== null && byId.get(id)!.population !== null
    if (margins) {
      out.set(id, { basis: own ? 'own' : 'sub_areas', from: id, margins })
      continue
    }
    // The nearest ancestor with margins of its own or from its sub-areas.
    const ancestor = id === null ? undefined : [...byId.get(id)!.lineage].reverse().find((a) => a !== id && byId.has(a) && up(a))
    out.set(id, ancestor ? { basis: 'ancestor', from: ancestor, margins: up(ancestor) } : { basis: 'none', from: null, margins: null })
  }
  return out
}

function sumCounts(maps: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const m of maps) for (const [k, v] of Object.entries(m)) out[k] = (out[k] ?? 0) + v
  return out
}

/** A respondent's categories on the margins' dimensions: prefer_not_to_say is no answer; a language matches exactly or by its primary subtag. */
export function respondentOf(a: AnswerRow, margins: Margins): Respondent {
  const answer = (v: string | null) => (v === null || v === 'prefer_not_to_say' ? null : v)
  const languages = margins.language ? Object.keys(margins.language) : []
  const language = a.language === null ? null : languages.includes(a.language) ? a.language : (languages.find((l) => l.toLowerCase() === a.language!.split('-')[0]!.toLowerCase()) ?? null)
  return { ageBand: answer(a.ageBand), gender: answer(a.gender), raceEthnicity: answer(a.raceEthnicity), language }
}

/** How closely the answers resemble the population before weighting (none when no one answered a weighted question). */
function likeness(group: readonly AnswerRow[], margins: Margins): Published {
  const score = representativeness(group.map((a) => respondentOf(a, margins)), margins)
  return score === null ? nothing : { value: round(score, 3), suppressed: null }
}

/**
 * The whole table of one agency: a row per area (and the agency, area null) per cycle with data, of both lengths;
 * `linked` names the counts other insights publish of the same people, kept as they keep them.
 */
export function buildCommunityTrust(areas: readonly AreaNode[], answers: readonly AnswerRow[], concerns: readonly ConcernRow[], limits: CommunityTrustLimits, linked: Linked = () => undefined): CommunityTrustRow[] {
  const byId = new Map(areas.map((a) => [a.id, a]))
  const nodes: (string | null)[] = [null, ...areas.map((a) => a.id)]
  const childrenOf = new Map<string | null, string[]>(nodes.map((n) => [n, []]))
  for (const a of areas) childrenOf.get(a.parentId && byId.has(a.parentId) ? a.parentId : null)!.push(a.id)
  // The nodes an answer in an area counts in: the agency, and the area with every ancestor.
  const chainOf = (area: string | null): (string | null)[] => (area && byId.has(area) ? [null, ...byId.get(area)!.lineage.filter((id) => byId.has(id))] : [null])
  const months = [...new Set([...answers.map((a) => a.month), ...concerns.map((c) => c.month)])].sort()
  const quarters = [...new Set(months.map(quarterOf))].sort()
  // Every month of a quarter with data, so that each quarter is the sum of three monthly entries.
  const allMonths = [...new Set(quarters.flatMap(monthsOf))].sort()
  const periods = [...allMonths, ...quarters]

  // --- The counts table: per period, each node's rolled-up count, and the count of its own answers (in no sub-area).
  const table = countTable(nodes, childrenOf, periods, allMonths, quarters)
  const responses = new Array<number>(table.size).fill(0)
  const principleN = Object.fromEntries(trustPrinciples.map((p) => [p, new Array<number>(table.size).fill(0)])) as Record<Principle, number[]>
  const answersOf = new Map<string, AnswerRow[]>()
  for (const a of answers) {
    const own = a.area && byId.has(a.area) ? a.area : null
    for (const period of [a.month, quarterOf(a.month)]) {
      for (const node of chainOf(a.area)) {
        const i = table.rolled(period, node)
        responses[i]!++
        for (const p of trustPrinciples) if (a[p] !== null) principleN[p][i]!++
        const key = `${period}\u0001${node}`
        ;(answersOf.get(key) ?? answersOf.set(key, []).get(key)!).push(a)
      }
      const o = table.own(period, own)
      if (o !== undefined) {
        responses[o]!++
        for (const p of trustPrinciples) if (a[p] !== null) principleN[p][o]!++
      }
    }
  }
  /** What another table already says of this table's entries: withheld there (forced here) or published (locked). */
  const sharedWith = (of: 'responses' | { topic: string }) => {
    const forced = new Map<number, SuppressionReason>()
    const locked = new Set<number>()
    table.entries.forEach((e, i) => {
      const other = linked(of, e.period, e.scope)
      if (!other) return
      if (other.suppressed) forced.set(i, other.suppressed)
      else if (other.value !== null) locked.add(i)
    })
    return { forced, locked }
  }
  const status = protect(responses, table.relations, { threshold: limits.threshold, ...sharedWith('responses') })
  // A withheld mean hides its sum; sums add up like counts, so each principle's counts are protected like counts, with
  // means under the agency's withheld tier (or minResponses) withheld first.
  const below = Math.max(limits.minResponses, limits.tiers.withheldBelow)
  const forced = new Map(status.flatMap((s, i) => (s ? [[i, s] as const] : [])))
  const principleStatus = Object.fromEntries(
    trustPrinciples.map((p) => [p, protect(principleN[p], table.relations, { threshold: 1, forced, primary: (i) => (principleN[p][i]! >= 1 && principleN[p][i]! < below ? 'insufficient_responses' : undefined) })]),
  ) as Record<Principle, (SuppressionReason | undefined)[]>

  // --- Concerns: the same table per topic (topics are never added up, so each stands alone).
  const topics = [...new Set(concerns.map((c) => c.topic))].sort()
  const concernCounts = new Map<string, { values: number[]; status: (SuppressionReason | undefined)[] }>()
  for (const topic of topics) {
    const values = new Array<number>(table.size).fill(0)
    for (const c of concerns) {
      if (c.topic !== topic) continue
      for (const period of [c.month, quarterOf(c.month)]) {
        for (const node of chainOf(c.area)) values[table.rolled(period, node)]! += c.count
        const o = table.own(period, c.area && byId.has(c.area) ? c.area : null)
        if (o !== undefined) values[o]! += c.count
      }
    }
    concernCounts.set(topic, { values, status: protect(values, table.relations, { threshold: limits.threshold, ...sharedWith({ topic }) }) })
  }

  // --- The rows: counts as protected; figures where the count is shown and the tier allows.
  const weighting = marginsOf(areas)
  const rows: CommunityTrustRow[] = []
  const estimates = new Map<string, Record<Principle, { value: number; moe: number } | null>>()
  for (const period of [...quarters, ...allMonths]) {
    if (!months.some((m) => m === period || quarterOf(m) === period)) continue
    for (const node of nodes) {
      const i = table.rolled(period, node)
      const n = responses[i]!
      const reason = status[i]
      const reliability: Reliability = reason || n < limits.tiers.withheldBelow ? 'withheld' : n < limits.tiers.flaggedBelow ? 'flagged' : 'reliable'
      const basis = weighting.get(node)!
      const group = answersOf.get(`${period}\u0001${node}`) ?? []
      const figuresShown = !reason && reliability !== 'withheld'
      const raked = figuresShown && basis.margins ? rake(group.map((a) => respondentOf(a, basis.margins!)), basis.margins) : null
      const weights = raked?.weights ?? group.map(() => 1)
      const principles = {} as Record<Principle, PrincipleFigures>
      const estimate = {} as Record<Principle, { value: number; moe: number } | null>
      for (const p of trustPrinciples) {
        const pReason = principleStatus[p][i]
        const values = group.map((a) => a[p])
        const plain = figuresShown && !pReason ? weightedMean(values, group.map(() => 1)) : null
        const weighted = plain && raked ? weightedMean(values, weights) : null
        const withheld = (r: SuppressionReason | undefined): Published => (principleN[p][i] === 0 ? nothing : { value: null, suppressed: r ?? 'insufficient_responses' })
        const best = weighted ?? plain
        estimate[p] = best ? { value: best.mean, moe: best.marginOfError } : null
        principles[p] = {
          unweighted: plain ? { value: round(plain.mean, 2), suppressed: null } : withheld(pReason ?? reason),
          weighted: weighted ? { value: round(weighted.mean, 2), suppressed: null } : basis.margins ? withheld(pReason ?? reason) : nothing,
          marginOfError: best ? { value: round(best.marginOfError, 2), suppressed: null } : withheld(pReason ?? reason),
          trend: null,
        }
      }
      estimates.set(`${period}\u0001${node}`, estimate)
      const earlier = estimates.get(`${previousCycle(period)}\u0001${node}`)
      for (const p of trustPrinciples) {
        const now = estimate[p]
        const before = earlier?.[p]
        if (!earlier) continue
        principles[p].trend =
          now && before
            ? { since: previousCycle(period), difference: { value: round(now.value - before.value, 2), suppressed: null }, marginOfError: { value: round(Math.sqrt(now.moe ** 2 + before.moe ** 2), 2), suppressed: null } }
            : { since: previousCycle(period), difference: nothing, marginOfError: nothing }
      }
      const area = node ? byId.get(node)! : null
      rows.push({
        area: node,
        code: area?.code ?? null,
        name: area?.name ?? null,
        kind: area?.kind ?? null,
        parentId: area?.parentId ?? null,
        cycle: period,
        responses: shown(n, reason),
        reliability,
        weighting: {
          basis: basis.basis,
          marginsFrom: basis.from,
          converged: raked ? raked.converged : null,
          iterations: raked ? raked.iterations : null,
          representativeness: raked ? likeness(group, basis.margins!) : figuresShown ? nothing : { value: null, suppressed: reason ?? 'insufficient_responses' },
          effectiveSampleSize: figuresShown ? { value: round(effectiveSampleSize(weights), 1), suppressed: null } : { value: null, suppressed: reason ?? 'insufficient_responses' },
        },
        principles,
        concerns: topics
          .flatMap((topic) => {
            const c = concernCounts.get(topic)!
            const v = c.values[i]!
            return v === 0 ? [] : [{ topic, count: shown(v, c.status[i]) }]
          })
          .sort((a, b) => (b.count.value ?? -1) - (a.count.value ?? -1) || a.topic.localeCompare(b.topic)),
      })
    }
  }
  // Months were built after quarters (trends look back within a length); answers list each length oldest first.
  return rows.sort((a, b) => Number(a.cycle.includes('Q')) - Number(b.cycle.includes('Q')) || a.cycle.localeCompare(b.cycle))
}

/**
 * Entries of the counts table: per period, each node's rolled-up count, and for each node with sub-areas the count
 * of its own answers (in no sub-area; for the agency, those with no area). Relations: a node's count is its
 * sub-areas' plus its own; a quarter's entry is the sum of its months'.
 */
function countTable(nodes: readonly (string | null)[], childrenOf: Map<string | null, string[]>, periods: readonly string[], months: readonly string[], quarters: readonly string[]) {
  const index = new Map<string, number>()
  const entries: { period: string; scope: Scope }[] = []
  const at = (kind: 'rolled' | 'own', period: string, node: string | null) => `${kind}\u0001${period}\u0001${node}`
  const topLevel = new Set(childrenOf.get(null))
  for (const period of periods)
    for (const node of nodes) {
      const leaf = childrenOf.get(node)!.length === 0
      const scope: Scope = node === null ? { of: 'all' } : leaf ? { of: 'area', area: node } : topLevel.has(node) ? { of: 'top', area: node } : { of: 'within', area: node }
      index.set(at('rolled', period, node), entries.push({ period, scope }) - 1)
      if (!leaf) index.set(at('own', period, node), entries.push({ period, scope: { of: 'area', area: node ?? '' } }) - 1)
    }
  const size = entries.length
  const relations: Relation[] = []
  for (const period of periods)
    for (const node of nodes) {
      const kids = childrenOf.get(node)!
      if (!kids.length) continue
      relations.push({ total: index.get(at('rolled', period, node))!, members: [...kids.map((k) => index.get(at('rolled', period, k))!), index.get(at('own', period, node))!] })
    }
  for (const quarter of quarters) {
    const ms = monthsOf(quarter).filter((m) => months.includes(m))
    for (const node of nodes)
      for (const kind of ['rolled', 'own'] as const) {
        const total = index.get(at(kind, quarter, node))
        if (total !== undefined) relations.push({ total, members: ms.map((m) => index.get(at(kind, m, node))!) })
      }
  }
  return {
    size,
    entries,
    relations,
    rolled: (period: string, node: string | null) => index.get(at('rolled', period, node))!,
    /** The own-answers entry of a node with sub-areas (a leaf's own answers are its rolled-up count). */
    own: (period: string, node: string | null) => index.get(at('own', period, node)),
  }
}
