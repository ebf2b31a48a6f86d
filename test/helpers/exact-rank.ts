// An independent, deliberately plain check of what a reader can recover: dense Gaussian elimination over exact
// rationals (BigInt fractions), written apart from src/modules/insights/suppression.ts so a bug there is not
// repeated here. Entry i is recoverable iff rank(A) = rank(A without column i) + 1, where A holds the published
// relations restricted to the suppressed (unknown) entries.

type Frac = { n: bigint; d: bigint }
const gcd = (a: bigint, b: bigint): bigint => {
  a = a < 0n ? -a : a
  b = b < 0n ? -b : b
  while (b) [a, b] = [b, a % b]
  return a
}
const frac = (n: bigint, d = 1n): Frac => {
  if (d < 0n) [n, d] = [-n, -d]
  const g = gcd(n, d) || 1n
  return { n: n / g, d: d / g }
}
const sub = (a: Frac, b: Frac) => frac(a.n * b.d - b.n * a.d, a.d * b.d)
const mul = (a: Frac, b: Frac) => frac(a.n * b.n, a.d * b.d)
const div = (a: Frac, b: Frac) => frac(a.n * b.d, a.d * b.n)

export function rank(matrix: number[][]): number {
  const m = matrix.map((row) => row.map((v) => frac(BigInt(v))))
  const rows = m.length
  const cols = rows ? m[0]!.length : 0
  let r = 0
  for (let c = 0; c < cols && r < rows; c++) {
    let p = r
    while (p < rows && m[p]![c]!.n === 0n) p++
    if (p === rows) continue
    ;[m[r], m[p]] = [m[p]!, m[r]!]
    for (let i = 0; i < rows; i++) {
      if (i === r || m[i]![c]!.n === 0n) continue
      const f = div(m[i]![c]!, m[r]![c]!)
      m[i] = m[i]!.map((v, j) => sub(v, mul(f, m[r]![j]!)))
    }
    r++
  }
  return r
}

/** Relations as (total, members); `unknown` marks the entries a reader does not see. Returns the recoverable unknowns. */
export function recoverable(unknown: boolean[], relations: { total: number; members: number[] }[]): number[] {
  const vars = unknown.flatMap((u, i) => (u ? [i] : []))
  const col = new Map(vars.map((v, j) => [v, j]))
  const A = relations
    .map((r) => {
      const row = new Array<number>(vars.length).fill(0)
      if (col.has(r.total)) row[col.get(r.total)!]! += 1
      for (const m of r.members) if (col.has(m)) row[col.get(m)!]! -= 1
      return row
    })
    .filter((row) => row.some((v) => v !== 0))
  if (A.length === 0) return []
  const full = rank(A)
  return vars.filter((_, j) => rank(A.map((row) => row.filter((_, k) => k !== j))) === full - 1)
}
