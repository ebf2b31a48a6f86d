// Exact elimination over sparse integer rows kept as Maps (fraction-free, on plain numbers that refuse to overflow or
// on BigInt): which withheld entries the published relations determine. suppression.ts runs its number path first and
// this one on BigInt when a coefficient overflows; the tests hold the number path to it.
import type { Relation } from './suppression.ts'

/**
 * The entries of `suppressed` that `relations` determine, over the integers `z`: by columns when there are fewer
 * relations than withheld entries (sparse tables: most cells withheld, few totals shown), so elimination runs in the
 * smaller space; by rows (peeling first) otherwise.
 */
export function determinedOver<T>(z: Integers<T>, suppressed: readonly boolean[], relations: readonly Relation[], by?: 'rows' | 'columns'): number[] {
  const rows = restrictedRows(suppressed, relations, z)
  const columns = new Set(rows.flatMap((row) => [...row.keys()])).size
  return (by ?? (rows.length < columns ? 'columns' : 'rows')) === 'columns' ? determinedByColumns(rows, z) : determinedWith(rows, z)
}

/** Exact integer arithmetic, as plain numbers that refuse to overflow or as BigInt. */
export type Integers<T> = { one: T; zero: T; add: (a: T, b: T) => T; mul: (a: T, b: T) => T; sub: (a: T, b: T) => T; div: (a: T, b: T) => T; gcd: (a: T, b: T) => T; greaterThanOne: (a: T) => boolean }
export const OVERFLOW = new Error('integer overflow')
export const PARALLEL = new Error('parallel rows')
export const safe = (x: number) => {
  if (!Number.isSafeInteger(x)) throw OVERFLOW
  return x
}
export const smallIntegers: Integers<number> = {
  one: 1,
  zero: 0,
  add: (a, b) => safe(a + b),
  mul: (a, b) => safe(a * b),
  sub: (a, b) => safe(a - b),
  div: (a, b) => a / b,
  gcd: (a, b) => {
    a = Math.abs(a)
    b = Math.abs(b)
    while (b) [a, b] = [b, a % b]
    return a
  },
  greaterThanOne: (a) => a > 1,
}
export const bigIntegers: Integers<bigint> = {
  one: 1n,
  zero: 0n,
  add: (a, b) => a + b,
  mul: (a, b) => a * b,
  sub: (a, b) => a - b,
  div: (a, b) => a / b,
  gcd: (a, b) => {
    a = a < 0n ? -a : a
    b = b < 0n ? -b : b
    while (b) [a, b] = [b, a % b]
    return a
  },
  greaterThanOne: (a) => a > 1n,
}

/** Each relation as a row over the suppressed entries only (total +1, members −1); the published ones are known. */
export function restrictedRows<T>(suppressed: readonly boolean[], relations: readonly Relation[], z: Integers<T>): Map<number, T>[] {
  const rows: Map<number, T>[] = []
  const minusOne = z.sub(z.zero, z.one)
  for (const r of relations) {
    const row = new Map<number, T>()
    const add = (i: number, c: T) => {
      if (!suppressed[i]) return
      const v = z.add(row.get(i) ?? z.zero, c)
      if (v === z.zero) row.delete(i)
      else row.set(i, v)
    }
    add(r.total, z.one)
    for (const m of r.members) add(m, minusOne)
    if (row.size) rows.push(row)
  }
  return rows
}

function normalize<T>(row: Map<number, T>, z: Integers<T>) {
  let g = z.zero
  row.forEach((v) => (g = z.gcd(g, v)))
  if (z.greaterThanOne(g)) row.forEach((v, k) => row.set(k, z.div(v, g)))
}

/**
 * Reduced row echelon form over the rationals, rows kept as sparse integer vectors (each scaled by its gcd). A column
 * index (which kept rows hold a column) lets each new pivot be eliminated from just the rows that hold it.
 */
export function reducedRowEchelon<T>(input: Map<number, T>[], z: Integers<T>): Map<number, T>[] {
  // Pivot on the highest column: margins come after cells, and a margin sits in one relation, so it fills nothing in.
  return [...echelon(input, z).values()]
}

/** The reduced rows by their pivot column. */
export function echelon<T>(input: Map<number, T>[], z: Integers<T>, pivotIn: (row: Map<number, T>) => number = (row) => Math.max(...row.keys())): Map<number, Map<number, T>> {
  const pivotOf = new Map<number, Map<number, T>>()
  const holders = new Map<number, Set<Map<number, T>>>()
  const index = (row: Map<number, T>, before: Iterable<number>) => {
    for (const k of before) if (!row.has(k)) holders.get(k)?.delete(row)
    for (const k of row.keys()) (holders.get(k) ?? holders.set(k, new Set()).get(k)!).add(row)
  }
  for (const source of input) {
    const row = new Map(source)
    // Eliminate existing pivot columns from the new row.
    for (let col = pivotColumnIn(row, pivotOf); col !== undefined; col = pivotColumnIn(row, pivotOf)) eliminate(row, pivotOf.get(col)!, col, z)
    if (row.size === 0) continue
    const col = pivotIn(row)
    normalize(row, z)
    // Eliminate the new pivot from the kept rows that hold it, keeping the form reduced.
    for (const other of [...(holders.get(col) ?? [])]) {
      const before = [...other.keys()]
      eliminate(other, row, col, z)
      index(other, before)
    }
    pivotOf.set(col, row)
    index(row, [])
  }
  return pivotOf
}

