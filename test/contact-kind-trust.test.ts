// The contact-kind cut of community trust, built directly: kinds add up to the community-trust counts they are kept
// consistent with; a small kind is withheld with a complement; a table that has not seen the latest answers withholds
// the quarter's cut whole; the pooled rows are the public ones and their pooled mean the n-weighted mean.
import t from 'tap'
import { TEST_NOW } from './helpers/clock.ts'
import { poolOf, pooledRowsOf } from '../src/modules/benchmarks/benchmarks-service.ts'
import { buildCommunityTrust, type AreaNode } from '../src/modules/insights/community-trust.ts'
import { buildContactKindTrust, type KindAnswerRow } from '../src/modules/insights/contact-kind-trust.ts'

const areas: AreaNode[] = [
  { id: 'd1', code: 'D1', name: 'District 1', kind: 'district', parentId: null, lineage: ['d1'], population: null },
  { id: 'd1b1', code: 'D1B1', name: 'Beat 11', kind: 'beat', parentId: 'd1', lineage: ['d1', 'd1b1'], population: null },
  { id: 'd2', code: 'D2', name: 'District 2', kind: 'district', parentId: null, lineage: ['d2'], population: null },
]
const limits = { threshold: 11, minResponses: 11, tiers: { withheldBelow: 30, flaggedBelow: 50 } }
const answers = (area: string, month: string, contactKind: string, count: number, trust: number): KindAnswerRow[] =>
  Array.from({ length: count }, () => ({ area, month, contactKind, ageBand: null, gender: null, raceEthnicity: null, language: 'en', dignity: null, voice: null, neutrality: null, trust }))

// One quarter (its first month): District 1 has 40 after traffic stops, 35 after meetings, 5 after reports taken; District 2 has 35 after meetings.
// The first month of TEST_NOW's year, and its quarter: labels written from the tests' now, never as a calendar year.
const month = `${TEST_NOW.slice(0, 4)}-01`
const quarter = `${TEST_NOW.slice(0, 4)}-Q1`
const all = [...answers('d1b1', month, 'traffic_stop', 40, 2), ...answers('d1', month, 'none', 35, 4), ...answers('d1b1', month, 'report_taken', 5, 5), ...answers('d2', month, 'none', 35, 3)]

t.test('when a kind is small, then it is withheld with one complement, and the shown ones add up with what community trust shows', async (t) => {
  const main = buildCommunityTrust(areas, all, [], limits)
  const cut = buildContactKindTrust(areas, all, main, limits)
  t.notOk(cut.some((r) => r.area === 'd1b1'), 'top-level areas only')
  const d1 = cut.filter((r) => r.area === 'd1' && r.cycle === quarter)
  const by = Object.fromEntries(d1.map((r) => [r.contactKind, r]))
  t.equal(by.report_taken!.responses.suppressed, 'primary')
  t.equal([by.none!, by.traffic_stop!].filter((r) => r.responses.suppressed === 'complementary').length, 1, 'one complement: 80 − the other kind would tell the five')
  t.equal(main.find((r) => r.area === 'd1' && r.cycle === quarter)!.responses.value, 80)
  const shown = [by.none!, by.traffic_stop!].find((r) => r.responses.suppressed === null)!
  t.equal(shown.principles.trust.unweighted.value, shown.contactKind === 'none' ? 4 : 2)
  const d2 = cut.filter((r) => r.area === 'd2' && r.cycle === quarter)
  t.same(d2.map((r) => [r.contactKind, r.responses.value, r.reliability, r.principles.trust.unweighted.value]), [['none', 35, 'flagged', 3]])
  // A quarter of one month: the month's rows say the same (a month cannot be worked out from its quarter, nor told apart).
  t.same(cut.filter((r) => r.cycle === month).map((r) => [r.area, r.contactKind, r.responses]), cut.filter((r) => r.cycle === quarter).map((r) => [r.area, r.contactKind, r.responses]))
})

t.test('when community trust has not seen the latest answers, then the quarter’s cut is withheld whole', async (t) => {
  const main = buildCommunityTrust(areas, all.slice(10), [], limits)
  const cut = buildContactKindTrust(areas, all, main, limits)
  t.ok(cut.length > 0)
  t.ok(cut.every((r) => r.responses.value === null && r.principles.trust.unweighted.value === null), 'nothing is set against a stale table')
})

t.test('when item aggregates are pooled, then rows are the shown ones and the pooled mean is n-weighted', async (t) => {
  const main = buildCommunityTrust(areas, all, [], limits)
  const rows = main.filter((r) => r.cycle === quarter).flatMap((r) => pooledRowsOf('a', r, new Set(['pj.trust'])))
  // The agency (115, mean (80 + 140 + 25 + 105) / 115) and District 2 (35); District 1's 80 too; no beat.
  t.same(rows.map((r) => [r.area?.code ?? null, r.n, r.mean]), [[null, 115, 3.04], ['D1', 80, 3.06], ['D2', 35, 3]])
  const other = pooledRowsOf('b', { ...main.find((r) => r.area === null && r.cycle === quarter)!, responses: { value: 45, suppressed: null }, principles: { ...main[0]!.principles, trust: { ...main[0]!.principles.trust, unweighted: { value: 4, suppressed: null } } } }, new Set(['pj.trust']))
  // By hand: (115 × 3.04 + 45 × 4) / 160 = 529.6 / 160 = 3.31.
  t.same(poolOf([...rows, ...other]), [{ cycle: quarter, item: 'pj.trust', agencies: 2, n: 160, mean: 3.31 }])
})
