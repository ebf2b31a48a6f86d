// Community trust on random agencies (fast-check): random area hierarchies, answers with random demographics over two
// quarters, random margins and feedback. Whatever the data, no count of 1 to 10 is shown, no withheld count (responses
// or a topic's) follows from the published ones and the hierarchy and month-in-quarter relations (an independent
// rank test), every figure is withheld where its count or tier is, shown counts are the true counts, and a count
// another table withholds is withheld here too.
import fc from 'fast-check'
import t from 'tap'
import { buildCommunityTrust, type AnswerRow, type AreaNode, type CommunityTrustRow, type ConcernRow } from '../src/modules/insights/community-trust.ts'
import type { Relation } from '../src/modules/insights/suppression.ts'
import { recoverable } from './helpers/exact-rank.ts'
import { assertProperty } from './helpers/property.ts'
import { TEST_NOW } from './helpers/clock.ts'

// Labels of the first half of TEST_NOW's year: the function under test reads no clock, only these cycle names.
const YEAR = TEST_NOW.slice(0, 4)
const MONTHS = [1, 2, 3, 4, 5, 6].map((m) => `${YEAR}-${String(m).padStart(2, '0')}`)
const QUARTERS = [`${YEAR}-Q1`, `${YEAR}-Q2`]
const TOPICS = ['community_safety', 'policy']
const limits = { threshold: 11, minResponses: 11, tiers: { withheldBelow: 15, flaggedBelow: 25 } }

/** Districts with 0–3 beats each; area ids d0, d0b1, … (lineage from the root). */
const hierarchy = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }).map((beats) =>
  beats.flatMap((n, d): AreaNode[] => [
    { id: `d${d}`, code: `D${d}`, name: `D${d}`, kind: 'district', parentId: null, lineage: [`d${d}`], population: null },
    ...Array.from({ length: n }, (_, b): AreaNode => ({ id: `d${d}b${b}`, code: `D${d}B${b}`, name: '', kind: 'beat', parentId: `d${d}`, lineage: [`d${d}`, `d${d}b${b}`], population: null })),
  ]),
)
const score = fc.option(fc.integer({ min: 1, max: 5 }), { nil: null, freq: 5 })
const answerOf = (areas: string[]) =>
  fc.record({
    area: fc.option(fc.constantFrom(...areas), { nil: null, freq: 8 }),
    month: fc.constantFrom(...MONTHS),
    dignity: score,
    voice: score,
    neutrality: score,
    trust: score,
    ageBand: fc.option(fc.constantFrom('age_18_24', 'age_35_44', 'age_65_plus', 'prefer_not_to_say'), { nil: null }),
    gender: fc.option(fc.constantFrom('woman', 'man'), { nil: null }),
    raceEthnicity: fc.constant(null),
    language: fc.option(fc.constantFrom('en', 'es', 'en-US'), { nil: null }),
  })
/** Answers come in groups (one random answer repeated) so that counts land on both sides of the threshold. */
const data = hierarchy.chain((areas) =>
  fc.record({
    areas: fc.constant(areas),
    groups: fc.array(fc.tuple(answerOf(areas.map((a) => a.id)), fc.integer({ min: 1, max: 18 })), { maxLength: 14 }),
    concerns: fc.array(fc.record({ area: fc.option(fc.constantFrom(...areas.map((a) => a.id)), { nil: null, freq: 6 }), month: fc.constantFrom(...MONTHS), topic: fc.constantFrom(...TOPICS), count: fc.integer({ min: 1, max: 20 }) }), { maxLength: 10 }),
    margins: fc.array(fc.boolean(), { minLength: areas.length, maxLength: areas.length }),
    withheldElsewhere: fc.array(fc.tuple(fc.constantFrom(...areas.map((a) => a.id)), fc.constantFrom(...QUARTERS)), { maxLength: 2 }),
  }),
)

/** The relations a reader knows, rebuilt from the published rows alone: node = its sub-areas + its own (unknown); quarter = its months. */
function readerView(areas: AreaNode[], rows: CommunityTrustRow[], figure: (r: CommunityTrustRow) => { value: number | null; suppressed: string | null } | undefined) {
  const index = new Map<string, number>()
  const hidden: boolean[] = []
  const entry = (key: string, isHidden: boolean) => index.get(key) ?? (index.set(key, hidden.push(isHidden) - 1), hidden.length - 1)
  for (const r of rows) {
    const f = figure(r)
    // No figure at all: a zero (nothing to hide), known to the reader.
    entry(`${r.area}|${r.cycle}`, f !== undefined && f.value === null)
  }
  const children = new Map<string | null, string[]>([[null, areas.filter((a) => !a.parentId).map((a) => a.id)]])
  for (const a of areas) if (a.parentId) children.set(a.parentId, [...(children.get(a.parentId) ?? []), a.id])
  const relations: Relation[] = []
  const cycles = [...MONTHS, ...QUARTERS]
  for (const cycle of cycles)
    for (const [parent, kids] of children) {
      if (!kids.length) continue
      relations.push({ total: entry(`${parent}|${cycle}`, false), members: [...kids.map((k) => entry(`${k}|${cycle}`, false)), entry(`own:${parent}|${cycle}`, true)] })
    }
  for (const q of QUARTERS) {
    const months = MONTHS.filter((m) => `${YEAR}-Q${Math.ceil(Number(m.slice(5)) / 3)}` === q)
    for (const node of [null, ...areas.map((a) => a.id)]) {
      relations.push({ total: entry(`${node}|${q}`, false), members: months.map((m) => entry(`${node}|${m}`, false)) })
      if (children.get(node)?.length) relations.push({ total: entry(`own:${node}|${q}`, true), members: months.map((m) => entry(`own:${node}|${m}`, true)) })
    }
  }
  return { hidden, relations, shownRows: rows.map((r) => index.get(`${r.area}|${r.cycle}`)!) }
}

