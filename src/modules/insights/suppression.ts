/**
 * Small-cell suppression over a table of counts and its published margins: primary suppression of small counts,
 * complementary suppression until no suppressed entry is uniquely determined by the published linear relations.
 * Pure (results are memoized by content): no SQL, no I/O. See docs/PRIVACY.md for the argument.
 */
import { createHash } from 'node:crypto'
import { bigIntegers, determinedOver, MinHeap, OVERFLOW, PARALLEL, safe } from './exact-elimination.ts'

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
    const key = partKey(partValues, partStatus, partLocked, part, options.orders)
    const known = protectedParts.get(key)
    let result: (SuppressionReason | undefined)[]
    if (known) result = Array.from(known, (code) => (code ? suppressionReasons[code - 1] : undefined))
    else {
      const orders = options.orders ?? (part.entries.length <= SEARCH_LIMIT ? complementOrders : ['cascade' as const])
      // The orders often meet the same withheld groups: each group is checked (and reduced) once for all of them.
      const all = [...part.relations, ...part.implied]
      const memo: PartMemo = { checked: new Map(), pivots: new Map(), all, byEntry: relationsByEntry(partValues.length, all), byEntryExact: relationsByEntry(partValues.length, part.relations) }
      result = leastWithheld(
        orders.map((order) => protectPart(partValues, part.relations, part.implied, [...partStatus], partLocked, order, memo)),
        partValues,
      )
      if (protectedParts.size >= PART_CACHE_SIZE) protectedParts.delete(protectedParts.keys().next().value!)
      protectedParts.set(key, Uint8Array.from(result, (r) => (r ? suppressionReasons.indexOf(r) + 1 : 0)))
    }
    part.entries.forEach((g, l) => (status[g] = result[l]))
  }
  return status
}

/** Rounds of the exact pass that add one complement per determined entry before it widens to whole relations. */
const CAREFUL_ROUNDS = 8

/**
 * Parts protected lately, by their content: a rebuild after a change re-protects only the periods it touched. Kept
 * as one byte an entry (0 published, else 1 + the reason's index): large periods are tens of thousands of entries.
 */
const protectedParts = new Map<string, Uint8Array>()

/** A part's content hashed as numbers, each list after its length (no JSON text of the whole part made to hash it). */
function partKey(values: readonly number[], status: readonly (SuppressionReason | undefined)[], locked: ReadonlySet<number>, part: Part, orders: readonly ComplementOrder[] | undefined): string {
  const hash = createHash('sha1')
  const relations = (list: readonly Relation[]) => {
    let size = 1
    for (const r of list) size += 2 + r.members.length
    const out = new Int32Array(size)
    let w = 0
    out[w++] = list.length
    for (const r of list) {
      out[w++] = r.total
      out[w++] = r.members.length
      out.set(r.members, w)
      w += r.members.length
    }
    return out
  }
  hash.update(Int32Array.of(values.length, locked.size))
  hash.update(Float64Array.from(values))
  hash.update(Uint8Array.from(status, (r) => (r ? suppressionReasons.indexOf(r) + 1 : 0)))
  hash.update(Int32Array.from(locked))
  hash.update(relations(part.relations))
  hash.update(relations(part.implied))
  hash.update(JSON.stringify(orders ?? null))
  return hash.digest('base64')
}
const PART_CACHE_SIZE = 20_000

type Part = { entries: number[]; relations: Relation[]; implied: Relation[] }

// independentParts, leastWithheld, linkedGroups, relationsByEntry and nearestComplement are exported for the test
// oracles (test/helpers/*-suppression.ts), which hold the rest of the old code to them unchanged.
/** Splits entries into parts no relation crosses, with each part's relations in part-local indices. */
export function independentParts(size: number, relations: readonly Relation[], implied: readonly Relation[]): Part[] {
  const { find, union } = disjointSets(size)
  for (const r of [...relations, ...implied]) for (const m of r.members) union(m, r.total)
  const parts = new Map<number, Part>()
  const local = new Array<number>(size)
  for (let i = 0; i < size; i++) {
    const root = find(i)
    const part = parts.get(root) ?? parts.set(root, { entries: [], relations: [], implied: [] }).get(root)!
    local[i] = part.entries.push(i) - 1
  }
  const localize = (r: Relation): Relation => ({ total: local[r.total]!, members: r.members.map((m) => local[m]!) })
  for (const r of relations) parts.get(find(r.total))!.relations.push(localize(r))
  for (const r of implied) parts.get(find(r.total))!.implied.push(localize(r))
  return [...parts.values()]
}

