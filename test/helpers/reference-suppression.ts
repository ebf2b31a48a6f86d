/**
 * THE SUPPRESSION BEFORE ITS NUMBER FAST PATH (src/modules/insights/suppression.ts with every vector a Map), kept
 * unchanged so a property test can show the faster one withholds exactly the same entries for the same reasons. Its
 * exact elimination over Maps is the API's own (exact-elimination.ts, which the API runs on BigInt), not a copy.
 * Not used by the API.
 */
/**
 * Small-cell suppression over a table of counts and its published margins: primary suppression of small counts,
 * complementary suppression until no suppressed entry is uniquely determined by the published linear relations.
 * Pure (results are memoized by content): no SQL, no I/O. See docs/PRIVACY.md for the argument.
 */
import { createHash } from 'node:crypto'
import { bigIntegers, determinedOver, eliminate, OVERFLOW, PARALLEL, pivotRows, restrictedRows, smallIntegers } from '../../src/modules/insights/exact-elimination.ts'
import { independentParts, leastWithheld, linkedGroups, nearestComplement, relationsByEntry } from '../../src/modules/insights/suppression.ts'

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
  /** The ways of choosing complements to try (default: every one on parts up to SEARCH_LIMIT entries, else 'cascade'). */
  orders?: readonly ComplementOrder[]
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
  // Entries linked by no chain of relations cannot tell anything about each other (every margin keeps its period, so
  // each period is such a part): each part is protected on its own, and a part seen before is not protected again.
  for (const part of independentParts(values.length, relations, options.implied ?? [])) {
    if (part.relations.length === 0) continue
    const partValues = part.entries.map((g) => values[g]!)
    const partStatus = part.entries.map((g) => status[g])
    const partLocked = new Set(part.entries.flatMap((g, l) => (locked.has(g) ? [l] : [])))
    const key = createHash('sha1').update(JSON.stringify([partValues, partStatus, [...partLocked], part.relations, part.implied, options.orders ?? null])).digest('base64')
    let result = protectedParts.get(key)
    if (!result) {
      const orders = options.orders ?? (part.entries.length <= SEARCH_LIMIT ? complementOrders : ['cascade' as const])
      result = leastWithheld(
        orders.map((order) => protectPart(partValues, part.relations, part.implied, [...partStatus], partLocked, order)),
        partValues,
      )
      if (protectedParts.size >= PART_CACHE_SIZE) protectedParts.delete(protectedParts.keys().next().value!)
      protectedParts.set(key, result)
    }
    part.entries.forEach((g, l) => (status[g] = result[l]))
  }
  return status
}

/** Rounds of the exact pass that add one complement per determined entry before it widens to whole relations. */
const CAREFUL_ROUNDS = 8

/** Parts protected lately, by their content: a rebuild after a change re-protects only the periods it touched. */
const protectedParts = new Map<string, (SuppressionReason | undefined)[]>()
const PART_CACHE_SIZE = 20_000

type Part = { entries: number[]; relations: Relation[]; implied: Relation[] }

/**
 * How a complement is picked among a relation's entries: `cascade` the one leaving the fewest relations newly giving a
 * single withheld entry away, then the smallest; `smallest` the smallest, then by cascade. Each is tried, and the
 * pattern withholding the least (summed counts, then entries) is kept: neither wins everywhere.
 */
export type ComplementOrder = 'cascade' | 'smallest' | 'lookahead' | 'detail'
export const complementOrders: readonly ComplementOrder[] = ['cascade', 'lookahead', 'smallest', 'detail']
/** Parts larger than this (a large agency's month) are protected with 'cascade' alone: each order is a full pass. */
export const SEARCH_LIMIT = 1_000

