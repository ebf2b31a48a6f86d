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
  const byEntry = relationsByEntry(values.length, relations)
  const candidate = (i: number) => status[i] === undefined && values[i]! > 0 && !locked.has(i)

  /** The smallest published non-zero entry of a relation, members before its total (totals are worth more). */
  const complementIn = (r: Relation): number | undefined => {
    let best: number | undefined
    for (const i of [...r.members, r.total]) if (candidate(i) && (best === undefined || values[i]! < values[best]!)) best = i
    return best
  }

  for (let guard = 0; guard <= values.length + 1; guard++) {
    // Fast pass: a relation with exactly one suppressed entry gives it away; hide one more of its entries.
    let changed = true
    while (changed) {
      changed = false
      for (const r of relations) {
        let hidden = 0
        for (const i of [r.total, ...r.members]) if (status[i] !== undefined) hidden++
        if (hidden !== 1) continue
        const c = complementIn(r)
        if (c !== undefined) {
          status[c] = 'complementary'
          changed = true
        }
      }
    }
    // Exact pass: any entry still determined by a combination of relations gets a complement near it.
    const determined = determinedEntries(status.map((s) => s !== undefined), relations)
    if (determined.length === 0) return status
    const target = determined[0]!
    const near = nearestComplement(target, byEntry, relations, status, complementIn)
    if (near !== undefined) status[near] = 'complementary'
    else {
      // Nothing publishable is connected to it: hide every remaining non-zero entry (always safe).
      for (let i = 0; i < values.length; i++) if (candidate(i)) status[i] = 'complementary'
      if (determinedEntries(status.map((s) => s !== undefined), relations).length === 0) return status
      // Only locked entries are left to hide: hide them too; safety beats consistency with other tables.
      for (let i = 0; i < values.length; i++) if (status[i] === undefined && values[i]! > 0) status[i] = 'complementary'
      return status
    }
  }
  return status
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

/** Reduced row echelon form over the rationals, rows kept as sparse integer vectors (each scaled by its gcd). */
export function reducedRowEchelon(input: Map<number, bigint>[]): Map<number, bigint>[] {
  const rows = input.map((r) => new Map(r))
  const pivots: { col: number; row: Map<number, bigint> }[] = []
  const pivotOf = new Map<number, Map<number, bigint>>()
  for (const row of rows) {
    // Eliminate existing pivot columns from the new row.
    for (const [col, prow] of pivotOf) eliminate(row, prow, col)
    if (row.size === 0) continue
    const col = Math.min(...row.keys())
    normalize(row)
    // Eliminate the new pivot from the earlier pivot rows, keeping the form reduced.
    for (const p of pivots) eliminate(p.row, row, col)
    pivots.push({ col, row })
    pivotOf.set(col, row)
  }
  return pivots.map((p) => p.row)
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