function pivotColumnIn(row: Map<number, unknown>, pivotOf: Map<number, unknown>): number | undefined {
  for (const k of row.keys()) if (pivotOf.has(k)) return k
  return undefined
}

/** target := target·a − pivotRow·b so that target[col] becomes 0. */
export function eliminate<T>(target: Map<number, T>, pivotRow: Map<number, T>, col: number, z: Integers<T>) {
  const b = target.get(col)
  if (b === undefined) return
  const a = pivotRow.get(col)!
  // forEach, not for…of over entries: no [key, value] pair allocated per entry (elimination is most of a build's garbage)
  target.forEach((v, k) => target.set(k, z.mul(v, a)))
  pivotRow.forEach((v, k) => {
    const nv = z.sub(target.get(k) ?? z.zero, z.mul(v, b))
    if (nv === z.zero) target.delete(k)
    else target.set(k, nv)
  })
  normalize(target, z)
}

/**
 * The same answer from the columns: entry i is determined exactly when its column (its coefficients in the relations)
 * is not in the span of the other withheld entries' columns, i.e. when every basis of the columns holds it. So only
 * entries in two bases (the second preferring what the first left out) can be; the rest of the columns are taken
 * out (their span quotiented away) and the question asked again of those few, until they are independent (then every
 * one is determined) or none is left. Columns have one coordinate per relation: with most cells withheld and few
 * totals shown that space is far smaller than the rows' one.
 */
function determinedByColumns<T>(rows: Map<number, T>[], z: Integers<T>): number[] {
  const columns = new Map<number, Map<number, T>>()
  rows.forEach((row, r) => row.forEach((v, k) => (columns.get(k) ?? columns.set(k, new Map()).get(k)!).set(r, v)))
  return coloops(columns, z).sort((a, b) => a - b)
}

/** The vectors in every basis of the given ones (each not in the span of the others). */
function coloops<T>(vectors: Map<number, Map<number, T>>, z: Integers<T>): number[] {
  const ids = [...vectors.keys()].sort((a, b) => a - b)
  const basisOf = (order: number[]) => {
    const span = new Span(z)
    return order.filter((k) => span.add(vectors.get(k)!))
  }
  const first = new Set(basisOf(ids))
  if (first.size === ids.length) return ids
  const inBoth = basisOf([...ids.filter((k) => !first.has(k)), ...first]).filter((k) => first.has(k))
  if (inBoth.length === 0) return []
  const candidates = new Set(inBoth)
  const rest = new Span(z)
  for (const k of ids) if (!candidates.has(k)) rest.add(vectors.get(k)!)
  const reduced = new Map<number, Map<number, T>>()
  for (const k of inBoth) {
    const u = rest.reduce(vectors.get(k)!)
    if (u.size) reduced.set(k, u)
  }
  return reduced.size ? coloops(reduced, z) : []
}

/** The span of the vectors added so far, kept in reduced echelon form (each pivot only in its own vector). */
class Span<T> {
  private pivotOf = new Map<number, Map<number, T>>()
  private holders = new Map<number, Set<Map<number, T>>>()
  private z: Integers<T>
  constructor(z: Integers<T>) {
    this.z = z
  }

  /** The vector less its part in the span (a multiple of it): empty exactly when the vector lies in the span. */
  reduce(vector: Map<number, T>): Map<number, T> {
    const row = new Map(vector)
    // Pivot vectors hold no other pivot, so one elimination per pivot coordinate reduces the vector fully.
    for (const k of [...row.keys()]) if (row.has(k) && this.pivotOf.has(k)) eliminate(row, this.pivotOf.get(k)!, k, this.z)
    return row
  }

  /** Adds the vector; false when it was in the span already. */
  add(vector: Map<number, T>): boolean {
    const row = this.reduce(vector)
    if (row.size === 0) return false
    // Pivot on the coordinate the fewest kept vectors hold: the least to eliminate, the least fill-in.
    let col = -1
    for (const k of row.keys()) if (col < 0 || (this.holders.get(k)?.size ?? 0) < (this.holders.get(col)?.size ?? 0)) col = k
    normalize(row, this.z)
    for (const other of [...(this.holders.get(col) ?? [])]) {
      const before = [...other.keys()]
      eliminate(other, row, col, this.z)
      this.index(other, before)
    }
    this.holders.delete(col)
    this.pivotOf.set(col, row)
    this.index(row, [])
    return true
  }

