/**
 * Small-cell suppression over a table of counts and its published margins: primary suppression of small counts,
 * complementary suppression until no suppressed entry is uniquely determined by the published linear relations.
 * Pure: no SQL, no I/O. See docs/PRIVACY.md for the argument.
 */

export const suppressionReasons = ['primary', 'complementary', 'insufficient_responses'] as const
export type SuppressionReason = (typeof suppressionReasons)[number]

/**
 * One published linear relation: the entry `total` equals the sum of the entries in `members`.
 * Entries are indices into the value array (cells and margins alike).
 */
export type Relation = { total: number; members: number[] }

export type ProtectOptions = {
  /** Smallest count that may be published; counts 1 … threshold−1 are suppressed (zero counts nobody). */
  threshold: number
  /** Non-zero entries suppressed before anything else, with their reason (e.g. means withheld for too few responses). */
  forced?: ReadonlyMap<number, SuppressionReason>
  /** Extra primary rule: entries this returns a reason for are suppressed too (e.g. a small complement n − m). */
  primary?: (index: number) => SuppressionReason | undefined
  /** Entries that must stay published (already published elsewhere with the same value); never chosen as complements. */
  locked?: ReadonlySet<number>
  /**
   * Relations that follow from `relations` (e.g. a margin as the sum of finer margins): the fast pass uses them to
   * catch combinations early; the exact check leaves them out, since they add nothing to what is determined.
   */
  implied?: readonly Relation[]
}

/**
 * Returns, for every entry, why it is suppressed (or undefined when it may be published).
 * Guarantee (checked exactly, not by heuristic): no suppressed entry is uniquely determined by the relations
 * and the published entries.
 */
export function protect(values: readonly number[], relations: readonly Relation[], options: ProtectOptions): (SuppressionReason | undefined)[] {
  const { threshold } = options
  const status: (SuppressionReason | undefined)[] = values.map((v, i) => {
    // Zero counts nobody, and a reader can tell a zero (it has no figure at all): there is nothing to hide.
    if (v === 0) return undefined
    const forced = options.forced?.get(i)
    if (forced) return forced
    if (options.locked?.has(i)) return undefined
    if (v >= 1 && v < threshold) return 'primary'
    return options.primary?.(i)
  })
  const locked = options.locked ?? new Set<number>()
  const all = [...relations, ...(options.implied ?? [])]
  const byEntry = relationsByEntry(values.length, all)
  const byEntryExact = relationsByEntry(values.length, relations)
  const entriesOf = (r: Relation) => [r.total, ...r.members]
  const hiddenIn = all.map((r) => entriesOf(r).filter((i) => status[i] !== undefined).length)
  const candidate = (i: number) => status[i] === undefined && values[i]! > 0 && !locked.has(i)
  const hide = (i: number) => {
    status[i] = 'complementary'
    for (const k of byEntry[i]!) hiddenIn[k]!++
  }

  /**
   * The entry of a relation to hide with it: the one whose hiding leaves the fewest relations newly giving a single
   * withheld entry away (each would need a complement of its own) net of those it protects, then the smallest (least
   * information lost). A total is in one relation only, so it never cascades; a cell cascades into every margin it
   * counts in unless those already withhold something.
   */
  const complementIn = (r: Relation): number | undefined => {
    let best: number | undefined
    let bestCost = Infinity
    for (const i of entriesOf(r)) {
      if (!candidate(i)) continue
      let cost = 0
      for (const k of byEntry[i]!) cost += hiddenIn[k] === 0 ? 1 : hiddenIn[k] === 1 ? -1 : 0
      if (cost < bestCost || (cost === bestCost && values[i]! < values[best!]!)) [best, bestCost] = [i, cost]
    }
    return best
  }

  const checked = new Map<string, number[]>()
  for (let guard = 0; guard <= values.length + 1; guard++) {
    // Fast pass: a relation with exactly one suppressed entry gives it away; hide one more of its entries.
    let changed = true
    while (changed) {
      changed = false
      all.forEach((r, k) => {
        if (hiddenIn[k] !== 1) return
        const c = complementIn(r)
        if (c !== undefined) {
          hide(c)
          changed = true
        }
      })
    }
    // Exact pass: each entry still determined by a combination of relations gets a complement near it (one per
    // neighbourhood per round: one complement often frees its neighbours too), then the check runs again.
    const hidden = status.map((s) => s !== undefined)
    const groups = linkedGroups(hidden, relations, byEntryExact)
    let progress = false
    const stuck: number[][] = []
    const touched = new Set<number>()
    for (const group of groups) {
      const id = group.flatMap((k) => [relations[k]!.total, ...relations[k]!.members].filter((i) => hidden[i])).sort((a, b) => a - b).join()
      const determined = checked.get(id) ?? determinedEntries(hidden, group.map((k) => relations[k]!))
      checked.set(id, determined)
      // A complement for each determined entry, unless an earlier one of this round already sits next to it.
      for (const target of determined) {
        if (byEntryExact[target]!.some((k) => touched.has(k))) continue
        const near = nearestComplement(target, byEntryExact, relations, status, complementIn)
        if (near === undefined) stuck.push(group)
        else if (candidate(near)) {
          hide(near)
          for (const k of byEntryExact[near]!) touched.add(k)
          progress = true
        }
      }
    }
    if (!progress && stuck.length === 0) return status
    if (!progress) {
      // Nothing publishable is near a determined entry: hide every non-zero entry of its group (always safe there),
      // locked ones too if nothing else is left (safety beats consistency with other tables); then check again.
      const inStuck = stuck.flatMap((group) => group.flatMap((k) => entriesOf(relations[k]!)))
      const free = inStuck.filter(candidate)
      const toHide = new Set(free.length ? free : inStuck.filter((i) => status[i] === undefined && values[i]! > 0))
      if (toHide.size === 0) return status
      for (const i of toHide) hide(i)
    }
  }
  return status
}