/**
 * How a complement is picked among a relation's entries: `cascade` the one leaving the fewest relations newly giving a
 * single withheld entry away, then the smallest; `smallest` the smallest, then by cascade. Each is tried, and the
 * pattern withholding the least (summed counts, then entries) is kept: neither wins everywhere.
 */
export type ComplementOrder = 'cascade' | 'smallest' | 'lookahead' | 'detail'
export const complementOrders: readonly ComplementOrder[] = ['cascade', 'lookahead', 'smallest', 'detail']
/** Parts larger than this (a large agency's month) are protected with 'cascade' alone: each order is a full pass. */
export const SEARCH_LIMIT = 1_000

/** Of several safe patterns, the one withholding the smallest sum of counts, then the fewest entries, then the first. */
export function leastWithheld(patterns: (SuppressionReason | undefined)[][], values: readonly number[]) {
  const cost = (p: (SuppressionReason | undefined)[]) => {
    let sum = 0
    let n = 0
    p.forEach((s, i) => s && ((sum += values[i]!), n++))
    return [sum, n] as const
  }
  let best = patterns[0]!
  let bestCost = cost(best)
  for (const p of patterns.slice(1)) {
    const c = cost(p)
    if (c[0] < bestCost[0] || (c[0] === bestCost[0] && c[1] < bestCost[1])) [best, bestCost] = [p, c]
  }
  return best
}

/**
 * What one part's passes (one per order) share: by a group's withheld entries (the group's relations follow from
 * them), determinedEntries' answer and the release's reduced rows of the group; and the part's relation index.
 */
type PartMemo = {
  checked: Map<string, number[]>
  pivots: Map<string, Map<number, Vec>>
  /** The part's relations and implied ones, and the relations (of both, and exact only) each entry is in. */
  all: readonly Relation[]
  byEntry: number[][]
  byEntryExact: number[][]
}

