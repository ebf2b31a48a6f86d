/**
 * The canonical table of one insight: cells keyed by every dimension a filter may restrict, and margins (totals
 * over families of dimensions). Suppression runs once on the whole table; a request is answered by selecting
 * whole cells and whole margins from it, never by aggregating rows again. Pure: no SQL.
 */

export type Key = Record<string, string>
/** A family of margins: the dimensions kept (the others are summed over). [] is the grand total. */
export type MarginFamily = readonly string[]

export type Entry = { key: Key; kind: 'cell' | 'margin'; family: readonly string[]; index: number }

export type TableStructure = {
  dims: readonly string[]
  entries: Entry[]
  /** Entry k (a margin) equals the sum of its member cells. */
  relations: { total: number; members: number[] }[]
  /**
   * Relations the ones above imply, between margins: a margin equals the sum of the finer margins that split it (a
   * family kept within a larger one). They add nothing a reader could not derive, so suppression may use them freely;
   * its fast pass then catches most combinations without the exact check.
   */
  implied: { total: number; members: number[] }[]
}

const keyString = (key: Key, dims: readonly string[]) => dims.map((d) => `${d}=${key[d] ?? ''}`).join('\u0001')

/**
 * Builds cells (one per distinct key given) and, for each family, one margin per distinct projection.
 * Returns the structure and, for each input key, its cell entry index.
 */
export function buildStructure(dims: readonly string[], keys: Key[], families: readonly MarginFamily[]): TableStructure & { cellOf: Map<string, number> } {
  const entries: Entry[] = []
  const cellOf = new Map<string, number>()
  // One string per distinct value, not one per database row it came from: the table is kept in memory.
  const values = new Map<string, string>()
  const intern = (v: string) => values.get(v) ?? (values.set(v, v), v)
  for (const key of keys) {
    const s = keyString(key, dims)
    if (cellOf.has(s)) continue
    const full = Object.fromEntries(dims.map((d) => [d, intern(key[d] ?? '')]))
    cellOf.set(s, entries.length)
    entries.push({ key: full, kind: 'cell', family: dims, index: entries.length })
  }
  const cellCount = entries.length
  const relations: TableStructure['relations'] = []
  const ofFamily = new Map<MarginFamily, Entry[]>()
  for (const family of families) {
    const marginOf = new Map<string, number>()
    const margins = ofFamily.get(family) ?? ofFamily.set(family, []).get(family)!
    for (let c = 0; c < cellCount; c++) {
      // The margin's key string read off the cell's key (the same string): its key object is made once per margin.
      const cell = entries[c]!.key
      const s = keyString(cell, family)
      let r = marginOf.get(s)
      if (r === undefined) {
        const m = entries.length
        const key = Object.fromEntries(family.map((d) => [d, cell[d]!]))
        const entry: Entry = { key, kind: 'margin', family, index: m }
        entries.push(entry)
        margins.push(entry)
        r = relations.push({ total: m, members: [] }) - 1
        marginOf.set(s, r)
      }
      relations[r]!.members.push(c)
    }
  }
  const implied: TableStructure['relations'] = []
  for (const coarse of families)
    for (const fine of families) {
      if (fine.length <= coarse.length || !coarse.every((d) => fine.includes(d))) continue
      const byKey = new Map<string, number>()
      for (const e of ofFamily.get(coarse)!) byKey.set(keyString(e.key, coarse), implied.push({ total: e.index, members: [] }) - 1)
      for (const e of ofFamily.get(fine)!) implied[byKey.get(keyString(e.key, coarse))!]!.members.push(e.index)
    }
  return { dims, entries, relations, implied, cellOf }
}

export const cellKey = (dims: readonly string[], key: Key) => keyString(key, dims)

/** Sums a per-cell measure into every entry (cells keep their value; margins get the sum of their members). */
export function sumInto<T>(structure: TableStructure, cellValues: readonly T[], add: (a: T, b: T) => T, zero: () => T): T[] {
  const out: T[] = structure.entries.map((e) => (e.kind === 'cell' ? cellValues[e.index]! : zero()))
  for (const r of structure.relations) {
    let acc = zero()
    for (const m of r.members) acc = add(acc, cellValues[m]!)
    out[r.total] = acc
  }
  return out
}

/** A request's selection: for each restricted dimension, the values it keeps. */
export type Selection = Record<string, ReadonlySet<string>>

/**
 * The entries a selection shows: cells whose every restricted dimension is kept, and margins whose family
 * contains every restricted dimension (so the margin's whole population is inside the selection) with kept values.
 */
export function select<E extends Pick<Entry, 'key' | 'family'>>(structure: { entries: readonly E[] }, selection: Selection): E[] {
  const restricted = Object.keys(selection)
  return structure.entries.filter((e) => restricted.every((d) => e.family.includes(d) && selection[d]!.has(e.key[d]!)))
}
