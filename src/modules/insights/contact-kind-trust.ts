/**
 * Community trust cut by the contact's kind (a traffic stop, a report taken…; `none` for surveys after a meeting or
 * with online feedback), per top-level area and cycle. Not for the agency as a whole: its answers in no area are
 * counted by community trust alone, and a cut of them by kind could tell what that small group answered after. Pure: fed answers and the community-trust
 * table's own rows. Counts per kind are protected by the same exact suppression, in one table that also holds the
 * community-trust counts they add up to (the kinds of a row sum to its responses): those are kept as community trust
 * publishes or withholds them, so no difference of the two answers reveals a withheld count. Figures are shown, as
 * there, only where the unweighted count is shown and reaches the agency's withheld tier.
 */
import type { Published } from './insight-tables.ts'
import { marginsOf, monthsOf, previousCycle, quarterOf, respondentOf, trustPrinciples, type AnswerRow, type AreaNode, type CommunityTrustLimits, type CommunityTrustRow, type PrincipleFigures, type Reliability } from './community-trust.ts'
import { rake, weightedMean } from './raking.ts'
import { protect, type Relation, type SuppressionReason } from './suppression.ts'

type Principle = (typeof trustPrinciples)[number]
/** An answer with its contact's kind ('none' where it followed no contact). */
export type KindAnswerRow = AnswerRow & { contactKind: string }

export type ContactKindTrustRow = {
  area: string
  code: string
  name: string
  cycle: string
  contactKind: string
  responses: Published
  reliability: Reliability
  principles: Record<Principle, PrincipleFigures>
}

const ALL = '*'
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits
const nothing: Published = { value: null, suppressed: null }

