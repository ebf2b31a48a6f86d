/**
 * Raking (iterative proportional fitting) of survey weights to population margins, with trimming, and the figures that
 * say how far the weighted answers can be trusted: Kish's effective sample size, a margin of error, and how closely the
 * respondents resemble the population before weighting. Pure functions: the insights service feeds them rows.
 */

/** One respondent: its category on each dimension (absent or null when not answered). */
export type Respondent = Record<string, string | null | undefined>
/** Population counts (or shares) per category, per dimension, e.g. { ageBand: { age_18_24: 1200, … }, … }. */
export type Margins = Record<string, Record<string, number>>

export type RakingOptions = {
  /** Largest change of any margin's weighted share between two passes at which raking stops. */
  tolerance?: number
  maxIterations?: number
  /** Weights are kept within [lower, upper] × the mean weight (trimming), then raked again; null: no trimming. */
  trim?: { lower: number; upper: number } | null
}

export type RakingResult = {
  /** One weight per respondent, in order, averaging 1. */
  weights: number[]
  iterations: number
  converged: boolean
  /** The largest gap between a weighted share and its target at the end. */
  maxDeviation: number
}

const DEFAULTS = { tolerance: 1e-6, maxIterations: 200, trim: { lower: 0.2, upper: 5 } }

/**
 * Rakes weights so that, on each dimension, the weighted shares of the respondents who answered it match the population
 * shares. A respondent who did not answer a dimension keeps its weight on that dimension's pass (the usual treatment of
 * item non-response). Categories with no respondent cannot be matched: their share is spread over the others.
 */
export function rake(respondents: Respondent[], margins: Margins, options: RakingOptions = {}): RakingResult {
  const { tolerance, maxIterations, trim } = { ...DEFAULTS, ...options }
  const n = respondents.length
  const weights = new Array<number>(n).fill(1)
  if (n === 0) return { weights, iterations: 0, converged: true, maxDeviation: 0 }
  const targets = Object.entries(margins).map(([dimension, counts]) => ({ dimension, shares: sharesOf(respondents, dimension, counts) }))

  let iterations = 0
  let deviation = Infinity
  while (iterations < maxIterations) {
    iterations++
    for (const { dimension, shares } of targets) adjust(respondents, weights, dimension, shares)
    if (trim) clamp(weights, trim.lower, trim.upper)
    deviation = Math.max(0, ...targets.map(({ dimension, shares }) => gap(respondents, weights, dimension, shares)))
    if (deviation <= tolerance) break
  }
  normalize(weights)
  return { weights, iterations, converged: deviation <= tolerance, maxDeviation: deviation }
}

/** Population shares of the categories some respondent is in (absent ones dropped, the rest scaled to sum to 1). */
function sharesOf(respondents: Respondent[], dimension: string, counts: Record<string, number>): Map<string, number> {
  const present = new Set(respondents.map((r) => r[dimension]).filter((c): c is string => typeof c === 'string'))
  const kept = Object.entries(counts).filter(([category, count]) => present.has(category) && count > 0)
  const total = kept.reduce((sum, [, count]) => sum + count, 0)
  return new Map(kept.map(([category, count]) => [category, count / total]))
}

/** The weight of each category's answering respondents on a dimension, and of all who answered it. */
function weighted(respondents: Respondent[], weights: number[], dimension: string, shares: Map<string, number>) {
  const byCategory = new Map<string, number>()
  let answered = 0
  respondents.forEach((r, i) => {
    const c = r[dimension]
    if (typeof c !== 'string' || !shares.has(c)) return
    byCategory.set(c, (byCategory.get(c) ?? 0) + weights[i]!)
    answered += weights[i]!
  })
  return { byCategory, answered }
}

