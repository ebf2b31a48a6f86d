// Trust and safety by area over survey cycles (issue 20, items 2 and 3): answers raked to each area's population
// margins, weighted beside unweighted, with effective sample size, margin of error, representativeness, reliability
// tiers the agency sets, trends and concerns; counts suppressed exactly and weighted figures withheld by them.
import t from 'tap'
import { sql } from 'drizzle-orm'
import { rake, weightedMean, type Margins } from '../src/modules/insights/raking.ts'
import { determinedEntries, type Relation } from '../src/modules/insights/suppression.ts'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { dateAfterNow, TEST_NOW } from './helpers/clock.ts'
import { eventBody } from './helpers/fixtures.ts'
import { addFeedback } from './helpers/insights-data.ts'

type Figure = { value: number | null; suppressed: string | null }
type Row = {
  area: string | null
  cycle: string
  responses: Figure
  reliability: string
  weighting: { basis: string; marginsFrom: string | null; converged: boolean | null; representativeness: Figure; effectiveSampleSize: Figure }
  principles: Record<string, { unweighted: Figure; weighted: Figure; marginOfError: Figure; trend: { since: string; difference: Figure; marginOfError: Figure } | null }>
  concerns: { topic: string; count: Figure }[]
}

// Cycles written relative to the tests' now: the quarter of TEST_NOW and the one before, a month in each.
const now = new Date(TEST_NOW)
const monthBack = (k: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - k, 10, 15)).toISOString()
const quarterOf = (iso: string) => `${iso.slice(0, 4)}-Q${Math.ceil(Number(iso.slice(5, 7)) / 3)}`
const thisMonth = monthBack(0)
const lastQuarterMonth = monthBack(3)
const [thisQuarter, lastQuarter] = [quarterOf(thisMonth), quarterOf(lastQuarterMonth)]

const northMargins = { ageBand: { age_18_24: 3000, age_35_44: 4000, age_65_plus: 3000 }, language: { en: 6000, es: 4000 } }
const southMargins = { ageBand: { age_18_24: 5000, age_65_plus: 5000 } }

type Answer = { ageBand: string | null; language: string; dignity: number; trust: number }
/** Beat N2's answers: older and more English-speaking than the district's margins; trust higher among older ones. */
const beatAnswers = (n: number, lift: number): Answer[] =>
  Array.from({ length: n }, (_, i) => {
    const ageBand = i === 3 ? 'prefer_not_to_say' : i % 4 === 0 ? 'age_18_24' : i % 4 === 1 ? 'age_35_44' : 'age_65_plus'
    const language = i % 5 === 0 ? 'es' : 'en-US'
    return { ageBand, language, dignity: language === 'es' ? 2 : 4, trust: Math.min(5, (ageBand === 'age_65_plus' ? 4 : 2) + lift) }
  })
/** South's answers: a quarter young, three quarters old (10 and 30 times `scale`); trust young and old differ by two. */
const southAnswers = (young: number, old: number, scale = 1): Answer[] => [
  ...Array.from({ length: 10 * scale }, () => ({ ageBand: 'age_18_24', language: 'en', dignity: 3, trust: young })),
  ...Array.from({ length: 30 * scale }, () => ({ ageBand: 'age_65_plus', language: 'en', dignity: 3, trust: old })),
]

