/**
 * THE PREVIOUS CHOICE OF COMPLEMENTS (src/modules/insights/suppression.ts before complements were chosen by least
 * information lost), kept unchanged so tests can compare what the two withhold; its exact elimination over Maps is the
 * API's own (exact-elimination.ts), not a copy. Not used by the API.
 *
 * Small-cell suppression over a table of counts and its published margins: primary suppression of small counts,
 * complementary suppression until no suppressed entry is uniquely determined by the published linear relations.
 * Pure (results are memoized by content): no SQL, no I/O. See docs/PRIVACY.md for the argument.
 */
import { createHash } from 'node:crypto'
import { bigIntegers, eliminate, MinHeap, OVERFLOW, peelAndReduce, restrictedRows, smallIntegers, type Integers } from '../../src/modules/insights/exact-elimination.ts'
import { independentParts, linkedGroups, nearestComplement, relationsByEntry } from '../../src/modules/insights/suppression.ts'

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
  // Entries linked by no chain of relations cannot tell anything about each other (every margin keeps its period, so
  // each period is such a part): each part is protected on its own, and a part seen before is not protected again.
  for (const part of independentParts(values.length, relations, options.implied ?? [])) {
    if (part.relations.length === 0) continue
    const partValues = part.entries.map((g) => values[g]!)
    const partStatus = part.entries.map((g) => status[g])
    const partLocked = new Set(part.entries.flatMap((g, l) => (locked.has(g) ? [l] : [])))
    const key = createHash('sha1').update(JSON.stringify([partValues, partStatus, [...partLocked], part.relations, part.implied])).digest('base64')
    let result = protectedParts.get(key)
    if (!result) {
      result = protectPart(partValues, part.relations, part.implied, partStatus, partLocked)
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

/** Complementary suppression of one part, from its primary and forced suppressions (`status`, changed in place). */
function protectPart(
  values: readonly number[],
  relations: readonly Relation[],
  implied: readonly Relation[],
  status: (SuppressionReason | undefined)[],
  locked: ReadonlySet<number>,
): (SuppressionReason | undefined)[] {
  const all = [...relations, ...implied]
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
    if (!progress && stuck.length === 0) return status
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
 * The suppressed entries whose value the published relations determine uniquely: exact rational Gaussian
 * elimination (integer, fraction-free) of the relations restricted to the suppressed entries. An entry is
 * determined exactly when its unit vector lies in the row space.
 */
export function determinedEntries(suppressed: readonly boolean[], relations: readonly Relation[]): number[] {
  // Small integers first (fast); if a coefficient ever leaves the safe-integer range, again with BigInt (exact).
  try {
    return determinedWith(restrictedRows(suppressed, relations, smallIntegers), smallIntegers)
  } catch (err) {
    if (err !== OVERFLOW) throw err
    return determinedWith(restrictedRows(suppressed, relations, bigIntegers), bigIntegers)
  }
}

/**
 * First peels off every row holding a column no other row holds (typically a withheld margin: it sits in its own
 * relation only). Such a row says nothing about any other entry: whatever values the other rows allow, its private
 * entry can take up the difference. So the other entries are decided by the rows left (the core), which alone need
 * elimination; in sparse tables, where most entries are withheld, the core is a small part of the whole. A peeled
 * row's private entry is determined exactly when the rest of its row lies in the span of the rows peeled after it
 * and the core (a later peeled row never holds an earlier one's private entry, so they are taken earliest first).
 */
function determinedWith<T>(rows: Map<number, T>[], z: Integers<T>): number[] {
  const { peeled, pivotOf } = peelAndReduce(rows, z)
  const out: number[] = []
  for (const [column, row] of pivotOf) if (row.size === 1) out.push(column)
  const order = new Map(peeled.map((p, m) => [p.column, m]))
  for (const { row, column } of peeled) {
    const rest = new Map(row)
    rest.delete(column)
    // Later peeled rows, earliest first (a min-heap of their order), then the core's reduced rows.
    const heap = new MinHeap()
    for (const k of rest.keys()) if (order.has(k)) heap.push(order.get(k)!)
    for (let m = heap.pop(); m !== undefined; m = heap.pop()) {
      const later = peeled[m]!
      if (!rest.has(later.column)) continue
      eliminate(rest, later.row, later.column, z)
      // Whatever private entries that brought in come from the later row (an order pushed twice is skipped above).
      for (const k of later.row.keys()) if (rest.has(k) && order.has(k)) heap.push(order.get(k)!)
    }
    for (const k of [...rest.keys()]) if (rest.has(k) && pivotOf.has(k)) eliminate(rest, pivotOf.get(k)!, k, z)
    if (rest.size === 0) out.push(column)
  }
  return out.sort((a, b) => a - b)
}