t.test('when community trust is built from random agencies, then suppression is exact and every figure follows its count', async (t) => {
  let runs = 0
  let withheldSeen = 0
  assertProperty(
    fc.property(data, ({ areas, groups, concerns, margins, withheldElsewhere }) => {
      runs++
      const withMargins = areas.map((a, i) => (margins[i] ? { ...a, population: { source: 'test', margins: { ageBand: { age_18_24: 30, age_35_44: 40, age_65_plus: 30 }, language: { en: 60, es: 40 } } } } : a))
      const answers: AnswerRow[] = groups.flatMap(([a, n]) => Array.from({ length: n }, () => a))
      const forced = new Set(withheldElsewhere.map(([area, q]) => `${area}|${q}`))
      const leaves = new Set(areas.filter((a) => !areas.some((b) => b.parentId === a.id)).map((a) => a.id))
      const rows = buildCommunityTrust(withMargins, answers, concerns as ConcernRow[], limits, (table, period, scope) =>
        table === 'responses' && scope.of === 'area' && leaves.has(scope.area) && forced.has(`${scope.area}|${period}`) ? { value: null, suppressed: 'complementary' } : undefined,
      )
      const chainOf = (area: string | null) => (area === null ? [null] : [null, ...areas.find((a) => a.id === area)!.lineage])
      for (const r of rows) {
        const inCycle = (month: string) => month === r.cycle || `${YEAR}-Q${Math.ceil(Number(month.slice(5)) / 3)}` === r.cycle
        const truth = answers.filter((a) => inCycle(a.month) && chainOf(a.area).includes(r.area)).length
        const n = r.responses
        if (n.value !== null) {
          if (n.value !== truth) throw new Error(`${r.area} ${r.cycle}: shows ${n.value}, truly ${truth}`)
          if (n.value > 0 && n.value < 11) throw new Error(`${r.area} ${r.cycle}: a count of ${n.value} shown`)
        } else withheldSeen++
        if (r.area !== null && leaves.has(r.area) && forced.has(`${r.area}|${r.cycle}`) && truth > 0 && n.value !== null) throw new Error(`${r.area} ${r.cycle}: withheld elsewhere, shown here`)
        const withheld = n.value === null || n.value < limits.tiers.withheldBelow
        if (withheld !== (r.reliability === 'withheld')) throw new Error(`${r.area} ${r.cycle}: reliability ${r.reliability} for ${JSON.stringify(n)}`)
        if (withheld) {
          const figures = [...Object.values(r.principles).flatMap((p) => [p.unweighted, p.weighted, p.marginOfError]), r.weighting.effectiveSampleSize, r.weighting.representativeness]
          if (figures.some((f) => f.value !== null)) throw new Error(`${r.area} ${r.cycle}: a figure shown where the count is withheld`)
          if (r.weighting.converged !== null) throw new Error('raked where withheld')
        }
        for (const c of r.concerns) if (c.count.value !== null && c.count.value < 11) throw new Error(`${r.area} ${r.cycle}: ${c.topic} ${c.count.value} shown`)
      }
      // The reader's exact check, independent of the engine: nothing withheld is determined.
      const figures: ((r: CommunityTrustRow) => { value: number | null; suppressed: string | null } | undefined)[] = [
        (r) => r.responses,
        ...TOPICS.map((topic) => (r: CommunityTrustRow) => r.concerns.find((c) => c.topic === topic)?.count),
      ]
      for (const figure of figures) {
        const view = readerView(areas, rows, figure)
        const found = recoverable(view.hidden, view.relations).filter((i) => view.shownRows.includes(i))
        if (found.length) throw new Error(`recoverable: ${found.map((i) => JSON.stringify(rows[view.shownRows.indexOf(i)]!.area) + ' ' + rows[view.shownRows.indexOf(i)]!.cycle).join(', ')}`)
      }
      return true
    }),
    { seed: 20_261_205, numRuns: 120 },
  )
  t.equal(runs, 120)
  t.ok(withheldSeen > 50, `${withheldSeen} withheld counts met`)
})
