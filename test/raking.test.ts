// Raking checked against an independent implementation: Deming–Stephan IPF on the cross-table of sample counts (numpy,
// run once; its weights are written below), then trimming, item non-response, the effective sample size, margins of
// error and the representativeness score on data small enough to check by hand.
import t from 'tap'
import { effectiveSampleSize, rake, representativeness, weightedMean, type Respondent } from '../src/modules/insights/raking.ts'

/** Respondents from a table of counts: rows × columns of two dimensions. */
function sample(rows: string[], columns: string[], counts: number[][]): Respondent[] {
  return rows.flatMap((ageBand, i) => columns.flatMap((gender, j) => Array.from({ length: counts[i]![j]! }, () => ({ ageBand, gender }))))
}
const ages = ['age_18_34', 'age_35_54', 'age_55_plus']
const genders = ['woman', 'man']
const counts = [[30, 10], [25, 25], [10, 20]]
const margins = { ageBand: { age_18_34: 3000, age_35_54: 4000, age_55_plus: 3000 }, gender: { woman: 5200, man: 4800 } }
// numpy: fit = counts; repeat { fit *= pop_age / rowsums; fit *= pop_gender / colsums }; w = fit / counts, mean 1.
const reference = [[0.8949263887, 0.915220834], [0.9492369708, 0.9707630292], [1.182128407, 1.2089357965]]

t.test('when a sample is raked to two margins, then its weights equal the reference IPF to 1e-6 and the margins hold', async (t) => {
  const people = sample(ages, genders, counts)
  const result = rake(people, margins, { trim: null, tolerance: 1e-10 })
  t.ok(result.converged, `converged in ${result.iterations} passes`)
  let worst = 0
  people.forEach((p, k) => (worst = Math.max(worst, Math.abs(result.weights[k]! - reference[ages.indexOf(p.ageBand!)]![genders.indexOf(p.gender!)]!))))
  t.ok(worst < 1e-6, `largest difference from the reference ${worst.toExponential(2)}`)
  const share = (dimension: 'ageBand' | 'gender', category: string) => people.reduce((s, p, k) => s + (p[dimension] === category ? result.weights[k]! : 0), 0) / people.length
  t.equal(share('ageBand', 'age_35_54').toFixed(6), '0.400000')
  t.equal(share('gender', 'woman').toFixed(6), '0.520000')
  t.equal(effectiveSampleSize(result.weights).toFixed(4), '118.3299', "Kish's n_eff as the reference computes it")
})

t.test('when weights would grow past the trimming bounds, then they are kept within them and the result says it did not converge', async (t) => {
  // 95 women and 5 men against an even population: men would need weight 10 (untrimmed).
  const people = sample(['all'], genders, [[95, 5]])
  const free = rake(people, { gender: { woman: 1, man: 1 } }, { trim: null })
  t.equal(Math.max(...free.weights).toFixed(3), '10.000')
  const trimmed = rake(people, { gender: { woman: 1, man: 1 } }, { trim: { lower: 0.3, upper: 3 }, maxIterations: 50 })
  t.ok(Math.max(...trimmed.weights) <= 3.0001 * (trimmed.weights.reduce((a, b) => a + b) / people.length), 'no weight above 3× the mean')
  t.notOk(trimmed.converged, 'the margin cannot be met within the bounds, and the result says so')
  t.ok(trimmed.maxDeviation > 0.1)
})

t.test('when some respondents leave a dimension unanswered, then they keep their weight on it and the answered ones meet the margin', async (t) => {
  const people: Respondent[] = [
    ...Array.from({ length: 20 }, () => ({ gender: 'woman', ageBand: 'age_18_34' })),
    ...Array.from({ length: 10 }, () => ({ gender: 'woman', ageBand: 'age_55_plus' })),
    ...Array.from({ length: 10 }, () => ({ gender: 'man', ageBand: null })),
    ...Array.from({ length: 5 }, () => ({ gender: 'man', ageBand: 'age_18_34' })),
    ...Array.from({ length: 15 }, () => ({ gender: 'man', ageBand: 'age_55_plus' })),
  ]
  const result = rake(people, { gender: { woman: 50, man: 50 }, ageBand: { age_18_34: 50, age_55_plus: 50, age_35_54: 0 } }, { trim: null, tolerance: 1e-9 })
  t.ok(result.converged)
  const answered = people.map((p, k) => [p, result.weights[k]!] as const).filter(([p]) => p.ageBand)
  const young = answered.filter(([p]) => p.ageBand === 'age_18_34').reduce((s, [, w]) => s + w, 0) / answered.reduce((s, [, w]) => s + w, 0)
  t.equal(young.toFixed(6), '0.500000', 'half of those who gave an age are young, as in the population')
  const women = people.reduce((s, p, k) => s + (p.gender === 'woman' ? result.weights[k]! : 0), 0) / people.length
  t.equal(women.toFixed(6), '0.500000')
  t.same(rake([], { gender: { woman: 1 } }), { weights: [], iterations: 0, converged: true, maxDeviation: 0 }, 'no respondents, nothing to weigh')
})

t.test('when a weighted mean is taken, then its margin of error follows the weighted variance and the effective sample size', async (t) => {
  // Equal weights: the textbook 1.96·s/√n with s the sample standard deviation.
  const values = [1, 2, 3, 4, 5, null]
  const even = weightedMean(values, [1, 1, 1, 1, 1, 1])!
  t.equal(even.mean, 3)
  t.equal(even.n, 5)
  t.equal(even.marginOfError.toFixed(6), (1.96 * Math.sqrt(2.5 / 5)).toFixed(6))
  const skewed = weightedMean([1, 5], [3, 1])!
  t.equal(skewed.mean, 2)
  t.equal(skewed.effectiveSampleSize.toFixed(4), (16 / 10).toFixed(4))
  t.equal(weightedMean([null], [1]), null)
})

t.test('when respondents match the population, then representativeness is 1, and it falls as they skew', async (t) => {
  const gender = { gender: { woman: 50, man: 50 } }
  t.equal(representativeness(sample(['all'], genders, [[10, 10]]), gender), 1)
  t.equal(representativeness(sample(['all'], genders, [[15, 5]]), gender), 0.75, 'a quarter of the sample would have to move')
  t.equal(representativeness(sample(['all'], genders, [[20, 0]]), gender), 0.5)
  t.equal(representativeness([], gender), null)
})