/** Complementary suppression of one part, from its primary and forced suppressions (`status`, changed in place). */
function protectPart(
  values: readonly number[],
  relations: readonly Relation[],
  implied: readonly Relation[],
  status: (SuppressionReason | undefined)[],
  locked: ReadonlySet<number>,
  order: ComplementOrder,
): (SuppressionReason | undefined)[] {
  const all = [...relations, ...implied]
  const byEntry = relationsByEntry(values.length, all)
  const byEntryExact = relationsByEntry(values.length, relations)
  const entriesOf = (r: Relation) => [r.total, ...r.members]
  const hiddenIn = all.map((r) => entriesOf(r).filter((i) => status[i] !== undefined).length)
  const candidate = (i: number) => status[i] === undefined && values[i]! > 0 && !locked.has(i)
  // The complements this pass chose (forced entries may be complementary too: those stay as given).
  const chosen = values.map(() => false)
  const hide = (i: number) => {
    chosen[i] = true
    status[i] = 'complementary'
    for (const k of byEntry[i]!) hiddenIn[k]!++
  }

  /**
   * The entry of a relation to hide with it: the one whose hiding leaves the fewest relations newly giving a single
   * withheld entry away (each would need a complement of its own) net of those it protects, then the smallest (least
   * information lost). A total is in one relation only, so it never cascades; a cell cascades into every margin it
   * counts in unless those already withhold something.
   */
  // How many entries each total sums (0 for a cell): the 'detail' order withholds the finest first.
  const width: number[] = []
  for (const r of relations) width[r.total] = Math.max(width[r.total] ?? 0, r.members.length)
  /** The smallest entry of a relation that could be withheld, other than `i` (what hiding `i` then costs there). */
  const cheapestBesides = (r: Relation, i: number) => {
    let min = Infinity
    for (const j of entriesOf(r)) if (j !== i && candidate(j) && values[j]! < min) min = values[j]!
    return min === Infinity ? 0 : min
  }
  const complementIn = (r: Relation): number | undefined => {
    let best: number | undefined
    let bestCost = Infinity
    for (const i of entriesOf(r)) {
      if (!candidate(i)) continue
      let cost = 0
      for (const k of byEntry[i]!) cost += hiddenIn[k] === 0 ? 1 : hiddenIn[k] === 1 ? -1 : 0
      if (order === 'lookahead') {
        cost = values[i]!
        for (const k of byEntry[i]!) if (hiddenIn[k] === 0) cost += cheapestBesides(all[k]!, i)
      }
      if (order === 'detail') cost = (width[i] ?? 0) * 1e9 + values[i]!
      const better =
        best === undefined ||
        (order === 'smallest' ? values[i]! < values[best]! || (values[i] === values[best] && cost < bestCost) : cost < bestCost || (cost === bestCost && values[i]! < values[best]!))
      if (better) [best, bestCost] = [i, cost]
    }
    return best
  }

  const checked = new Map<string, number[]>()
  for (let guard = 0; guard <= values.length + 1; guard++) {
    // Fast pass: a relation with exactly one suppressed entry gives it away; hide one more of its entries. Hiding
    // one can leave others with exactly one, so they are queued in turn.
    const queue = all.flatMap((_, k) => (hiddenIn[k] === 1 ? [k] : []))
    while (queue.length) {
      const k = queue.pop()!
      if (hiddenIn[k] !== 1) continue
      const c = complementIn(all[k]!)
      if (c === undefined) continue
      hide(c)
      for (const j of byEntry[c]!) if (hiddenIn[j] === 1) queue.push(j)
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
      // A complement for each determined entry, unless an earlier one of this round already sits next to it. After a
      // few rounds (large sparse tables can chain one determined entry to the next for hundreds of rounds) every
      // publishable entry of the relations through the determined one is hidden: more withheld, far fewer checks.
      for (const target of determined) {
        if (guard >= CAREFUL_ROUNDS) {
          const around = byEntryExact[target]!.flatMap((k) => entriesOf(relations[k]!)).filter(candidate)
          for (const i of around) hide(i)
          if (around.length) progress = true
          else stuck.push(group)
          continue
        }
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
    if (!progress && stuck.length === 0) return release(values, relations, status, chosen)
    if (!progress) {
      // Nothing publishable is near a determined entry: hide every non-zero entry of its group (always safe there),
      // locked ones too if nothing else is left (safety beats consistency with other tables); then check again.
      // (a group is stuck once per determined entry in it: each group's entries are gathered once)
      const inStuck = [...new Set([...new Set(stuck)].flatMap((group) => group.flatMap((k) => entriesOf(relations[k]!))))]
      const free = inStuck.filter(candidate)
      const toHide = new Set(free.length ? free : inStuck.filter((i) => status[i] === undefined && values[i]! > 0))
      if (toHide.size === 0) return status
      for (const i of toHide) hide(i)
    }
  }
  return status
}

/**
 * Publishes again every complement the guarantee does not need, the largest first (a total before the finer margins
 * and cells it sums, so detail is what stays withheld). From the reduced rows of the relations over the withheld
 * entries, each withheld entry's row in a basis of the null space (the ways the withheld values can move together
 * while every relation holds) is known: an entry is determined when its row is zero, and publishing entry x fixes
 * exactly the moves with x's coordinate zero, so it determines another withheld entry exactly when that entry's row is
 * a multiple of x's. So x is released when no other withheld entry's row is parallel to its own, and the basis is then
 * cut down to those moves (one elimination step). Parallel rows stay parallel, so one pass in value order is enough.
 */
function release(values: readonly number[], relations: readonly Relation[], status: (SuppressionReason | undefined)[], chosen: readonly boolean[]): (SuppressionReason | undefined)[] {
  const complements = status.flatMap((_, i) => (chosen[i] ? [i] : []))
  if (complements.length === 0) return status
  const z = smallIntegers
  const hidden = status.map((s) => s !== undefined)
  let pivotOf: Map<number, Map<number, number>>
  try {
    pivotOf = pivotRows(restrictedRows(hidden, relations, z), z)
  } catch (err) {
    if (err === OVERFLOW) return status
    throw err
  }
  // Each withheld entry's null-space row, over the free columns: a pivot's is its reduced row without the pivot, a
  // free entry's is itself.
  const basis = new Map<number, Map<number, number>>()
  hidden.forEach((h, i) => {
    if (!h) return
    const row = pivotOf.get(i)
    if (!row) return void basis.set(i, new Map([[i, 1]]))
    const rest = new Map(row)
    rest.delete(i)
    basis.set(i, rest)
  })
  const holders = new Map<number, Set<number>>()
  // Rows by a hash of their direction; rows sharing a hash are compared exactly before they count as parallel.
  const classes = new Map<number, Set<number>>()
  const keyOf = new Map<number, number>()
  const enter = (i: number) => {
    const row = basis.get(i)!
    for (const k of row.keys()) (holders.get(k) ?? holders.set(k, new Set()).get(k)!).add(i)
    const key = direction(row)
    keyOf.set(i, key)
    ;(classes.get(key) ?? classes.set(key, new Set()).get(key)!).add(i)
  }
  const leave = (i: number) => {
    for (const k of basis.get(i)!.keys()) holders.get(k)!.delete(i)
    classes.get(keyOf.get(i)!)!.delete(i)
  }
  for (const [i, row] of basis) {
    // Something determined already (never, after the passes above): nothing is released.
    if (row.size === 0) return status
    enter(i)
  }
  // The largest first; among equal values the later entry (margins come after cells, coarser families after finer).
  for (const x of complements.sort((a, b) => values[b]! - values[a]! || b - a)) {
    if (status[x] === undefined) continue
    // Entries parallel to x are determined once x is shown (copies: a margin over the same cells, a one-cell margin):
    // they are released with it when all are complements, else x stays withheld.
    const together = [...classes.get(keyOf.get(x)!)!].filter((i) => i === x || parallel(basis.get(i)!, basis.get(x)!))
    if (together.some((i) => !chosen[i])) continue
    const bx = basis.get(x)!
    let p = -1
    for (const k of bx.keys()) if (p < 0 || holders.get(k)!.size < holders.get(p)!.size) p = k
    const touched = [...holders.get(p)!].filter((i) => !together.includes(i))
    // Worked on copies, so an overflow halfway leaves the basis as it was (and x withheld).
    const updated: [number, Map<number, number>][] = []
    try {
      for (const i of touched) {
        const row = new Map(basis.get(i)!)
        eliminate(row, bx, p, z)
        // Parallel after all (a ratio too large to compare above): x stays withheld.
        if (row.size === 0) throw PARALLEL
        updated.push([i, row])
      }
    } catch (err) {
      if (err === OVERFLOW) break
      if (err === PARALLEL) continue
      throw err
    }
    for (const i of together) {
      leave(i)
      basis.delete(i)
      status[i] = undefined
    }
    for (const [i, row] of updated) {
      leave(i)
      basis.set(i, row)
      enter(i)
    }
  }
  return status
}

/** A hash of a sparse row's direction (its entries divided by their gcd, the one at the lowest column positive). */
function direction(row: Map<number, number>): number {
  let g = 0
  let first = Infinity
  row.forEach((v, k) => {
    g = smallIntegers.gcd(g, v)
    if (k < first) first = k
  })
  const sign = row.get(first)! < 0 ? -g : g
  // A sum of one mixed term per entry: the same whatever order the entries are in.
  let h = 0
  row.forEach((v, k) => (h = (h + Math.imul(k + 0x9e3779b1, 0x85ebca6b) * 31 + Math.imul(v / sign, 0xc2b2ae35)) | 0))
  return h
}

/** Whether two sparse rows are multiples of each other. */
function parallel(a: Map<number, number>, b: Map<number, number>): boolean {
  if (a.size !== b.size) return false
  let ratio: [number, number] | undefined
  for (const [k, v] of a) {
    const w = b.get(k)
    if (w === undefined) return false
    if (!ratio) ratio = [v, w]
    else {
      const [p, q] = [v * ratio[1], w * ratio[0]]
      if (p !== q || !Number.isSafeInteger(p)) return false
    }
  }
  return true
}

/**
 * The suppressed entries whose value the published relations determine uniquely: exact rational Gaussian
 * elimination (integer, fraction-free) of the relations restricted to the suppressed entries. An entry is
 * determined exactly when its unit vector lies in the row space.
 */
export function determinedEntries(suppressed: readonly boolean[], relations: readonly Relation[], by?: 'rows' | 'columns'): number[] {
  // Small integers first (fast); if a coefficient ever leaves the safe-integer range, again with BigInt (exact).
  try {
    return determinedOver(smallIntegers, suppressed, relations, by)
  } catch (err) {
    if (err !== OVERFLOW) throw err
    return determinedOver(bigIntegers, suppressed, relations, by)
  }
}