t.test('when answers carry demographics and areas carry margins, then weighted and unweighted figures are given side by side, exactly as raking computes them, suppressed by the unweighted count', async (t) => {
  const { app, database, fixtures } = await build(t)
  const admin = await bearer({ role: 'admin', agency: 'metro' })
  const metro = fixtures.metro.id
  const { north, south } = { north: fixtures.areas.north.id, south: fixtures.areas.south.id }
  const area = async (code: string) => {
    const res = await app.inject({ method: 'POST', url: '/v1/agencies/metro/areas', headers: admin, payload: { code, name: `Beat ${code}`, kind: 'beat', parentId: north } })
    t.equal(res.statusCode, 201, res.body)
    return res.json().id as string
  }
  const [n1, n2] = [await area('N1'), await area('N2')]
  const setMargins = async (id: string, margins: unknown) => {
    const res = await app.inject({ method: 'PATCH', url: `/v1/agencies/metro/areas/${id}`, headers: { ...admin, 'if-match': '*' }, payload: { population: { source: 'ACS 5-year', margins } } })
    t.equal(res.statusCode, 200, res.body)
  }
  await setMargins(north, northMargins)
  await setMargins(south, southMargins)

  const insert = async (areaId: string, at: string, answers: Answer[]) => {
    for (const a of answers)
      await database.db.execute(sql`insert into survey_responses (agency_id, area_id, dignity, trust, language, age_band, created_at)
        values (${metro}::uuid, ${areaId}::uuid, ${a.dignity}, ${a.trust}, ${a.language}, ${a.ageBand}::age_band, ${at}::timestamptz)`)
  }
  const q3Beat = beatAnswers(40, 0)
  const q4Beat = beatAnswers(45, 1)
  await insert(n2, lastQuarterMonth, q3Beat)
  await insert(n2, thisMonth, q4Beat)
  await insert(n1, lastQuarterMonth, beatAnswers(5, 0))
  // Twice as many last quarter: the beat's 40 then take the complement that hides the small beat (every table agrees).
  await insert(south, lastQuarterMonth, southAnswers(1, 3, 2))
  await insert(south, thisMonth, southAnswers(2, 4))
  await addFeedback(database, metro, 15, { topic: 'community_safety', areaId: n2, receivedAt: thisMonth })
  await addFeedback(database, metro, 3, { topic: 'policy', areaId: n2, receivedAt: thisMonth })
  await addFeedback(database, metro, 12, { topic: 'policy', areaId: south, receivedAt: thisMonth })

  const get = async (query: string) => {
    const res = await app.inject({ method: 'GET', url: `/v1/insights/community-trust?agency=metro${query}` })
    t.equal(res.statusCode, 200, res.body)
    return res.json() as { rows: Row[]; tiers: { withheldBelow: number; flaggedBelow: number }; suppression: { primary: number } }
  }
  const answer = await get('')
  t.same(answer.tiers, { withheldBelow: 30, flaggedBelow: 50 }, 'the default tiers')
  const row = (rows: Row[], areaId: string | null, cycle: string) => rows.find((r) => r.area === areaId && r.cycle === cycle)!

  t.test('a one-dimension raking is post-stratification: hand-computed', async (t) => {
    const s = row(answer.rows, south, thisQuarter)
    t.same(s.responses, { value: 40, suppressed: null })
    t.equal(s.weighting.basis, 'own')
    t.equal(s.weighting.converged, true)
    // Unweighted: (10×2 + 30×4) / 40 = 3.5. Weighted: half young, half old: (2 + 4) / 2 = 3.
    t.equal(s.principles.trust!.unweighted.value, 3.5)
    t.equal(s.principles.trust!.weighted.value, 3)
    // Weights 2 (young) and 2/3 (old): Kish n = 40² / (10×4 + 30×4/9) = 30; variance 1, MoE 1.96 √(1/29).
    t.equal(s.weighting.effectiveSampleSize.value, 30)
    t.equal(s.principles.trust!.marginOfError.value, Math.round(1.96 * Math.sqrt(1 / 29) * 100) / 100)
    // Respondents a quarter young against half the population: total variation distance 0.25.
    t.equal(s.weighting.representativeness.value, 0.75)
    t.equal(s.reliability, 'flagged', '40 responses: at least 30, under 50')
    // Trend: last quarter 1 and 3 (weighted 2; 80 answers, Kish's 60), now 3: +1, MoE √(MoE₁² + MoE₂²).
    const moe = (nEff: number) => 1.96 * Math.sqrt(1 / (nEff - 1))
    t.same(s.principles.trust!.trend, { since: lastQuarter, difference: { value: 1, suppressed: null }, marginOfError: { value: Math.round(Math.sqrt(moe(30) ** 2 + moe(60) ** 2) * 100) / 100, suppressed: null } })
    const unweightedNorth = row(answer.rows, n2, thisQuarter)
    t.not(unweightedNorth.principles.trust!.weighted.value, unweightedNorth.principles.trust!.unweighted.value, 'a skewed beat: weighted and unweighted differ')
  })

  t.test('two dimensions: the figures equal the raking module on the same answers (a beat with no margins takes its district’s)', async (t) => {
    const b = row(answer.rows, n2, thisQuarter)
    t.same([b.weighting.basis, b.weighting.marginsFrom], ['ancestor', north])
    const respondents = q4Beat.map((a) => ({ ageBand: a.ageBand === 'prefer_not_to_say' ? null : a.ageBand, language: a.language.split('-')[0]! }))
    const raked = rake(respondents, northMargins as Margins)
    const expected = weightedMean(q4Beat.map((a) => a.trust), raked.weights)!
    const plain = weightedMean(q4Beat.map((a) => a.trust), q4Beat.map(() => 1))!
    t.equal(b.principles.trust!.weighted.value, Math.round(expected.mean * 100) / 100)
    t.equal(b.principles.trust!.unweighted.value, Math.round(plain.mean * 100) / 100)
    t.equal(b.principles.trust!.marginOfError.value, Math.round(expected.marginOfError * 100) / 100)
    t.equal(b.weighting.effectiveSampleSize.value, Math.round(expected.effectiveSampleSize * 10) / 10)
    t.equal(b.weighting.converged, raked.converged)
    t.equal(b.principles.voice!.unweighted.suppressed, null, 'no one answered voice: no figure, nothing withheld')
    t.equal(b.principles.voice!.unweighted.value, null)
    // The district rolls its beats up and is weighted to its own margins.
    const d = row(answer.rows, north, thisQuarter)
    t.same([d.weighting.basis, d.responses.value], ['own', 45])
    t.equal(row(answer.rows, null, thisQuarter).weighting.basis, 'sub_areas', 'the agency: its districts’ margins summed')
  })

  t.test('counts are suppressed exactly; a weighted figure is shown only where its unweighted count is', async (t) => {
    const small = row(answer.rows, n1, lastQuarter)
    t.same(small.responses, { value: null, suppressed: 'primary' })
    t.equal(small.reliability, 'withheld')
    for (const p of Object.values(small.principles)) for (const f of [p.unweighted, p.weighted, p.marginOfError]) t.equal(f.value, null)
    t.equal(small.weighting.effectiveSampleSize.value, null)
    for (const r of answer.rows) {
      if (r.responses.suppressed === null) continue
      for (const p of Object.values(r.principles)) t.same([p.weighted.value, p.unweighted.value, p.marginOfError.value], [null, null, null], `${r.area} ${r.cycle}: nothing where the count is withheld`)
    }
    // The exact check, from the outside: no withheld count follows from the published ones.
    const quarterly = await get('&cycle=quarter')
    const monthly = await get('&cycle=month')
    const rows = [...quarterly.rows, ...monthly.rows]
    const index = new Map(rows.map((r, i) => [`${r.area}|${r.cycle}`, i]))
    const values = rows.map((r) => r.responses.value)
    const relations: Relation[] = []
    // Own answers of a node with sub-areas are never published: unknowns of their own.
    const own = (node: string | null, cycle: string) => (index.get(`own:${node}|${cycle}`) ?? (index.set(`own:${node}|${cycle}`, values.push(null) - 1), values.length - 1))
    const tree: [string | null, (string | null)[]][] = [[null, [north, south]], [north, [n1, n2]]]
    for (const r of rows) for (const [parent, kids] of tree) if (r.area === parent) relations.push({ total: index.get(`${parent}|${r.cycle}`)!, members: [...kids.map((k) => index.get(`${k}|${r.cycle}`)!), own(parent, r.cycle)] })
    for (const q of quarterly.rows) {
      const [y, n] = q.cycle.split('-Q').map(Number)
      const months = [1, 2, 3].map((k) => `${y}-${String((n! - 1) * 3 + k).padStart(2, '0')}`)
      relations.push({ total: index.get(`${q.area}|${q.cycle}`)!, members: months.map((m) => index.get(`${q.area}|${m}`)!).filter((i) => i !== undefined) })
      for (const [parent] of tree) if (q.area === parent) relations.push({ total: own(parent, q.cycle), members: months.map((m) => own(parent, m)) })
    }
    const hidden = values.map((v) => v === null)
    const determined = determinedEntries(hidden, relations).filter((i) => i < rows.length)
    t.same(determined.map((i) => `${rows[i]!.area} ${rows[i]!.cycle}`), [], 'no withheld count is determined')
    t.ok(quarterly.suppression.primary > 0)
  })

  t.test('counts shared with the trust and closing-the-loop insights are shown or withheld as those show them', async (t) => {
    const trust = (await app.inject({ method: 'GET', url: '/v1/insights/trust?agency=metro' })).json()
    const loop = (await app.inject({ method: 'GET', url: '/v1/insights/closing-the-loop?agency=metro' })).json()
    const monthly = await get('&cycle=month')
    let compared = 0
    for (const leaf of [n1, n2, south]) {
      for (const m of trust.margins.filter((r: { by: string[]; key: Record<string, string> }) => r.by.join() === 'area,period' && r.key.area === leaf)) {
        const mine = row(answer.rows, leaf, m.key.period).responses
        t.same([mine.value, mine.suppressed === null], [m.responses.value, m.responses.suppressed === null], `responses ${m.key.period}`)
        compared++
      }
      for (const m of loop.margins.filter((r: { by: string[]; key: Record<string, string> }) => r.by.join() === 'topic,area,period' && r.key.area === leaf)) {
        const mine = row(monthly.rows, leaf, m.key.period).concerns.find((c) => c.topic === m.key.topic)!.count
        t.same([mine.value, mine.suppressed === null], [m.received.value, m.received.suppressed === null], `${m.key.topic} ${m.key.period}`)
        compared++
      }
    }
    t.ok(compared >= 5, `${compared} shared counts compared`)
  })

  t.test('concerns: feedback topics by area, largest first, small counts withheld', async (t) => {
    const b = row(answer.rows, n2, thisQuarter)
    t.same(b.concerns[0], { topic: 'community_safety', count: { value: 15, suppressed: null } })
    t.same(b.concerns[1], { topic: 'policy', count: { value: null, suppressed: 'primary' } })
    const agencyRow = row(answer.rows, null, thisQuarter)
    t.same(agencyRow.concerns.map((c) => c.topic), ['community_safety', 'policy'])
  })

  t.test('tiers the agency sets: checked, then applied; filters select whole rows', async (t) => {
    for (const [what, tiers] of [
      ['out of order', { withheldBelow: 60, flaggedBelow: 40 }],
      ['a fraction', { withheldBelow: 2.5, flaggedBelow: 40 }],
      ['zero', { withheldBelow: 0, flaggedBelow: 40 }],
      ['a missing bound', { withheldBelow: 10 }],
      ['a string with NUL', { withheldBelow: '1\u0000', flaggedBelow: 40 }],
      ['an unknown field', { withheldBelow: 10, flaggedBelow: 40, hiddenBelow: 5 }],
    ] as const) {
      const res = await app.inject({ method: 'PATCH', url: '/v1/agencies/metro', headers: { ...admin, 'if-match': '*' }, payload: { reliabilityTiers: tiers } })
      t.equal(res.statusCode, 400, `${what}: ${res.body}`)
      t.match(res.headers['content-type'], /application\/problem\+json/)
    }
    const viaGraphql = await app.inject({ method: 'POST', url: '/graphql', headers: admin, payload: { query: 'mutation { updateAgency(agency: "metro", expectedVersion: 1, input: { reliabilityTiers: { withheldBelow: 50, flaggedBelow: 30 } }) { reliabilityTiers { withheldBelow } } }' } })
    t.equal(viaGraphql.json().errors?.[0]?.extensions?.code, 'VALIDATION_FAILED', 'GraphQL: out of order is a problem too')
    const staff = await bearer()
    t.equal((await app.inject({ method: 'PATCH', url: '/v1/agencies/metro', headers: { ...staff, 'if-match': '*' }, payload: { reliabilityTiers: { withheldBelow: 12, flaggedBelow: 40 } } })).statusCode, 403, 'staff may not')
    const set = await app.inject({ method: 'PATCH', url: '/v1/agencies/metro', headers: { ...admin, 'if-match': '*' }, payload: { reliabilityTiers: { withheldBelow: 12, flaggedBelow: 40 } } })
    t.equal(set.statusCode, 200, set.body)
    t.same(set.json().reliabilityTiers, { withheldBelow: 12, flaggedBelow: 40 })
    const after = await get(`&area=${south}`)
    t.same(after.tiers, { withheldBelow: 12, flaggedBelow: 40 })
    t.same([...new Set(after.rows.map((r) => r.area))], [south], 'an area filter keeps that area (and those within it)')
    t.equal(row(after.rows, south, thisQuarter).reliability, 'reliable', '40 responses: no longer under the flagged tier')
    const only = await get(`&from=${thisMonth.slice(0, 10)}`)
    t.same([...new Set(only.rows.map((r) => r.cycle))], [thisQuarter], 'from widens to its quarter')
  })

  t.test('GraphQL gives the same rows, and bad input is a problem', async (t) => {
    const gql = async (query: string) => (await app.inject({ method: 'POST', url: '/graphql', payload: { query } })).json()
    const res = await gql(`{ insights(agency: "metro", filter: { areas: ["${south}"] }) { communityTrust(cycle: QUARTER) { cycle tiers { withheldBelow } rows { area cycle reliability responses { value } weighting { basis converged effectiveSampleSize { value } } trust { weighted { value } unweighted { value } marginOfError { value } trend { since difference { value } } } concerns { topic count { value suppressed } } } } } }`)
    t.notOk(res.errors, JSON.stringify(res.errors))
    const ct = res.data.insights.communityTrust
    t.equal(ct.cycle, 'QUARTER')
    const s = ct.rows.find((r: { cycle: string }) => r.cycle === thisQuarter)
    t.same(s.trust.weighted.value, 3)
    t.same(s.weighting.basis, 'OWN')
    // The agency's 15 items on policy are the south's 12 and the beat's 3: the 12 are withheld with the 3.
    t.same(s.concerns, [{ topic: 'policy', count: { value: null, suppressed: 'COMPLEMENTARY' } }])
    for (const [what, query] of [
      ['an unknown cycle', '&cycle=weekly'],
      ['an unknown area', '&area=00000000-0000-4000-8000-000000000000'],
      ['a NUL in a date', '&from=2026-01-01%00'],
      ['from after to', '&from=2026-06-01&to=2026-01-01'],
      ['an unknown parameter', '&kind=town_hall'],
      ['a NUL in the cycle', '&cycle=month%00'],
      ['a cycle given twice', '&cycle=month&cycle=quarter'],
    ]) {
      const bad = await app.inject({ method: 'GET', url: `/v1/insights/community-trust?agency=metro${query}` })
      t.equal(bad.statusCode, 400, `${what}: ${bad.body}`)
      t.match(bad.headers['content-type'], /application\/problem\+json/)
    }
    t.equal((await app.inject({ method: 'GET', url: '/v1/insights/community-trust?agency=nowhere' })).statusCode, 404)
    t.equal((await app.inject({ method: 'GET', url: '/v1/insights/community-trust' })).statusCode, 400, 'no agency')
    t.equal((await app.inject({ method: 'GET', url: '/v1/insights/community-trust?agency=metro%00' })).statusCode, 400, 'a NUL in the agency')
    for (const population of [{ source: 'ACS' }, { source: 'ACS', margins: {} }, { source: 'ACS\u0000', margins: southMargins }]) {
      const res = await app.inject({ method: 'PATCH', url: `/v1/agencies/metro/areas/${south}`, headers: { ...admin, 'if-match': '*' }, payload: { population } })
      t.equal(res.statusCode, 400, `margins refused: ${JSON.stringify(population)}`)
    }
    const badGql = await gql(`{ insights(agency: "metro", filter: { areas: ["nope"] }) { communityTrust { cycle } } }`)
    t.equal(badGql.errors?.[0]?.extensions?.code, 'VALIDATION_FAILED')
  })
})

