// The privacy engine on its own: primary and complementary suppression, and selection of whole cells, held by
// property tests over random tables and random pairs of filters, checked with an independent exact rank test.
import fc from 'fast-check'
import t from 'tap'
import { buildStructure, select, sumInto, type Key, type MarginFamily, type Selection } from '../src/modules/insights/canonical-table.ts'
import { bigIntegers, reducedRowEchelon, smallIntegers } from '../src/modules/insights/exact-elimination.ts'
import { determinedEntries, protect } from '../src/modules/insights/suppression.ts'
import { buildTrust, type PublishedRow, type SurveyRow } from '../src/modules/insights/insight-tables.ts'
import type { ConfigError } from '../src/config.ts'
import { countArb, countTableArb } from './helpers/count-tables.ts'
import { recoverable } from './helpers/exact-rank.ts'
import { assertProperty } from './helpers/property.ts'

const THRESHOLD = 11

t.test('when relations pin a value, then the exact check finds it; when a cycle hides it, then it does not', async (t) => {
  // x + y = T1 and x = T2: both recoverable.
  t.strictSame(determinedEntries([true, true, false, false], [{ total: 2, members: [0, 1] }, { total: 3, members: [0] }]), [0, 1])
  // A 2×2 block of suppressed cells with published row and column totals: a cycle, nothing recoverable.
  // cells a b / c d = 0 1 / 2 3; rows 4 5; columns 6 7.
  const relations = [
    { total: 4, members: [0, 1] },
    { total: 5, members: [2, 3] },
    { total: 6, members: [0, 2] },
    { total: 7, members: [1, 3] },
  ]
  const cycle = [true, true, true, true, false, false, false, false]
  t.strictSame(determinedEntries(cycle, relations), [])
  t.strictSame(recoverable(cycle, relations), [])
  // Two suppressed cells in each row but sharing one column: the bridge heuristics miss is caught.
  // cells 0..5 in a 2×3 table (rows 6, 7; columns 8, 9, 10); suppressed 0,1 (row 0) and 3,4 (row 1) and 2 — column 2 has only cell 2.
  const r23 = [
    { total: 6, members: [0, 1, 2] },
    { total: 7, members: [3, 4, 5] },
    { total: 8, members: [0, 3] },
    { total: 9, members: [1, 4] },
    { total: 10, members: [2, 5] },
  ]
  const pattern = [true, true, true, false, false, false, false, false, false, false, false]
  t.strictSame(determinedEntries(pattern, r23), recoverable(pattern, r23), 'both checks agree')
  t.ok(recoverable(pattern, r23).includes(2), 'the cell alone in its column is recoverable')
})

