// Random tables of counts for the suppression properties: every combination of 2–3 dimensions' values is a cell, with
// counts skewed towards the small (most 0, 1–10 or just over the threshold) and some families of margins.
import fc from 'fast-check'
import type { Key } from '../../src/modules/insights/canonical-table.ts'

/** Counts skewed towards the small: most cells are 0, 1–10 or just over the threshold. */
export const countArb = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 11, max: 40 }), fc.integer({ min: 41, max: 500 }))

export type CountTable = { dims: string[]; keys: Key[]; counts: number[]; families: string[][]; threshold: number }

/** A table of up to `maxValues` values per dimension; `extra` adds fields to each drawn record (after the table's own). */
export function countTableArb<E extends object = object>(maxValues: number, threshold: { min: number; max: number }, extra?: { [K in keyof E]: fc.Arbitrary<E[K]> }): fc.Arbitrary<CountTable & E> {
  const dimsArb = fc.integer({ min: 2, max: 3 }).chain((n) =>
    fc.tuple(fc.constant(['d0', 'd1', 'd2'].slice(0, n)), fc.array(fc.integer({ min: 1, max: maxValues }), { minLength: n, maxLength: n })),
  )
  return dimsArb.chain(([dims, sizes]) => {
    const keys: Key[] = []
    const walk = (i: number, key: Key) => {
      if (i === dims.length) return void keys.push(key)
      for (let v = 0; v < sizes[i]!; v++) walk(i + 1, { ...key, [dims[i]!]: `v${v}` })
    }
    walk(0, {})
    const subsets = (dims as string[]).reduce<string[][]>((acc, d) => [...acc, ...acc.map((s) => [...s, d])], [[]]).filter((s) => s.length < dims.length)
    return fc.record({
      dims: fc.constant(dims as string[]),
      keys: fc.constant(keys),
      counts: fc.array(countArb, { minLength: keys.length, maxLength: keys.length }),
      families: fc.subarray(subsets, { minLength: 1 }),
      threshold: fc.integer(threshold),
      ...extra,
    }) as unknown as fc.Arbitrary<CountTable & E>
  })
}
