// Complements chosen by least information lost: on random tables the choice stays exact (the independent rank test
// finds nothing withheld determined, so no total it publishes gives anything away) and withholds no more than the
// previous choice did (kept in test/helpers/previous-suppression.ts).
import fc from 'fast-check'
import t from 'tap'
import { buildStructure, sumInto, type Key, type MarginFamily } from '../src/modules/insights/canonical-table.ts'
import { determinedEntries, protect, type SuppressionReason } from '../src/modules/insights/suppression.ts'
import { protect as previousProtect } from './helpers/previous-suppression.ts'
import { recoverable } from './helpers/exact-rank.ts'
import { countTableArb } from './helpers/count-tables.ts'
import { assertProperty } from './helpers/property.ts'

const tableArb = countTableArb(4, { min: 11, max: 15 }, { forcedPicks: fc.array(fc.nat(), { maxLength: 2 }), lockedPicks: fc.array(fc.nat(), { maxLength: 2 }) })

t.test('property: what the new choice publishes (totals included) leaves nothing withheld determined, and it withholds no more than the previous choice on average', async (t) => {
  let runs = 0
  let totalsShown = 0
  const withheld = { now: 0, before: 0, nowSum: 0, beforeSum: 0 }
  assertProperty(
    fc.property(tableArb, (table) => {
      runs++
      const s = buildStructure(table.dims, table.keys, table.families as MarginFamily[])
      const values = sumInto(s, table.counts, (a, b) => a + b, () => 0)
      const forced = new Map(table.forcedPicks.map((p) => [p % values.length, 'insufficient_responses' as SuppressionReason]))
      // Locked: entries another table publishes (never 1–10 there, and never forced here).
      const locked = new Set(table.lockedPicks.map((p) => p % values.length).filter((i) => !forced.has(i) && !(values[i]! > 0 && values[i]! < table.threshold)))
      const options = { threshold: table.threshold, forced, locked, implied: s.implied }
      const status = protect(values, s.relations, options)
      const before = previousProtect(values, s.relations, options)
      for (let i = 0; i < values.length; i++) {
        if (status[i] === undefined && values[i]! >= 1 && values[i]! < table.threshold) return false
        if (forced.has(i) && values[i]! > 0 && status[i] !== 'insufficient_responses') return false
      }
      // Exact: the independent rank test over every relation finds no withheld entry determined by what is shown.
      if (recoverable(status.map((x) => x !== undefined), s.relations).length) return false
      for (const r of s.relations) if (status[r.total] === undefined && values[r.total]! > 0 && before[r.total] !== undefined) totalsShown++
      status.forEach((x, i) => x && ((withheld.now += 1), (withheld.nowSum += values[i]!)))
      before.forEach((x, i) => x && ((withheld.before += 1), (withheld.beforeSum += values[i]!)))
      return true
    }),
    { numRuns: 400, seed: 71 },
  )
  t.equal(runs, 400)
  t.ok(totalsShown > 50, `${totalsShown} totals the previous choice withheld are published, and nothing withheld is determined`)
  t.ok(withheld.now <= withheld.before, `entries withheld: ${withheld.now} now, ${withheld.before} before (${(withheld.now / runs).toFixed(2)} and ${(withheld.before / runs).toFixed(2)} a table)`)
  t.ok(withheld.nowSum <= withheld.beforeSum, `counts withheld: ${withheld.nowSum} now, ${withheld.beforeSum} before`)
})

t.test('when the exact check runs by columns or by rows, then both find exactly what the independent rank test finds', async (t) => {
  // Random relation systems (totals that are margins or shared, overlapping members), mostly withheld or few withheld.
  const systemArb = fc.record({
    relations: fc.array(fc.record({ total: fc.integer({ min: 12, max: 19 }), members: fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 7 }) }), { minLength: 1, maxLength: 12 }),
    hidden: fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
    dense: fc.boolean(),
  })
  let found = 0
  assertProperty(
    fc.property(systemArb, ({ relations, hidden, dense }) => {
      const suppressed = hidden.map((h, i) => h || (dense && i % 5 !== 0))
      const expected = JSON.stringify(recoverable(suppressed, relations))
      const byColumns = determinedEntries(suppressed, relations, 'columns')
      found += byColumns.length
      return JSON.stringify(byColumns) === expected && JSON.stringify(determinedEntries(suppressed, relations, 'rows')) === expected
    }),
    { numRuns: 600, seed: 83 },
  )
  t.ok(found > 100, `and they had determined entries to find (${found})`)
})