t.test('when answers are given with demographics through the API, then they are stored but never read back', async (t) => {
  const { app, database, fixtures } = await build(t)
  const body = { agency: 'metro', body: 'Fine.', language: 'es', topic: 'everyday_interactions', areaId: fixtures.areas.north.id, survey: { trust: 4, ageBand: 'age_65_plus', gender: 'prefer_not_to_say', raceEthnicity: 'hispanic_or_latino' } }
  const res = await app.inject({ method: 'POST', url: '/v1/feedback', payload: body })
  t.equal(res.statusCode, 201, res.body)
  t.notMatch(res.body, /age_65_plus|hispanic_or_latino/)
  const stored = (await database.db.execute(sql`select age_band::text, gender::text, race_ethnicity::text from survey_responses`)) as unknown as { rows?: unknown[] } | unknown[]
  t.same(Array.isArray(stored) ? stored : stored.rows, [{ age_band: 'age_65_plus', gender: 'prefer_not_to_say', race_ethnicity: 'hispanic_or_latino' }])
  for (const [what, survey] of [
    ['an unknown age band', { trust: 4, ageBand: 'age_12_17' }],
    ['a list of races', { trust: 4, raceEthnicity: ['asian'] }],
    ['a NUL in a gender', { trust: 4, gender: 'woman\u0000' }],
    ['demographics alone', { ageBand: 'age_65_plus' }],
  ] as const) {
    const bad = await app.inject({ method: 'POST', url: '/v1/feedback', payload: { ...body, survey } })
    t.equal(bad.statusCode, 400, `${what}: ${bad.body}`)
  }
  const gql = await app.inject({ method: 'POST', url: '/graphql', payload: { query: `mutation { submitFeedback(input: { agency: "metro", body: "Ok.", language: "en", topic: "other", survey: { trust: 3, ageBand: AGE_25_34, gender: WOMAN, raceEthnicity: ASIAN } }) { feedback { id } } }` } })
  t.notOk(gql.json().errors, gql.body)
  const staff = await bearer()
  const changes = await app.inject({ method: 'GET', url: '/v1/changes?agency=metro', headers: staff })
  t.notMatch(changes.body, /age_25_34|AGE_25_34|asian/i, 'no demographics in the change feed')
})