/** Complementary suppression of one part, from its primary and forced suppressions (`status`, changed in place). */
function protectPart(
  values: readonly number[],
  relations: readonly Relation[],
  implied: readonly Relation[],
  status: (SuppressionReason | undefined)[],
  locked: ReadonlySet<number>,
  order: ComplementOrder,
  memo: PartMemo,
): (SuppressionReason | undefined)[] {
  const { checked, all, byEntry, byEntryExact } = memo
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
    const ids: string[] = []
    for (const group of groups) {
      const id = group.flatMap((k) => [relations[k]!.total, ...relations[k]!.members].filter((i) => hidden[i])).sort((a, b) => a - b).join()
      ids.push(id)
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
    if (!progress && stuck.length === 0) return release(values, relations, status, chosen, groups, ids, memo.pivots)
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
function release(
  values: readonly number[],
  relations: readonly Relation[],
  status: (SuppressionReason | undefined)[],
  chosen: readonly boolean[],
  groups: readonly number[][],
  ids: readonly string[],
  pivots: Map<string, Map<number, Vec>>,
): (SuppressionReason | undefined)[] {
  const complements = status.flatMap((_, i) => (chosen[i] ? [i] : []))
  if (complements.length === 0) return status
  const hidden = status.map((s) => s !== undefined)
  // Group by group (no relation links two groups, so each is reduced exactly as it would be with all the others).
  const pivotOf = new Map<number, Vec>()
  try {
    groups.forEach((group, g) => {
      let rows = pivots.get(ids[g]!)
      if (!rows) pivots.set(ids[g]!, (rows = pivotRowsN(restrictedRowsN(hidden, group.map((k) => relations[k]!)))))
      for (const [column, row] of rows) pivotOf.set(column, row)
    })
  } catch (err) {
    if (err === OVERFLOW) return status
    throw err
  }
  // Each withheld entry's null-space row, over the free columns: a pivot's is its reduced row without the pivot, a
  // free entry's is itself.
  const basis = new Map<number, Vec>()
  hidden.forEach((h, i) => {
    if (!h) return
    const row = pivotOf.get(i)
    if (!row) return void basis.set(i, { keys: [i], vals: [1] })
    const rest: Vec = { keys: [], vals: [] }
    row.keys.forEach((k, j) => k !== i && (rest.keys.push(k), rest.vals.push(row.vals[j]!)))
    basis.set(i, rest)
  })
  const holders = new Map<number, Set<number>>()
  // When each row last came in: the order the rows holding a column are met in (as a Set re-filled per change keeps it).
  const cameIn = new Map<number, number>()
  let clock = 0
  // Rows by a hash of their direction; rows sharing a hash are compared exactly before they count as parallel.
  const classes = new Map<number, Set<number>>()
  const keyOf = new Map<number, number>()
  const hold = (k: number, i: number) => {
    const held = holders.get(k)
    if (held) held.add(i)
    else holders.set(k, new Set([i]))
  }
  const classify = (i: number) => {
    const key = direction(basis.get(i)!)
    keyOf.set(i, key)
    ;(classes.get(key) ?? classes.set(key, new Set()).get(key)!).add(i)
    cameIn.set(i, clock++)
  }
  for (const [i, row] of basis) {
    // Something determined already (never, after the passes above): nothing is released.
    if (row.keys.length === 0) return status
    for (const k of row.keys) hold(k, i)
    classify(i)
  }
  // The largest first; among equal values the later entry (margins come after cells, coarser families after finer).
  for (const x of complements.sort((a, b) => values[b]! - values[a]! || b - a)) {
    if (status[x] === undefined) continue
    // Entries parallel to x are determined once x is shown (copies: a margin over the same cells, a one-cell margin):
    // they are released with it when all are complements, else x stays withheld.
    const bx = basis.get(x)!
    const together = [...classes.get(keyOf.get(x)!)!].filter((i) => i === x || parallel(basis.get(i)!, bx))
    if (together.some((i) => !chosen[i])) continue
    let p = -1
    let least = 0
    for (const k of bx.keys) {
      const n = holders.get(k)!.size
      if (p < 0 || n < least) {
        p = k
        least = n
      }
    }
    // In the order they came in: the first failure met (parallel or overflow) decides, as it did over a Set.
    const touched = [...holders.get(p)!].filter((i) => !together.includes(i)).sort((a, b) => cameIn.get(a)! - cameIn.get(b)!)
    // Worked on copies, so an overflow halfway leaves the basis as it was (and x withheld).
    const updated: { i: number; row: Vec; removed: number[]; added: number[] }[] = []
    try {
      for (const i of touched) {
        const row = copyVec(basis.get(i)!)
        eliminateN(row, bx, p)
        // Parallel after all (a ratio too large to compare above): x stays withheld.
        if (row.keys.length === 0) throw PARALLEL
        updated.push({ i, row, removed: lastRemoved.slice(), added: lastAdded.slice() })
      }
    } catch (err) {
      if (err === OVERFLOW) break
      if (err === PARALLEL) continue
      throw err
    }
    for (const i of together) {
      for (const k of basis.get(i)!.keys) holders.get(k)!.delete(i)
      classes.get(keyOf.get(i)!)!.delete(i)
      basis.delete(i)
      status[i] = undefined
    }
    for (const { i, row, removed, added } of updated) {
      for (const k of removed) holders.get(k)!.delete(i)
      for (const k of added) hold(k, i)
      classes.get(keyOf.get(i)!)!.delete(i)
      basis.set(i, row)
      classify(i)
    }
  }
  return status
}

/** A hash of a sparse row's direction (its entries divided by their gcd, the one at the lowest column positive). */
function direction(row: Vec): number {
  const { keys, vals } = row
  let g = 0
  let first = 0
  for (let j = 0; j < keys.length; j++) {
    g = gcdN(g, vals[j]!)
    if (keys[j]! < keys[first]!) first = j
  }
  const sign = vals[first]! < 0 ? -g : g
  // A sum of one mixed term per entry: the same whatever order the entries are in.
  let h = 0
  for (let j = 0; j < keys.length; j++) h = (h + Math.imul(keys[j]! + 0x9e3779b1, 0x85ebca6b) * 31 + Math.imul(vals[j]! / sign, 0xc2b2ae35)) | 0
  return h
}

/** Whether two sparse rows are multiples of each other. */
function parallel(a: Vec, b: Vec): boolean {
  if (a.keys.length !== b.keys.length) return false
  parallelMarks.load(b)
  let r0 = 0
  let r1 = 0
  for (let j = 0; j < a.keys.length; j++) {
    const k = a.keys[j]!
    if (!parallelMarks.has(k)) return false
    const v = a.vals[j]!
    const w = b.vals[parallelMarks.pos(k)]!
    if (j === 0) [r0, r1] = [v, w]
    else {
      const p = v * r1
      if (p !== w * r0 || !Number.isSafeInteger(p)) return false
    }
  }
  return true
}

/**
 * Relations touching a suppressed entry, grouped so that two relations sharing a suppressed entry are in the same
 * group. Whether an entry is determined depends only on its own group, so groups are checked (and cached) apart.
 */
export function linkedGroups(hidden: readonly boolean[], relations: readonly Relation[], byEntry: number[][]): number[][] {
  const { find, union } = disjointSets(relations.length)
  byEntry.forEach((ks, i) => {
    if (!hidden[i]) return
    for (const k of ks) union(k, ks[0]!)
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

/** Union-find over 0 … size−1 (path halving). */
function disjointSets(size: number) {
  const parent = Array.from({ length: size }, (_, i) => i)
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!
    return i
  }
  return { find, union: (a: number, b: number) => void (parent[find(a)] = find(b)) }
}

export function relationsByEntry(size: number, relations: readonly Relation[]): number[][] {
  const out: number[][] = Array.from({ length: size }, () => [])
  relations.forEach((r, k) => {
    out[r.total]!.push(k)
    for (const m of r.members) out[m]!.push(k)
  })
  return out
}

/** Breadth-first through relations linked by suppressed entries, for the nearest entry that can be hidden. */
export function nearestComplement(
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
 * determined exactly when its unit vector lies in the row space.
 */
export function determinedEntries(suppressed: readonly boolean[], relations: readonly Relation[], by?: 'rows' | 'columns'): number[] {
  // Small integers first (fast, the number path); if a coefficient ever leaves the safe-integer range, again with
  // BigInt (exact).
  try {
    return determinedN(suppressed, relations, by)
  } catch (err) {
    if (err !== OVERFLOW) throw err
    return determinedOver(bigIntegers, suppressed, relations, by)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The number path: the elimination of exact-elimination.ts on plain safe integers, each vector two arrays (its columns in the order a
// Map would hold them, and their values) instead of a Map. In the release (pivotRowsN, echelonN) every pivot chosen,
// every value computed and every overflow met is the Map version's, so it releases the same. The exact check
// (determinedN) gives the Map version's answer too, whatever its steps: which entries are determined is a fact of the
// relations, and an overflow sends it to BigInt (the Map version), which is exact.

/** A sparse vector of safe integers: its columns in the order a Map would hold them, their values beside them. */
type Vec = { keys: number[]; vals: number[] }

const copyVec = (v: Vec): Vec => ({ keys: v.keys.slice(), vals: v.vals.slice() })

/** Marks on columns, each with a position; a new stamp forgets them all at once (nothing to clear). */
class Marks {
  private seen = new Int32Array(1024)
  private at = new Int32Array(1024)
  private stamp = 0
  clear() {
    if (++this.stamp === 0x7fffffff) {
      this.seen.fill(0)
      this.stamp = 1
    }
  }
  set(k: number, p: number) {
    if (k >= this.seen.length) {
      const size = Math.max(k + 1, 2 * this.seen.length)
      const seen = new Int32Array(size)
      const at = new Int32Array(size)
      seen.set(this.seen)
      at.set(this.at)
      this.seen = seen
      this.at = at
    }
    this.seen[k] = this.stamp
    this.at[k] = p
  }
  has(k: number) {
    return k < this.seen.length && this.seen[k] === this.stamp
  }
  forget(k: number) {
    this.seen[k] = 0
  }
  /** The position set with k (only when has(k)). */
  pos(k: number) {
    return this.at[k]!
  }
  /** Marks every column of v with its position. */
  load(v: Vec) {
    this.clear()
    for (let i = 0; i < v.keys.length; i++) this.set(v.keys[i]!, i)
  }
}

/** Marks for eliminateN, restrictedRowsN and parallel (each its own: none calls another while it holds them). */
const scratch = new Marks()
const rowMarks = new Marks()
const parallelMarks = new Marks()
/** The columns eliminateN's last call took out of the target and put in (for the callers' indexes). */
const lastRemoved: number[] = []
const lastAdded: number[] = []

/** target := target·a − pivot·b so that target[col] becomes 0, checked and ordered exactly as `eliminate`. */
function eliminateN(target: Vec, pivot: Vec, col: number) {
  lastRemoved.length = 0
  lastAdded.length = 0
  const tk = target.keys
  const tv = target.vals
  scratch.load(target)
  if (!scratch.has(col)) return
  const b = tv[scratch.pos(col)]!
  const pk = pivot.keys
  const pv = pivot.vals
  let a = 0
  for (let j = 0; j < pk.length; j++)
    if (pk[j] === col) {
      a = pv[j]!
      break
    }
  // Scaling by 1 (the usual pivot here) changes nothing.
  if (a !== 1) for (let i = 0; i < tk.length; i++) tv[i] = safe(tv[i]! * a)
  for (let j = 0; j < pk.length; j++) {
    const k = pk[j]!
    const vb = safe(pv[j]! * b)
    if (scratch.has(k)) {
      const i = scratch.pos(k)
      const nv = safe(tv[i]! - vb)
      tv[i] = nv
      if (nv === 0) lastRemoved.push(k)
    } else {
      // A column new to the target goes last, as a Map appends it.
      tk.push(k)
      tv.push(-vb)
      lastAdded.push(k)
    }
  }
  if (lastRemoved.length) {
    let w = 0
    for (let i = 0; i < tk.length; i++)
      if (tv[i] !== 0) {
        tk[w] = tk[i]!
        tv[w++] = tv[i]!
      }
    tk.length = w
    tv.length = w
  }
  normalizeN(target)
}

/**
 * A row reduced by several pivots in turn (the same steps as eliminateN, one after another): its columns are marked
 * once, and a cancelled one stays as a zero until `finish` (a column cancelled and then brought back again comes last,
 * as in a Map).
 */
const work = new Marks()
function start(row: Vec) {
  work.load(row)
}
/** row := row·a − pivot·b so that row[col] becomes 0 (nothing when the row has no col). */
function step(row: Vec, pivot: Vec, col: number) {
  if (!work.has(col)) return
  const rk = row.keys
  const rv = row.vals
  const b = rv[work.pos(col)]!
  const pk = pivot.keys
  const pv = pivot.vals
  let a = 0
  for (let j = 0; j < pk.length; j++)
    if (pk[j] === col) {
      a = pv[j]!
      break
    }
  if (a !== 1) for (let i = 0; i < rk.length; i++) rv[i] = safe(rv[i]! * a)
  for (let j = 0; j < pk.length; j++) {
    const k = pk[j]!
    const vb = safe(pv[j]! * b)
    if (work.has(k)) {
      const i = work.pos(k)
      const nv = safe(rv[i]! - vb)
      rv[i] = nv
      if (nv === 0) work.forget(k)
    } else {
      work.set(k, rk.length)
      rk.push(k)
      rv.push(-vb)
    }
  }
  normalizeN(row)
}
/** Drops the zeros `step` left. */
function finish(row: Vec) {
  const rk = row.keys
  const rv = row.vals
  let w = 0
  for (let i = 0; i < rk.length; i++)
    if (rv[i] !== 0) {
      rk[w] = rk[i]!
      rv[w++] = rv[i]!
    }
  rk.length = w
  rv.length = w
}

function gcdN(a: number, b: number) {
  a = Math.abs(a)
  b = Math.abs(b)
  while (b) {
    const r = a % b
    a = b
    b = r
  }
  return a
}

function normalizeN(row: Vec) {
  const v = row.vals
  let g = 0
  for (let i = 0; i < v.length && g !== 1; i++) g = gcdN(g, v[i]!)
  if (g > 1) for (let i = 0; i < v.length; i++) v[i] = v[i]! / g
}

/** As `restrictedRows`, on numbers. */
function restrictedRowsN(suppressed: readonly boolean[], relations: readonly Relation[]): Vec[] {
  const rows: Vec[] = []
  const m = rowMarks
  const add = (row: Vec, i: number, c: number) => {
    if (!suppressed[i]) return
    if (!m.has(i)) {
      m.set(i, row.keys.length)
      row.keys.push(i)
      row.vals.push(c)
      return
    }
    const p = m.pos(i)
    const v = safe(row.vals[p]! + c)
    if (v !== 0) return void (row.vals[p] = v)
    // Cancelled out (an entry both total and member): gone, and a later one comes in last, as in a Map.
    row.keys.splice(p, 1)
    row.vals.splice(p, 1)
    m.load(row)
  }
  for (const r of relations) {
    const row: Vec = { keys: [], vals: [] }
    m.clear()
    add(row, r.total, 1)
    for (const k of r.members) add(row, k, -1)
    if (row.keys.length) rows.push(row)
  }
  return rows
}

/** As `determinedEntries` on small integers (throws OVERFLOW where that would). */
function determinedN(suppressed: readonly boolean[], relations: readonly Relation[], by?: 'rows' | 'columns'): number[] {
  const rows = restrictedRowsN(suppressed, relations)
  const seen = new Set<number>()
  for (const row of rows) for (const k of row.keys) seen.add(k)
  if ((by ?? (rows.length < seen.size ? 'columns' : 'rows')) === 'rows') {
    const out: number[] = []
    for (const [column, row] of pivotRowsN(rows)) if (row.keys.length === 1) out.push(column)
    return out.sort((a, b) => a - b)
  }
  const columns = new Map<number, Vec>()
  rows.forEach((row, r) =>
    row.keys.forEach((k, j) => {
      const c = columns.get(k) ?? columns.set(k, { keys: [], vals: [] }).get(k)!
      c.keys.push(r)
      c.vals.push(row.vals[j]!)
    }),
  )
  return coloopsN(columns, rows.length).sort((a, b) => a - b)
}

/**
 * As `coloops`, on numbers, with one pass less: the second basis starts from the span of the vectors the first left
 * out, and a copy of that span, given the first basis's vectors the second did not take, is the span of the rest. (Which
 * basis spans a space does not change which vectors are in every basis, so neither does the order they are added in.)
 */
function coloopsN(vectors: Map<number, Vec>, dimension: number): number[] {
  const ids = [...vectors.keys()].sort((a, b) => a - b)
  const span = new SpanN(dimension)
  const first = ids.filter((k) => span.add(vectors.get(k)!))
  if (first.length === ids.length) return ids
  const inFirst = new Set(first)
  const second = new SpanN(dimension)
  for (const k of ids) if (!inFirst.has(k)) second.add(vectors.get(k)!)
  const rest = second.copy()
  const inBoth = first.filter((k) => second.add(vectors.get(k)!))
  if (inBoth.length === 0) return []
  const candidates = new Set(inBoth)
  for (const k of first) if (!candidates.has(k)) rest.add(vectors.get(k)!)
  const reduced = new Map<number, Vec>()
  for (const k of inBoth) {
    const u = rest.reduce(vectors.get(k)!)
    if (u.keys.length) reduced.set(k, u)
  }
  return reduced.size ? coloopsN(reduced, dimension) : []
}

/** As `Span`, on numbers; its index of which vectors hold a coordinate follows each elimination's changes only. */
class SpanN {
  private pivotOf: (Vec | undefined)[]
  /** How many vectors hold each coordinate (pivot coordinates aside). */
  private held: number[]
  /** The vectors that came to hold each coordinate; some have lost it since (skipped when walked: nothing to do). */
  private holders: (Vec[] | undefined)[]
  /** Coordinates are 0 … dimension−1. */
  constructor(dimension: number) {
    this.pivotOf = new Array<Vec | undefined>(dimension)
    this.held = new Array<number>(dimension).fill(0)
    this.holders = new Array<Vec[] | undefined>(dimension)
  }

  reduce(vector: Vec): Vec {
    const row = copyVec(vector)
    // The pivots the vector holds, in its order: eliminating one never adds or drops another (pivot vectors hold no
    // other pivot), so this is the order the Map version meets them in.
    start(row)
    for (const k of vector.keys) {
      const p = this.pivotOf[k]
      if (p) step(row, p, k)
    }
    finish(row)
    return row
  }

  add(vector: Vec): boolean {
    const row = this.reduce(vector)
    if (row.keys.length === 0) return false
    let col = -1
    let least = 0
    for (const k of row.keys) {
      const n = this.held[k]!
      if (col < 0 || n < least) {
        col = k
        least = n
      }
    }
    normalizeN(row)
    // Each holder loses col and gains only other coordinates: col's list is not changed while it is walked. One that
    // lost col before (or is listed twice) has no col: eliminateN leaves it as it is.
    for (const other of this.holders[col] ?? []) {
      eliminateN(other, row, col)
      for (const k of lastRemoved) if (k !== col) this.held[k]!--
      for (const k of lastAdded) this.hold(k, other)
    }
    this.holders[col] = undefined
    this.pivotOf[col] = row
    for (const k of row.keys) if (k !== col) this.hold(k, row)
    return true
  }

  /** Another span of the same vectors, to add to apart from this one. */
  copy(): SpanN {
    const copy = new SpanN(this.pivotOf.length)
    this.pivotOf.forEach((vector, col) => {
      const mine = copyVec(vector!)
      copy.pivotOf[col] = mine
      for (const k of mine.keys) if (k !== col) copy.hold(k, mine)
    })
    return copy
  }

  private hold(k: number, row: Vec) {
    this.held[k]!++
    ;(this.holders[k] ??= []).push(row)
  }
}

/** As `pivotRows`, on numbers (the rows are changed). */
function pivotRowsN(rows: Vec[]): Map<number, Vec> {
  const holders = new Map<number, number[]>()
  rows.forEach((row, r) => {
    for (const k of row.keys) {
      const held = holders.get(k)
      if (held) held.push(r)
      else holders.set(k, [r])
    }
  })
  const count = new Map<number, number>()
  const queue: number[] = []
  for (const [k, rs] of holders) {
    count.set(k, rs.length)
    if (rs.length === 1) queue.push(k)
  }
  const removed = new Array<boolean>(rows.length).fill(false)
  const peeled: { row: Vec; column: number }[] = []
  while (queue.length) {
    const column = queue.pop()!
    if (count.get(column) !== 1) continue
    const r = holders.get(column)!.find((i) => !removed[i])!
    removed[r] = true
    peeled.push({ row: rows[r]!, column })
    for (const k of rows[r]!.keys) {
      const c = count.get(k)! - 1
      count.set(k, c)
      if (c === 1) queue.push(k)
    }
  }
  const pivotOf = echelonN(
    rows.filter((_, r) => !removed[r]).map(copyVec).sort((a, b) => a.keys.length - b.keys.length),
    (row) => {
      let best = -1
      let bestCount = 0
      for (const k of row.keys) {
        const c = count.get(k)!
        if (best < 0 || c < bestCount || (c === bestCount && k > best)) {
          best = k
          bestCount = c
        }
      }
      return best
    },
  )
  const order = new Map(peeled.map((p, m) => [p.column, m]))
  for (const { row: source, column } of peeled) {
    const row = copyVec(source)
    start(row)
    const heap = new MinHeap()
    for (const k of row.keys) if (k !== column && order.has(k)) heap.push(order.get(k)!)
    for (let m = heap.pop(); m !== undefined; m = heap.pop()) {
      const later = peeled[m]!
      if (!work.has(later.column)) continue
      step(row, later.row, later.column)
      for (const k of later.row.keys) if (work.has(k) && order.has(k)) heap.push(order.get(k)!)
    }
    // Pivots only ever scale one another's coefficients here (see SpanN.reduce): the snapshot's order is the Map's.
    const pivots = row.keys.filter((k, i) => row.vals[i] !== 0 && pivotOf.has(k))
    for (const k of pivots) step(row, pivotOf.get(k)!, k)
    finish(row)
    pivotOf.set(column, row)
  }
  return pivotOf
}

/** As `echelon`, on numbers (the rows given are kept and changed). */
function echelonN(rows: Vec[], pivotIn: (row: Vec) => number): Map<number, Vec> {
  const pivotOf = new Map<number, Vec>()
  const holders = new Map<number, Set<Vec>>()
  const hold = (k: number, row: Vec) => {
    const held = holders.get(k)
    if (held) held.add(row)
    else holders.set(k, new Set([row]))
  }
  for (const row of rows) {
    // Kept rows are reduced, so eliminating one pivot never adds or drops another: the row's own order is the order.
    const pivots = row.keys.filter((k) => pivotOf.has(k))
    start(row)
    for (const k of pivots) step(row, pivotOf.get(k)!, k)
    finish(row)
    if (row.keys.length === 0) continue
    const col = pivotIn(row)
    normalizeN(row)
    // As in SpanN.add: col's set is not changed while it is walked, then dropped (col is a pivot from now on).
    const held = holders.get(col)
    if (held)
      for (const other of held) {
        eliminateN(other, row, col)
        for (const k of lastRemoved) if (k !== col) holders.get(k)?.delete(other)
        for (const k of lastAdded) hold(k, other)
      }
    holders.delete(col)
    pivotOf.set(col, row)
    for (const k of row.keys) hold(k, row)
  }
  return pivotOf
}