  private index(row: Map<number, T>, before: Iterable<number>) {
    for (const k of before) if (!row.has(k)) this.holders.get(k)?.delete(row)
    for (const k of row.keys()) if (!this.pivotOf.has(k) || this.pivotOf.get(k) === row) (this.holders.get(k) ?? this.holders.set(k, new Set()).get(k)!).add(row)
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
  const out: number[] = []
  for (const [column, row] of pivotRows(rows, z)) if (row.size === 1) out.push(column)
  return out.sort((a, b) => a - b)
}

/**
 * Peels the rows (a row holding a column no other remaining row holds is taken off with that column, until none is
 * left), then brings the core left to echelon form: the peeled rows in the order taken, and the core's pivot rows.
 */
export function peelAndReduce<T>(rows: Map<number, T>[], z: Integers<T>): { peeled: { row: Map<number, T>; column: number }[]; pivotOf: Map<number, Map<number, T>> } {
  const holders = new Map<number, number[]>()
  rows.forEach((row, r) => {
    for (const k of row.keys()) (holders.get(k) ?? holders.set(k, []).get(k)!).push(r)
  })
  const count = new Map([...holders].map(([k, rs]) => [k, rs.length]))
  const removed = new Array<boolean>(rows.length).fill(false)
  const peeled: { row: Map<number, T>; column: number }[] = []
  const queue = [...count].flatMap(([k, c]) => (c === 1 ? [k] : []))
  while (queue.length) {
    const column = queue.pop()!
    if (count.get(column) !== 1) continue
    const r = holders.get(column)!.find((i) => !removed[i])!
    removed[r] = true
    peeled.push({ row: rows[r]!, column })
    for (const k of rows[r]!.keys()) {
      const c = count.get(k)! - 1
      count.set(k, c)
      if (c === 1) queue.push(k)
    }
  }
  // The core, smallest rows first (finer margins before the coarser ones they add up to, which then reduce to
  // nothing), each pivoting on the entry the fewest core rows hold: little fill-in.
  const pivotOf = echelon(
    rows.filter((_, r) => !removed[r]).map((row) => new Map(row)).sort((a, b) => a.size - b.size),
    z,
    (row) => {
      let best = -1
      for (const k of row.keys()) if (best < 0 || count.get(k)! < count.get(best)! || (count.get(k) === count.get(best) && k > best)) best = k
      return best
    },
  )
  return { peeled, pivotOf }
}

/**
 * Each pivot column with its row reduced to the pivot and free columns only (the reduced row echelon form, reached by
 * peeling first). An entry is determined when its row holds nothing else; a column with no row is free.
 */
export function pivotRows<T>(rows: Map<number, T>[], z: Integers<T>): Map<number, Map<number, T>> {
  const { peeled, pivotOf } = peelAndReduce(rows, z)
  const order = new Map(peeled.map((p, m) => [p.column, m]))
  for (const { row: source, column } of peeled) {
    // A later peeled row never holds this one's private column, so eliminating with it only scales that coefficient.
    const row = new Map(source)
    // Later peeled rows, earliest first (a min-heap of their order), then the core's reduced rows.
    const heap = new MinHeap()
    for (const k of row.keys()) if (k !== column && order.has(k)) heap.push(order.get(k)!)
    for (let m = heap.pop(); m !== undefined; m = heap.pop()) {
      const later = peeled[m]!
      if (!row.has(later.column)) continue
      eliminate(row, later.row, later.column, z)
      // Whatever private entries that brought in come from the later row (an order pushed twice is skipped above).
      for (const k of later.row.keys()) if (row.has(k) && order.has(k)) heap.push(order.get(k)!)
    }
    for (const k of [...row.keys()]) if (row.has(k) && pivotOf.has(k)) eliminate(row, pivotOf.get(k)!, k, z)
    pivotOf.set(column, row)
  }
  return pivotOf
}

/** A binary min-heap of numbers (duplicates allowed). */
export class MinHeap {
  private items: number[] = []
  push(x: number) {
    const a = this.items
    a.push(x)
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1
      if (a[parent]! <= a[i]!) break
      ;[a[parent], a[i]] = [a[i]!, a[parent]!]
      i = parent
    }
  }
  pop(): number | undefined {
    const a = this.items
    if (a.length === 0) return undefined
    const top = a[0]!
    const last = a.pop()!
    if (a.length) {
      a[0] = last
      for (let i = 0; ; ) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && a[l]! < a[m]!) m = l
        if (r < a.length && a[r]! < a[m]!) m = r
        if (m === i) break
        ;[a[m], a[i]] = [a[i]!, a[m]!]
        i = m
      }
    }
    return top
  }
}