t.test('when an event survey is answered with demographics (REST and GraphQL), then they are kept and never in the answer, the staff list or the outbox', async (t) => {
  const { app, database } = await build(t)
  const staff = await bearer()
  const day = dateAfterNow(-1)
  const event = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ startsAt: `${day}T09:00:00Z`, endsAt: `${day}T10:00:00Z` }) })).json().id as string
  const token = async () => {
    const person = await app.inject({ method: 'POST', url: '/v1/participants', headers: staff, payload: { displayName: 'Attendee' } })
    return (await app.inject({ method: 'POST', url: `/v1/events/${event}/check-ins`, headers: staff, payload: { participantId: person.json().id } })).json().surveyToken as string
  }
  const rest = await app.inject({ method: 'POST', url: `/v1/events/${event}/survey-responses`, payload: { token: await token(), trust: 4, ageBand: 'age_45_54', gender: 'non_binary', raceEthnicity: 'middle_eastern_or_north_african' } })
  t.equal(rest.statusCode, 201, rest.body)
  t.notMatch(rest.body, /age_45_54|non_binary|middle_eastern/)
  const bad = await app.inject({ method: 'POST', url: `/v1/events/${event}/survey-responses`, payload: { token: await token(), trust: 4, gender: 'unknown' } })
  t.equal(bad.statusCode, 400)
  const gql = await app.inject({ method: 'POST', url: '/graphql', payload: { query: `mutation ($token: String) { submitSurveyResponse(eventId: "${event}", input: { token: $token, trust: 2, ageBand: AGE_45_54, gender: NON_BINARY, raceEthnicity: MIDDLE_EASTERN_OR_NORTH_AFRICAN }) { id trust } }`, variables: { token: await token() } } })
  t.notOk(gql.json().errors, gql.body)
  t.notMatch(gql.body, /AGE_45_54|NON_BINARY|MIDDLE_EASTERN/)
  const stored = (await database.db.execute(sql`select age_band::text, gender::text, race_ethnicity::text from survey_responses where event_id = ${event}::uuid`)) as unknown as { rows?: unknown[] } | unknown[]
  t.same(Array.isArray(stored) ? stored : stored.rows, [
    { age_band: 'age_45_54', gender: 'non_binary', race_ethnicity: 'middle_eastern_or_north_african' },
    { age_band: 'age_45_54', gender: 'non_binary', race_ethnicity: 'middle_eastern_or_north_african' },
  ])
  const list = await app.inject({ method: 'GET', url: `/v1/events/${event}/survey-responses`, headers: staff })
  t.equal(list.statusCode, 200)
  t.equal(list.json().data.length, 2)
  t.notMatch(list.body, /age_45_54|non_binary|middle_eastern/, 'the staff list reads scores, never demographics')
  const outbox = (await database.db.execute(sql`select payload::text as p from outbox where entity_type = 'survey_response'`)) as unknown as { rows?: { p: string }[] } | { p: string }[]
  const payloads = (Array.isArray(outbox) ? outbox : outbox.rows!).map((r) => r.p).join()
  t.ok(payloads.length > 0)
  t.notMatch(payloads, /age|gender|race|non_binary/, 'outbox payloads hold ids only')
})