/**
 * Relations touching a suppressed entry, grouped so that two relations sharing a suppressed entry are in the same
 * group. Whether an entry is determined depends only on its own group, so groups are checked (and cached) apart.
 */
function linkedGroups(hidden: readonly boolean[], relations: readonly Relation[], byEntry: number[][]): number[][] {
  const parent = relations.map((_, k) => k)
  const find = (k: number): number => (parent[k] === k ? k : (parent[k] = find(parent[k]!)))
  byEntry.forEach((ks, i) => {
    if (!hidden[i]) return
    for (const k of ks) parent[find(k)] = find(ks[0]!)
  })
  const groups = new Map<number, number[]>()
  relations.forEach((r, k) => {
    if (!hidden[r.total] && !r.members.some((m) => hidden[m])) return
    const root = find(k)
    const g = groups.get(root) ?? groups.set(root, []).get(root)!
    g.push(k)
  })
  return [...groups.values()]
}

function relationsByEntry(size: number, relations: readonly Relation[]): number[][] {
  const out: number[][] = Array.from({ length: size }, () => [])
  relations.forEach((r, k) => {
    out[r.total]!.push(k)
    for (const m of r.members) out[m]!.push(k)
  })
  return out
}

/** Breadth-first through relations linked by suppressed entries, for the nearest entry that can be hidden. */
function nearestComplement(
  start: number,
  byEntry: number[][],
  relations: readonly Relation[],
  status: (SuppressionReason | undefined)[],
  complementIn: (r: Relation) => number | undefined,
): number | undefined {
  const seenEntries = new Set([start])
  const seenRelations = new Set<number>()
  let frontier = [start]
  while (frontier.length) {
    const next: number[] = []
    for (const e of frontier)
      for (const k of byEntry[e]!) {
        if (seenRelations.has(k)) continue
        seenRelations.add(k)
        const c = complementIn(relations[k]!)
        if (c !== undefined) return c
        for (const i of [relations[k]!.total, ...relations[k]!.members])
          if (status[i] !== undefined && !seenEntries.has(i)) {
            seenEntries.add(i)
            next.push(i)
          }
      }
    frontier = next
  }
  return undefined
}