/** The whole cut of one agency: a row per kind with answers, per cycle of both lengths, for each top-level area. */
export function buildContactKindTrust(areas: readonly AreaNode[], answers: readonly KindAnswerRow[], main: readonly CommunityTrustRow[], limits: CommunityTrustLimits): ContactKindTrustRow[] {
  const byId = new Map(areas.map((a) => [a.id, a]))
  const tops = areas.filter((a) => a.parentId === null || !byId.has(a.parentId)).map((a) => a.id)
  const topOf = (area: string | null) => (area && byId.has(area) ? (byId.get(area)!.lineage.find((id) => tops.includes(id)) ?? null) : null)
  const kinds = [...new Set(answers.map((a) => a.contactKind))].sort()
  const quarters = [...new Set(answers.map((a) => quarterOf(a.month)))].sort()
  const months = [...new Set(quarters.flatMap(monthsOf))].sort()
  const periods = [...months, ...quarters]
  const nodes: string[] = tops

  const index = new Map<string, number>()
  const key = (period: string, node: string, kind: string) => `${period}\u0001${node}\u0001${kind}`
  for (const period of periods) for (const node of nodes) for (const kind of [ALL, ...kinds]) index.set(key(period, node, kind), index.size)
  const at = (period: string, node: string, kind: string) => index.get(key(period, node, kind))!
  const relations: Relation[] = []
  // A top-level area's kinds add up to its responses; a quarter's figures to its months'.
  for (const period of periods) for (const node of nodes) relations.push({ total: at(period, node, ALL), members: kinds.map((k) => at(period, node, k)) })
  for (const quarter of quarters) for (const node of nodes) for (const kind of [ALL, ...kinds]) relations.push({ total: at(quarter, node, kind), members: monthsOf(quarter).map((m) => at(m, node, kind)) })

  const counts = new Array<number>(index.size).fill(0)
  const principleN = Object.fromEntries(trustPrinciples.map((p) => [p, new Array<number>(index.size).fill(0)])) as Record<Principle, number[]>
  const groups = new Map<number, KindAnswerRow[]>()
  for (const a of answers) {
    const top = topOf(a.area)
    if (!top) continue
    for (const period of [a.month, quarterOf(a.month)])
      for (const kind of [ALL, a.contactKind]) {
        const i = at(period, top, kind)
        counts[i]!++
        for (const p of trustPrinciples) if (a[p] !== null) principleN[p][i]!++
        ;(groups.get(i) ?? groups.set(i, []).get(i)!).push(a)
      }
  }

  // The counts community trust publishes are kept as it keeps them: withheld there, withheld here; shown there, shown here.
  const mainRow = new Map(main.map((r) => [`${r.cycle}\u0001${r.area}`, r]))
  const shared = (figure: (row: CommunityTrustRow) => Published) => {
    const forced = new Map<number, SuppressionReason>()
    const locked = new Set<number>()
    for (const period of periods)
      for (const node of nodes) {
        const i = at(period, node, ALL)
        const row = mainRow.get(`${period}\u0001${node}`)
        const f = row ? figure(row) : undefined
        if (f?.suppressed) forced.set(i, f.suppressed)
        else locked.add(i)
      }
    return { forced, locked }
  }
  // Community trust's table is rebuilt when its sources change, not on every answer: where its shown counts are not
  // these answers' (it has not seen the latest yet), that quarter's cut is withheld whole rather than set against it.
  const stale = new Set(
    periods.filter((period) =>
      nodes.some((node) => {
        const shown = mainRow.get(`${period}\u0001${node}`)?.responses.value
        const n = counts[at(period, node, ALL)]!
        return shown === undefined ? n > 0 : shown !== null && shown !== n
      }),
    ).map((period) => (period.includes('Q') ? period : quarterOf(period))),
  )
  const countShared = shared((r) => r.responses)
  for (const period of periods) if (stale.has(period.includes('Q') ? period : quarterOf(period))) for (const node of nodes) for (const kind of kinds) countShared.forced.set(at(period, node, kind), 'complementary')
  const status = protect(counts, relations, { threshold: limits.threshold, ...countShared })
  const below = Math.max(limits.minResponses, limits.tiers.withheldBelow)
  const principleStatus = Object.fromEntries(
    trustPrinciples.map((p) => {
      const { forced, locked } = shared((r) => r.principles[p].unweighted)
      status.forEach((s, i) => s && !forced.has(i) && forced.set(i, s))
      return [p, protect(principleN[p], relations, { threshold: 1, forced, locked, primary: (i) => (principleN[p][i]! >= 1 && principleN[p][i]! < below ? 'insufficient_responses' : undefined) })]
    }),
  ) as Record<Principle, (SuppressionReason | undefined)[]>

  const weighting = marginsOf(areas)
  const rows: ContactKindTrustRow[] = []
  const estimates = new Map<string, { value: number; moe: number } | null>()
  for (const period of [...quarters, ...months])
    for (const node of nodes)
      for (const kind of kinds) {
        const i = at(period, node, kind)
        const n = counts[i]!
        if (n === 0) continue
        const reason = status[i]
        const reliability: Reliability = reason || n < limits.tiers.withheldBelow ? 'withheld' : n < limits.tiers.flaggedBelow ? 'flagged' : 'reliable'
        const group = groups.get(i) ?? []
        const margins = weighting.get(node)?.margins ?? null
        const figuresShown = !reason && reliability !== 'withheld'
        const raked = figuresShown && margins ? rake(group.map((a) => respondentOf(a, margins)), margins) : null
        const principles = {} as Record<Principle, PrincipleFigures>
        for (const p of trustPrinciples) {
          const pReason = principleStatus[p][i]
          const values = group.map((a) => a[p])
          const plain = figuresShown && !pReason ? weightedMean(values, group.map(() => 1)) : null
          const weighted = plain && raked ? weightedMean(values, raked.weights) : null
          const withheld = (r: SuppressionReason | undefined): Published => (principleN[p][i] === 0 ? nothing : { value: null, suppressed: r ?? 'insufficient_responses' })
          const best = weighted ?? plain
          const estimate = best ? { value: best.mean, moe: best.marginOfError } : null
          estimates.set(`${period}\u0001${node}\u0001${kind}\u0001${p}`, estimate)
          const since = previousCycle(period)
          const before = estimates.get(`${since}\u0001${node}\u0001${kind}\u0001${p}`)
          principles[p] = {
            unweighted: plain ? { value: round(plain.mean, 2), suppressed: null } : withheld(pReason ?? reason),
            weighted: weighted ? { value: round(weighted.mean, 2), suppressed: null } : margins ? withheld(pReason ?? reason) : nothing,
            marginOfError: best ? { value: round(best.marginOfError, 2), suppressed: null } : withheld(pReason ?? reason),
            trend:
              before === undefined
                ? null
                : estimate && before
                  ? { since, difference: { value: round(estimate.value - before.value, 2), suppressed: null }, marginOfError: { value: round(Math.sqrt(estimate.moe ** 2 + before.moe ** 2), 2), suppressed: null } }
                  : { since, difference: nothing, marginOfError: nothing },
          }
        }
        const area = byId.get(node)!
        rows.push({ area: node, code: area.code, name: area.name, cycle: period, contactKind: kind, responses: reason ? { value: null, suppressed: reason } : { value: n, suppressed: null }, reliability, principles })
      }
  // Answers list each length oldest first, months before quarters (as community trust).
  return rows.sort((a, b) => Number(a.cycle.includes('Q')) - Number(b.cycle.includes('Q')) || a.cycle.localeCompare(b.cycle))
}