/** One raking pass on a dimension: each category's answering respondents scaled to its target share of their total weight. */
function adjust(respondents: Respondent[], weights: number[], dimension: string, shares: Map<string, number>) {
  const { byCategory, answered } = weighted(respondents, weights, dimension, shares)
  respondents.forEach((r, i) => {
    const c = r[dimension]
    if (typeof c === 'string' && shares.has(c)) weights[i]! *= (shares.get(c)! * answered) / byCategory.get(c)!
  })
}

/** The largest gap between a category's weighted share (among those who answered) and its target. */
function gap(respondents: Respondent[], weights: number[], dimension: string, shares: Map<string, number>): number {
  const { byCategory, answered } = weighted(respondents, weights, dimension, shares)
  let worst = 0
  for (const [c, share] of shares) worst = Math.max(worst, Math.abs((byCategory.get(c) ?? 0) / answered - share))
  return worst
}

/** Keeps every weight within [lower, upper] × the mean weight; clamping moves the mean, so until it settles. */
function clamp(weights: number[], lower: number, upper: number) {
  for (let round = 0; round < 50; round++) {
    const mean = weights.reduce((a, b) => a + b, 0) / weights.length
    let moved = false
    for (let i = 0; i < weights.length; i++) {
      const kept = Math.min(upper * mean, Math.max(lower * mean, weights[i]!))
      if (Math.abs(kept - weights[i]!) > 1e-12 * mean) moved = true
      weights[i] = kept
    }
    if (!moved) return
  }
}

function normalize(weights: number[]) {
  const mean = weights.reduce((a, b) => a + b, 0) / weights.length
  for (let i = 0; i < weights.length; i++) weights[i]! /= mean
}

/** Kish's effective sample size, (Σw)² / Σw²: how many unweighted answers the weighted ones are worth. */
export function effectiveSampleSize(weights: number[]): number {
  const sum = weights.reduce((a, b) => a + b, 0)
  const squares = weights.reduce((a, b) => a + b * b, 0)
  return squares === 0 ? 0 : (sum * sum) / squares
}

/**
 * The weighted mean of `values` (null: not answered) with its 95% margin of error, from the weighted variance over the
 * effective sample size of those who answered.
 */
export function weightedMean(values: (number | null)[], weights: number[]): { mean: number; marginOfError: number; effectiveSampleSize: number; n: number } | null {
  const pairs = values.flatMap((v, i) => (v === null ? [] : [[v, weights[i]!] as const]))
  if (pairs.length === 0) return null
  const total = pairs.reduce((s, [, w]) => s + w, 0)
  const mean = pairs.reduce((s, [v, w]) => s + v * w, 0) / total
  const variance = pairs.reduce((s, [v, w]) => s + w * (v - mean) ** 2, 0) / total
  const nEff = effectiveSampleSize(pairs.map(([, w]) => w))
  const marginOfError = nEff > 1 ? 1.96 * Math.sqrt((variance * nEff) / (nEff - 1) / nEff) : Infinity
  return { mean, marginOfError, effectiveSampleSize: nEff, n: pairs.length }
}

/**
 * How closely the respondents, unweighted, resemble the population: 1 minus the mean (over dimensions) of the total
 * variation distance between their shares and the population's; 1 is a perfect likeness, 0 none at all.
 */
export function representativeness(respondents: Respondent[], margins: Margins): number | null {
  const distances = Object.entries(margins).flatMap(([dimension, counts]) => {
    const answered = respondents.map((r) => r[dimension]).filter((c): c is string => typeof c === 'string' && c in counts)
    const total = Object.values(counts).reduce((a, b) => a + b, 0)
    if (answered.length === 0 || total <= 0) return []
    const seen = new Map<string, number>()
    for (const c of answered) seen.set(c, (seen.get(c) ?? 0) + 1)
    const distance = Object.entries(counts).reduce((s, [c, count]) => s + Math.abs((seen.get(c) ?? 0) / answered.length - count / total), 0) / 2
    return [distance]
  })
  return distances.length === 0 ? null : 1 - distances.reduce((a, b) => a + b, 0) / distances.length
}
