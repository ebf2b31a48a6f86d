// The number path (sparse vectors as arrays, elimination indexes following each change) is only faster: on random
// tables it withholds exactly what the Map version did (kept in test/helpers/reference-suppression.ts), for the same
// reasons, and its exact check finds exactly the same determined entries, by rows and by columns.
import fc from 'fast-check'
import t from 'tap'
import { buildStructure, sumInto, type MarginFamily } from '../src/modules/insights/canonical-table.ts'
import { complementOrders, determinedEntries, protect, type SuppressionReason } from '../src/modules/insights/suppression.ts'
import { determinedEntries as referenceDetermined, protect as referenceProtect } from './helpers/reference-suppression.ts'
import { countTableArb } from './helpers/count-tables.ts'
import { assertProperty } from './helpers/property.ts'

const tableArb = countTableArb(5, { min: 3, max: 15 }, { forcedPicks: fc.array(fc.nat(), { maxLength: 3 }), lockedPicks: fc.array(fc.nat(), { maxLength: 3 }), order: fc.constantFrom(undefined, ...complementOrders) })

t.test('property: on random tables (forced, locked, every complement order) the number path withholds exactly what the Map version does', async (t) => {
  let withheld = 0
  let complementary = 0
  assertProperty(
    fc.property(tableArb, (table) => {
      const s = buildStructure(table.dims, table.keys, table.families as MarginFamily[])
      const values = sumInto(s, table.counts, (a, b) => a + b, () => 0)
      const forced = new Map(table.forcedPicks.map((p) => [p % values.length, 'insufficient_responses' as SuppressionReason]))
      const locked = new Set(table.lockedPicks.map((p) => p % values.length).filter((i) => !forced.has(i) && !(values[i]! > 0 && values[i]! < table.threshold)))
      const options = { threshold: table.threshold, forced, locked, implied: s.implied, ...(table.order ? { orders: [table.order] } : {}) }
      const mine = protect(values, s.relations, options)
      const reference = referenceProtect(values, s.relations, options)
      mine.forEach((x) => x && (withheld++, x === 'complementary' && complementary++))
      return JSON.stringify(mine) === JSON.stringify(reference)
    }),
    { numRuns: 600, seed: 97 },
  )
  t.ok(complementary > 200, `and they had complements to choose (${complementary} of ${withheld} withheld)`)
})

t.test('property: the exact check finds the same determined entries as the Map version, by rows and by columns', async (t) => {
  // Relation systems with shared totals and overlapping members (an entry may even be its own relation's member).
  const systemArb = fc.record({
    relations: fc.array(fc.record({ total: fc.integer({ min: 10, max: 24 }), members: fc.array(fc.integer({ min: 0, max: 24 }), { minLength: 1, maxLength: 9 }) }), { minLength: 1, maxLength: 16 }),
    hidden: fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }),
    dense: fc.boolean(),
  })
  let found = 0
  assertProperty(
    fc.property(systemArb, ({ relations, hidden, dense }) => {
      const suppressed = hidden.map((h, i) => h || (dense && i % 5 !== 0))
      return (['rows', 'columns', undefined] as const).every((by) => {
        const mine = determinedEntries(suppressed, relations, by)
        found += mine.length
        return JSON.stringify(mine) === JSON.stringify(referenceDetermined(suppressed, relations, by))
      })
    }),
    { numRuns: 1000, seed: 89 },
  )
  t.ok(found > 100, `and there were determined entries to find (${found})`)
})