t.test('when elimination runs on small integers, then it agrees with BigInt, and a coefficient too large for them is refused', async (t) => {
  // Random sparse rows of −1/0/+1 (what relations give): both arithmetics reach the same reduced rows.
  const rowsArb = fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: 11 }), fc.constantFrom(-1, 1)), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 14 })
  let runs = 0
  assertProperty(
    fc.property(rowsArb, (rows) => {
      runs++
      const small = reducedRowEchelon(rows.map((r) => new Map(r)), smallIntegers)
      const big = reducedRowEchelon(rows.map((r) => new Map(r.map(([k, v]) => [k, BigInt(v)]))), bigIntegers)
      const show = (m: Map<number, unknown>[]) => m.map((row) => [...row].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}:${v}`).join(' ')).sort()
      return JSON.stringify(show(small)) === JSON.stringify(show(big))
    }),
    { numRuns: 300, seed: 7 },
  )
  t.equal(runs, 300, '300 random systems agree')
  const huge = () => [new Map([[0, 2 ** 40], [1, 3]]), new Map([[0, 3], [1, 2 ** 40]])]
  t.throws(() => reducedRowEchelon(huge(), smallIntegers), /overflow/, 'small integers refuse to overflow')
  const exact = reducedRowEchelon(huge().map((r) => new Map([...r].map(([k, v]) => [k, BigInt(v)]))), bigIntegers)
  t.strictSame(exact.map((r) => r.size), [1, 1], 'BigInt finishes the same system: both entries pinned')
})

t.test('when the exact check peels rows off before eliminating, then it finds exactly what the independent rank test finds', async (t) => {
  // Random relation systems over 16 entries: totals that are margins (in one relation) or shared (a total of two, as
  // reach's people are for who takes part), members overlapping, and random withheld sets (mostly withheld, as sparse
  // tables are, or few).
  const systemArb = fc.record({
    relations: fc.array(fc.record({ total: fc.integer({ min: 10, max: 15 }), members: fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 6 }) }), { minLength: 1, maxLength: 10 }),
    hidden: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
    dense: fc.boolean(),
  })
  let runs = 0
  let found = 0
  assertProperty(
    fc.property(systemArb, ({ relations, hidden, dense }) => {
      runs++
      const suppressed = hidden.map((h, i) => h || (dense && i % 4 !== 0))
      const mine = determinedEntries(suppressed, relations)
      found += mine.length
      return JSON.stringify(mine) === JSON.stringify(recoverable(suppressed, relations))
    }),
    { numRuns: 500, seed: 11 },
  )
  t.equal(runs, 500, '500 random systems agree')
  t.ok(found > 50, `and they had determined entries to find (${found})`)
})

t.test('when the same table is protected twice, then the answer is the same (parts are remembered by content)', async (t) => {
  const relations = [
    { total: 6, members: [0, 1, 2] },
    { total: 7, members: [3, 4, 5] },
    { total: 8, members: [0, 3] },
    { total: 9, members: [1, 4] },
    { total: 10, members: [2, 5] },
  ]
  const values = [3, 20, 30, 25, 14, 40, 53, 79, 28, 34, 70]
  const first = protect(values, relations, { threshold: THRESHOLD })
  t.strictSame(protect(values, relations, { threshold: THRESHOLD }), first)
  t.equal(first[0], 'primary')
  t.strictSame(determinedEntries(first.map((s) => s !== undefined), relations), [], 'nothing suppressed is determined')
})

t.test('when one small cell sits in a table with totals, then a complement is suppressed with it', async (t) => {
  // 2×2 table 5 20 / 30 40 with row, column and grand totals.
  const keys: Key[] = [
    { a: 'x', b: 'p' },
    { a: 'x', b: 'q' },
    { a: 'y', b: 'p' },
    { a: 'y', b: 'q' },
  ]
  const s = buildStructure(['a', 'b'], keys, [['a'], ['b'], []])
  const values = sumInto(s, [5, 20, 30, 40], (x, y) => x + y, () => 0)
  const status = protect(values, s.relations, { threshold: THRESHOLD })
  t.equal(status[0], 'primary')
  t.equal(status.filter((x) => x === 'complementary').length >= 3, true, 'a rectangle of four cells is hidden')
  t.strictSame(recoverable(status.map((x) => x !== undefined), s.relations), [])
})

const tableArb = countTableArb(3, { min: THRESHOLD, max: 15 })

const selectionArb = (dims: string[], keys: Key[]) =>
  fc.record(Object.fromEntries(dims.map((d) => [d, fc.option(fc.subarray([...new Set(keys.map((k) => k[d]!))], { minLength: 1 }), { nil: undefined })]))).map((picked) => {
    const out: Selection = {}
    for (const [d, values] of Object.entries(picked)) if (values) out[d] = new Set(values as string[])
    return out
  })

t.test('property: no published count is between 1 and the threshold, and no suppressed entry is recoverable from any two filtered answers', async (t) => {
  let runs = 0
  let suppressedSeen = 0
  assertProperty(
    fc.property(
      tableArb.chain((table) => fc.tuple(fc.constant(table), selectionArb(table.dims, table.keys), selectionArb(table.dims, table.keys))),
      ([table, first, second]) => {
        runs++
        const s = buildStructure(table.dims, table.keys, table.families as MarginFamily[])
        const values = sumInto(s, table.counts, (a, b) => a + b, () => 0)
        const status = protect(values, s.relations, { threshold: table.threshold })
        // 1. Nothing published counts 1 … threshold − 1.
        for (let i = 0; i < values.length; i++) if (status[i] === undefined && values[i]! >= 1 && values[i]! < table.threshold) return false
        // 2. What two answers show together: entries of either, and the relations whose total either shows
        //    (every member of such a margin lies inside the same answer, so the reader knows the relation).
        const shown = new Set([...select(s, first), ...select(s, second)].map((e) => e.index))
        const relations = s.relations.filter((r) => shown.has(r.total))
        for (const r of relations) if (!r.members.every((m) => shown.has(m))) return false
        const unknown = values.map((_, i) => !shown.has(i) || status[i] !== undefined)
        const hiddenShown = [...shown].filter((i) => status[i] !== undefined)
        suppressedSeen += hiddenShown.length
        const found = recoverable(unknown, relations)
        return found.filter((i) => shown.has(i)).length === 0
      },
    ),
    { numRuns: 300, seed: 31 },
  )
  t.equal(runs >= 300, true, `${runs} random tables and filter pairs`)
  t.ok(suppressedSeen > 0, `the runs did suppress something (${suppressedSeen} suppressed entries shown)`)
})

t.test('property: the whole canonical table is safe for the exact independent check, whatever is forced or locked', async (t) => {
  assertProperty(
    fc.property(tableArb, fc.array(fc.nat(), { maxLength: 3 }), (table, forcedPicks) => {
      const s = buildStructure(table.dims, table.keys, table.families as MarginFamily[])
      const values = sumInto(s, table.counts, (a, b) => a + b, () => 0)
      const forced = new Map(forcedPicks.map((p) => [p % values.length, 'insufficient_responses' as const]))
      const status = protect(values, s.relations, { threshold: table.threshold, forced })
      for (const [i] of forced) if (values[i]! > 0 && status[i] !== 'insufficient_responses') return false
      return recoverable(status.map((x) => x !== undefined), s.relations).length === 0
    }),
    { numRuns: 200, seed: 47 },
  )
})

/**
 * The relations a reader of trust's rows knows, rebuilt from the rows alone (not from the code that built them): a margin
 * sums the cells that match it on every dimension it keeps, a topic margin the cells whose `topics` hold its topic.
 */
function trustRelations(rows: PublishedRow[]): { total: number; members: number[] }[] {
  const cells = rows.flatMap((r, i) => (r.level === 'cell' ? [i] : []))
  const holds = (cell: PublishedRow, margin: PublishedRow, d: string) =>
    d === 'topic' ? (cell.key.topics ? cell.key.topics.split('+') : []).includes(margin.key.topic!) : cell.key[d] === margin.key[d]
  return rows.flatMap((m, total) => (m.level === 'margin' ? [{ total, members: cells.filter((c) => m.family.every((d) => holds(rows[c]!, m, d))) }] : []))
}

const topicCodes = ['community_safety', 'policy', 'agency_technology', 'everyday_interactions']
const trustDataArb = fc.record({
  events: fc.array(fc.record({ area: fc.constantFrom('a1', 'a2', ''), kind: fc.constantFrom('town_hall', 'community_walk'), topics: fc.subarray(topicCodes), responses: countArb }), { minLength: 1, maxLength: 7 }),
  online: fc.array(fc.record({ area: fc.constantFrom('a1', 'a2', ''), topic: fc.constantFrom(...topicCodes), responses: countArb }), { maxLength: 4 }),
})

t.test('property: trust by topic (overlapping margins: a meeting counts in each of its topics, online answers in their own) publishes no count 1–10 and leaves nothing withheld recoverable', async (t) => {
  let topicMargins = 0
  let withheld = 0
  assertProperty(
    fc.property(trustDataArb, (data) => {
      const eventKey = new Map<string, Key>(data.events.map((e, i) => [`e${i}`, { area: e.area, topArea: e.area, period: '2026-Q1', kind: e.kind, format: 'in_person' }]))
      const scored = (n: number) => ({ responses: n, dignityN: n, dignitySum: 4 * n, voiceN: n, voiceSum: 3 * n, neutralityN: 0, neutralitySum: 0, trustN: Math.floor(n / 2), trustSum: 5 * Math.floor(n / 2) })
      const rows: SurveyRow[] = [
        ...data.events.map((e, i) => ({ eventId: `e${i}`, topics: e.topics, ...scored(e.responses) })),
        ...data.online.map((o) => ({ eventId: null, topics: [o.topic], area: o.area, ...scored(o.responses) })),
      ]
      const snapshot = buildTrust(rows, eventKey, { threshold: THRESHOLD, minResponses: THRESHOLD }, { period: '2026-Q1', topOf: (a) => a })
      const byTopic = snapshot.rows.filter((r) => r.family.join() === 'topic,period')
      topicMargins += byTopic.length
      const relations = trustRelations(snapshot.rows)
      // A topic's figure, where shown, is every response about it: each meeting's and online answer's that holds it.
      for (const m of byTopic) {
        const shownTotal = (m.measures.responses as { value: number | null }).value
        const expected = rows.filter((r) => (r.topics ?? []).includes(m.key.topic!)).reduce((n, r) => n + r.responses, 0)
        if (shownTotal !== null && shownTotal !== expected) return false
      }
      for (const r of snapshot.rows) {
        const v = (r.measures.responses as { value: number | null }).value
        if (v !== null && v > 0 && v < THRESHOLD) return false
      }
      // Counts add up along the relations, overlapping topic margins included: none withheld may be determined.
      const unknown = snapshot.rows.map((r) => Boolean((r.measures.responses as { suppressed: unknown }).suppressed))
      withheld += unknown.filter(Boolean).length
      if (recoverable(unknown, relations).length) return false
      // A mean is withheld wherever its count is; the answered counts behind the means are protected the same way.
      for (const p of ['dignity', 'trust']) {
        const hidden = snapshot.rows.map((r, i) => unknown[i]! || Boolean((r.measures[p] as { suppressed: unknown }).suppressed))
        if (snapshot.rows.some((r, i) => unknown[i] && (r.measures[p] as { value: unknown }).value !== null)) return false
        // The answered count behind each mean adds up along the same relations: what is hidden stays hidden.
        if (recoverable(hidden, relations).length) return false
      }
      return true
    }),
    { numRuns: 150, seed: 53 },
  )
  t.ok(topicMargins > 0, `${topicMargins} topic margins built`)
  t.ok(withheld > 0, `${withheld} figures withheld`)
})

t.test('when the threshold is configured below 11, or the minimum responses below it, then configuration is refused', async (t) => {
  const { loadConfig } = await import('../src/config.ts')
  const low = t.throws(() => loadConfig({ INSIGHTS_SUPPRESSION_THRESHOLD: '10' })) as ConfigError
  t.strictSame(low.problems, ['INSIGHTS_SUPPRESSION_THRESHOLD: must be at least 11 (counts of 1 to 10 are always suppressed)'])
  const fewer = t.throws(() => loadConfig({ INSIGHTS_SUPPRESSION_THRESHOLD: '15', INSIGHTS_MIN_RESPONSES: '12' })) as ConfigError
  t.strictSame(fewer.problems, ['INSIGHTS_MIN_RESPONSES: must be at least INSIGHTS_SUPPRESSION_THRESHOLD'])
  t.strictSame(loadConfig({}).insights, { threshold: 11, minResponses: 11, refreshSeconds: 30, warm: true, builder: 'process' })
  t.equal(loadConfig({ INSIGHTS_BUILDER: 'inline' }).insights.builder, 'inline')
  t.throws(() => loadConfig({ INSIGHTS_BUILDER: 'thread' }), 'an unknown builder is refused')
  t.equal(loadConfig({ INSIGHTS_WARM: 'false' }).insights.warm, false)
  t.strictSame(loadConfig({ INSIGHTS_SUPPRESSION_THRESHOLD: '20' }).insights.minResponses, 20)
})
