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

// First in the file, while the number path's column marks are still small: a column far off makes them grow midway
// through a row, and the columns marked before it must keep their places (614 is met twice in the first relation).
t.test('when a far column makes the marks grow midway through a row, then the row is still summed right', async (t) => {
  const relations = [
    { total: 0, members: [614, 20_000, 614] },
    { total: 20_000, members: [614] },
  ]
  const suppressed = new Array<boolean>(20_001).fill(true)
  t.strictSame(determinedEntries(suppressed, relations, 'rows'), [], 'entry 0 is in one relation only: nothing is determined')
  t.strictSame(determinedEntries(suppressed, relations, 'rows'), referenceDetermined(suppressed, relations, 'rows'))
})

// Columns far apart in every system: the marks and whatever they index hold them all.
t.test('property: with entries numbered far apart (thousands), the exact check still finds what the Map version finds', async (t) => {
  const spread = (i: number) => i * 613 + (i % 3)
  const systemArb = fc.record({
    relations: fc.array(fc.record({ total: fc.integer({ min: 10, max: 24 }), members: fc.array(fc.integer({ min: 0, max: 24 }), { minLength: 1, maxLength: 9 }) }), { minLength: 1, maxLength: 16 }),
    hidden: fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }),
  })
  let found = 0
  assertProperty(
    fc.property(systemArb, ({ relations, hidden }) => {
      const far = relations.map((r) => ({ total: spread(r.total), members: r.members.map(spread) }))
      const suppressed = new Array<boolean>(spread(24) + 1).fill(false)
      hidden.forEach((h, i) => (suppressed[spread(i)] = h || i % 4 !== 0))
      return (['rows', 'columns'] as const).every((by) => {
        const mine = determinedEntries(suppressed, far, by)
        found += mine.length
        return JSON.stringify(mine) === JSON.stringify(referenceDetermined(suppressed, far, by))
      })
    }),
    { numRuns: 300, seed: 101 },
  )
  t.ok(found > 50, `and there were determined entries to find (${found})`)
})

t.test('a table of more than a thousand cells (one part, complements by cascade) is protected exactly as the Map version protects it', async (t) => {
  const dims = ['d0', 'd1', 'd2']
  const keys = []
  for (let a = 0; a < 12; a++) for (let b = 0; b < 11; b++) for (let c = 0; c < 9; c++) keys.push({ d0: `a${a}`, d1: `b${b}`, d2: `c${c}` })
  // Sparse small counts from a fixed sequence: many primaries, many complements to choose.
  const pattern = [0, 0, 0, 3, 0, 0, 12, 0, 0, 0, 1, 0, 0, 25, 0, 0, 0]
  const counts = keys.map((_, i) => pattern[(i * 7 + (i >> 3)) % pattern.length]!)
  const s = buildStructure(dims, keys, [['d0'], ['d1'], ['d0', 'd1'], ['d1', 'd2'], ['d0', 'd2'], []] as MarginFamily[])
  const values = sumInto(s, counts, (a, b) => a + b, () => 0)
  t.ok(values.length > 1000, `${values.length} entries`)
  const mine = protect(values, s.relations, { threshold: 11, implied: s.implied })
  t.strictSame(mine, referenceProtect(values, s.relations, { threshold: 11, implied: s.implied }))
  t.ok(mine.filter((x) => x === 'complementary').length > 20, 'with complements chosen')
})

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