t.test('when no area has margins, then every area is reported unweighted, saying so', async (t) => {
  const { app, database, fixtures } = await build(t)
  for (let i = 0; i < 31; i++)
    await database.db.execute(sql`insert into survey_responses (agency_id, area_id, trust, age_band, created_at) values (${fixtures.metro.id}::uuid, ${fixtures.areas.north.id}::uuid, ${1 + (i % 5)}, 'age_65_plus', ${monthBack(1)}::timestamptz)`)
  const res = await app.inject({ method: 'GET', url: `/v1/insights/community-trust?agency=metro&area=${fixtures.areas.north.id}` })
  t.equal(res.statusCode, 200, res.body)
  const [north] = res.json().rows as Row[]
  t.same(north!.weighting, { basis: 'none', marginsFrom: null, converged: null, iterations: null, representativeness: { value: null, suppressed: null }, effectiveSampleSize: { value: 31, suppressed: null } })
  t.same(north!.principles.trust!.unweighted, { value: Math.round((91 / 31) * 100) / 100, suppressed: null }, 'six rounds of 1–5 and a 1: 91 / 31')
  t.same(north!.principles.trust!.weighted, { value: null, suppressed: null }, 'no weighted figure, and nothing withheld')
  t.ok(north!.principles.trust!.marginOfError.value! > 0, 'the margin of error is the unweighted one')
})