/**
 * The suppressed entries whose value the published relations determine uniquely: exact rational Gaussian
 * elimination (integer, fraction-free) of the relations restricted to the suppressed entries. An entry is
 * determined exactly when its unit vector lies in the row space, i.e. some row of the reduced echelon form
 * is that unit vector.
 */
export function determinedEntries(suppressed: readonly boolean[], relations: readonly Relation[]): number[] {
  const rows: Map<number, bigint>[] = []
  for (const r of relations) {
    const row = new Map<number, bigint>()
    const add = (i: number, c: bigint) => {
      if (!suppressed[i]) return
      const v = (row.get(i) ?? 0n) + c
      if (v === 0n) row.delete(i)
      else row.set(i, v)
    }
    add(r.total, 1n)
    for (const m of r.members) add(m, -1n)
    if (row.size) rows.push(row)
  }
  const reduced = reducedRowEchelon(rows)
  const out: number[] = []
  for (const row of reduced) if (row.size === 1) out.push([...row.keys()][0]!)
  return out.sort((a, b) => a - b)
}

const abs = (x: bigint) => (x < 0n ? -x : x)
const gcd = (a: bigint, b: bigint): bigint => {
  a = abs(a)
  b = abs(b)
  while (b) [a, b] = [b, a % b]
  return a
}

function normalize(row: Map<number, bigint>) {
  let g = 0n
  for (const v of row.values()) g = gcd(g, v)
  if (g > 1n) for (const [k, v] of row) row.set(k, v / g)
}

/**
 * Reduced row echelon form over the rationals, rows kept as sparse integer vectors (each scaled by its gcd). A column
 * index (which kept rows hold a column) lets each new pivot be eliminated from just the rows that hold it.
 */
export function reducedRowEchelon(input: Map<number, bigint>[]): Map<number, bigint>[] {
  const pivotOf = new Map<number, Map<number, bigint>>()
  const holders = new Map<number, Set<Map<number, bigint>>>()
  const index = (row: Map<number, bigint>, before: Iterable<number>) => {
    for (const k of before) if (!row.has(k)) holders.get(k)?.delete(row)
    for (const k of row.keys()) (holders.get(k) ?? holders.set(k, new Set()).get(k)!).add(row)
  }
  for (const source of input) {
    const row = new Map(source)
    // Eliminate existing pivot columns from the new row.
    for (let col = pivotColumnIn(row, pivotOf); col !== undefined; col = pivotColumnIn(row, pivotOf)) eliminate(row, pivotOf.get(col)!, col)
    if (row.size === 0) continue
    // Pivot on the highest column: margins come after cells, and a margin sits in one relation, so it fills nothing in.
    const col = Math.max(...row.keys())
    normalize(row)
    // Eliminate the new pivot from the kept rows that hold it, keeping the form reduced.
    for (const other of [...(holders.get(col) ?? [])]) {
      const before = [...other.keys()]
      eliminate(other, row, col)
      index(other, before)
    }
    pivotOf.set(col, row)
    index(row, [])
  }
  return [...pivotOf.values()]
}

function pivotColumnIn(row: Map<number, bigint>, pivotOf: Map<number, unknown>): number | undefined {
  for (const k of row.keys()) if (pivotOf.has(k)) return k
  return undefined
}

/** target := target·a − pivotRow·b so that target[col] becomes 0. */
function eliminate(target: Map<number, bigint>, pivotRow: Map<number, bigint>, col: number) {
  const b = target.get(col)
  if (b === undefined) return
  const a = pivotRow.get(col)!
  for (const [k, v] of target) target.set(k, v * a)
  for (const [k, v] of pivotRow) {
    const nv = (target.get(k) ?? 0n) - v * b
    if (nv === 0n) target.delete(k)
    else target.set(k, nv)
  }
  normalize(target)
}
