// Insights over REST and GraphQL: what an analyst sees for a small agency story, filters as whole cells, CSV, bad input.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { testClock } from './helpers/clock.ts'
import { addAttendees, addEvent, addFeedback, insightStory } from './helpers/insights-data.ts'

const { app, database, fixtures } = await build(t, { env: { INSIGHTS_REFRESH_SECONDS: '0' } })
const story = await insightStory(database, fixtures.metro.id, { north: fixtures.areas.north.id, south: fixtures.areas.south.id })
const get = async (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers })
const names = ['reach', 'voice', 'closing-the-loop', 'trust', 'who-takes-part'] as const
type Value = { value: number | null; suppressed: string | null }

/** Every suppressed-value object in an answer. */
function values(node: unknown, out: Value[] = []): Value[] {
  if (node && typeof node === 'object') {
    if ('value' in node && 'suppressed' in node) out.push(node as Value)
    else for (const v of Object.values(node)) values(v, out)
  }
  return out
}

t.test('when anyone asks for an insight, then every count shown is 0 or at least the threshold, and withheld ones say why', async (t) => {
  for (const name of names) {
    const res = await get(`/v1/insights/${name}?agency=metro`)
    t.equal(res.statusCode, 200, name)
    t.match(res.headers['content-type'], /application\/json/)
    const body = res.json()
    t.equal(body.insight, name)
    t.equal(body.suppression.threshold, 11)
    const all = values(body)
    t.ok(all.length > 0, `${name} has figures`)
    for (const v of all) {
      if (v.value === null) continue
      t.notOk(v.suppressed, 'a shown figure has no reason')
    }
    const counts = [...body.cells, ...body.margins].flatMap((r: Record<string, Value>) => ['people', 'headCount', 'feedback', 'received', 'acknowledged', 'addressed', 'declined', 'reportedBack', 'responses', 'participants'].flatMap((m) => (r[m] ? [r[m]] : [])))
    t.ok(counts.length > 0)
    t.same(counts.filter((c: Value) => c.value !== null && c.value > 0 && c.value < 11), [], `${name}: no published count between 1 and 10`)
    t.ok(all.some((v) => v.suppressed === 'primary'), `${name}: something small was withheld`)
  }
})

t.test('when the story is read, then it is visible: who took part and what they said in the north', async (t) => {
  const who = (await get('/v1/insights/who-takes-part?agency=metro')).json()
  const women = who.cells.find((c: any) => c.key.question === 'gender' && c.key.answer === 'woman')
  t.equal(women.participants.value, 30, '30 women at the town hall')
  const reach = (await get(`/v1/insights/reach?agency=metro&from=2026-04-01&to=2026-06-30`)).json()
  t.strictSame(reach.period, { unit: 'quarter', from: '2026-04-01', to: '2026-06-30' })
  t.equal(reach.cells.length, 1, 'one meeting in the second quarter')
  t.equal(reach.cells[0].people.value, 12)
  t.ok(reach.gaps.areas.includes(fixtures.areas.south.id), 'no meeting reached the south that quarter')
  t.ok(reach.gaps.slots.some((s: any) => s.weekday === 'sunday' && s.timeOfDay === 'morning'), 'nor any Sunday morning')
})

t.test('when a filter is given, then the answer is a selection of the unfiltered table: same cells, same values, only whole margins', async (t) => {
  for (const name of names) {
    const all = (await get(`/v1/insights/${name}?agency=metro`)).json()
    const filtered = (await get(`/v1/insights/${name}?agency=metro&area=${fixtures.areas.north.id}&from=2026-02-15&to=2026-03-01`)).json()
    const index = new Map([...all.cells, ...all.margins].map((r: any) => [JSON.stringify([r.by ?? null, r.key]), JSON.stringify(r)]))
    for (const r of [...filtered.cells, ...filtered.margins]) t.equal(index.get(JSON.stringify([r.by ?? null, r.key])), JSON.stringify(r), `${name}: a filtered row is a row of the whole table`)
    // A margin kept by an area filter keeps the area, or (reach's roll-up) the district at the top it belongs to.
    for (const m of filtered.margins) t.ok((m.by.includes('area') || m.by.includes('topArea')) && m.by.includes('period'), `${name}: margins kept by the filter keep area (or topArea) and period`)
  }
})

t.test('when CSV is asked for, then the same figures come as CSV with suppressed cells empty', async (t) => {
  const byAccept = await get('/v1/insights/voice?agency=metro', { accept: 'text/csv' })
  const bySuffix = await get('/v1/insights/voice.csv?agency=metro')
  t.equal(byAccept.statusCode, 200)
  t.match(byAccept.headers['content-type'], /^text\/csv/)
  t.equal(byAccept.body, bySuffix.body)
  const [header, ...lines] = byAccept.body.trimEnd().split('\r\n')
  t.match(header, /^level,by,topic,stance,channel,area,topArea,period,kind,format,feedback,feedback_suppressed$/)
  const json = (await get('/v1/insights/voice?agency=metro')).json()
  t.equal(lines.length, json.cells.length + json.margins.length)
  t.ok(lines.some((l) => /,,primary$/.test(l)), 'a suppressed figure is empty with its reason')
  for (const l of lines) {
    const [value] = l.split(',').slice(-2)
    if (value) t.notOk(Number(value) > 0 && Number(value) < 11, 'no small count in CSV')
  }
})

t.test('when the input is wrong, then the answer is a 4xx problem', async (t) => {
  const cases: [string, number, string][] = [
    ['/v1/insights/reach', 400, 'VALIDATION_FAILED'],
    ['/v1/insights/reach?agency=nowhere', 404, 'AGENCY_NOT_FOUND'],
    ['/v1/insights/mood?agency=metro', 404, 'NOT_FOUND'],
    ['/v1/insights/reach?agency=metro&from=2026-13-01', 400, 'VALIDATION_FAILED'],
    ['/v1/insights/reach?agency=metro&from=2026-05-01&to=2026-04-01', 400, 'VALIDATION_FAILED'],
    [`/v1/insights/reach?agency=metro&area=${fixtures.areas.lakeArea.id}`, 400, 'VALIDATION_FAILED'],
    ['/v1/insights/reach?agency=metro&kind=picnic', 400, 'VALIDATION_FAILED'],
    ['/v1/insights/reach?agency=metro&colour=blue', 400, 'VALIDATION_FAILED'],
    ['/v1/insights/reach?agency=metro&agency=lakeside', 400, 'VALIDATION_FAILED'],
  ]
  for (const [url, status, code] of cases) {
    const res = await get(url)
    t.equal(res.statusCode, status, url)
    t.equal(res.json().code, code, url)
    t.match(res.headers['content-type'], /application\/problem\+json/)
  }
})

t.test('when new rows arrive in a month already built, then it is rebuilt in the background while the previous table answers, and later answers include them', async (t) => {
  const before = (await get('/v1/insights/voice?agency=metro')).json()
  const policy = (b: any) => b.cells.filter((c: any) => c.key.topic === 'policy')
  t.equal(policy(before).length, 0)
  // GraphQL's answer is shaped once per stored answer (insight-resolvers.ts): asked twice (the second runs compiled), it must follow the rebuild too.
  const graphqlPolicy = async () => {
    const res = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ insights(agency: "metro") { voice { cells { key { dimension value } } } } }' } })
    return res.json().data.insights.voice.cells.filter((c: any) => c.key.some((k: any) => k.dimension === 'topic' && k.value === 'policy')).length
  }
  t.same([await graphqlPolicy(), await graphqlPolicy()], [0, 0], 'GraphQL: no policy cell before')
  await addFeedback(database, fixtures.metro.id, 40, { topic: 'policy', stance: 'supportive', areaId: fixtures.areas.south.id, receivedAt: '2026-03-20T12:00:00Z' })
  const stale = (await get('/v1/insights/voice?agency=metro')).json()
  t.same(stale, before, 'the answer that notices the change is still the previous table, whole')
  let after = stale
  for (let i = 0; i < 200 && policy(after).length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25))
    after = (await get('/v1/insights/voice?agency=metro')).json()
  }
  t.equal(policy(after).length, 1, 'the new cell is there once the rebuild is done')
  t.same([await graphqlPolicy(), await graphqlPolicy()], [1, 1], 'GraphQL: the new cell too')
  t.same(
    after.cells.filter((c: any) => c.key.period !== '2026-03'),
    before.cells.filter((c: any) => c.key.period !== '2026-03'),
    'the other months are as they were',
  )
})

t.test('when rows arrive in a month that had none, then the answer that asks for it builds it and shows them', async (t) => {
  await addFeedback(database, fixtures.metro.id, 20, { topic: 'wellness', stance: 'supportive', areaId: fixtures.areas.north.id, receivedAt: '2026-07-04T12:00:00Z' })
  const july = (await get('/v1/insights/voice?agency=metro&from=2026-07-01&to=2026-07-31')).json()
  t.equal(july.cells.find((c: any) => c.key.topic === 'wellness')?.feedback.value, 20)
  t.ok(july.cells.every((c: any) => c.key.period === '2026-07'))
})

t.test('when attendance, demographics or an event change, then the quarters they touch are rebuilt, and only those', async (t) => {
  const settle = async (url: string, done: (b: any) => boolean) => {
    let body = (await get(url)).json()
    for (let i = 0; i < 200 && !done(body); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25))
      body = (await get(url)).json()
    }
    return body
  }
  const women = (b: any) => b.cells.find((c: any) => c.key.question === 'gender' && c.key.answer === 'woman' && c.key.period === '2026-Q1')?.participants.value
  const q2 = (await get('/v1/insights/reach?agency=metro&from=2026-04-01&to=2026-06-30')).json()
  t.equal(women((await get('/v1/insights/who-takes-part?agency=metro')).json()), 30)

  // An erasure deletes the demographics row (no newer updated_at there) and marks the participant: still noticed.
  const [woman] = await database.raw<{ id: string }>(
    `select d.participant_id as id from participant_demographics d join attendances a on a.participant_id = d.participant_id where a.event_id = $1 and d.gender = 'woman' limit 1`,
    [story.big],
  )
  await database.raw(`delete from participant_demographics where participant_id = $1`, [woman!.id])
  // Stamped by the test clock, as the services stamp their writes (the watermark compares updated_at).
  await database.raw(`update participants set erased_at = $2, deleted_at = $2, updated_at = $2 where id = $1`, [woman!.id, testClock.now().toISOString()])
  t.equal(women(await settle('/v1/insights/who-takes-part?agency=metro', (b) => women(b) === 29)), 29, 'an erased participant no longer counts')

  await addAttendees(database, fixtures.metro.id, story.big, 11, { gender: 'woman' })
  const who = await settle('/v1/insights/who-takes-part?agency=metro', (b) => women(b) === 40)
  t.equal(women(who), 40, 'eleven more women at the town hall: its quarter was rebuilt')
  t.same((await get('/v1/insights/reach?agency=metro&from=2026-04-01&to=2026-06-30')).json(), q2, 'the next quarter is as it was')

  // The listening session moves from April to March: the quarter it left and the one it joined both change.
  await database.raw(`update events set starts_at = '2026-03-14T22:00:00Z', ends_at = '2026-03-14T23:30:00Z', updated_at = $2 where id = $1`, [story.later, testClock.now().toISOString()])
  const april = await settle('/v1/insights/reach?agency=metro&from=2026-04-01&to=2026-06-30', (b) => b.cells.length === 0)
  t.equal(april.cells.length, 0, 'the quarter it left has no meeting any more')
  const march = await settle('/v1/insights/reach?agency=metro&from=2026-01-01&to=2026-03-31', (b) => b.cells.some((c: any) => c.key.kind === 'listening_session'))
  t.ok(march.cells.some((c: any) => c.key.kind === 'listening_session'), 'and the quarter it joined has it')
})

t.test('when the tables were warmed after start, then a first answer for any period builds nothing', async (t) => {
  // Lakeside has not been asked anything yet.
  const town = await addEvent(database, fixtures.lakeside.id, { areaId: fixtures.areas.lakeArea.id, startsAt: '2026-02-03T23:00:00Z' })
  await addAttendees(database, fixtures.lakeside.id, town, 12, { gender: 'woman' })
  await addFeedback(database, fixtures.lakeside.id, 12, { topic: 'policy', stance: 'critical', areaId: fixtures.areas.lakeArea.id, receivedAt: '2026-02-04T12:00:00Z' })
  await app.services.insights.warm()
  database.recent.length = 0
  for (const name of names) t.equal((await get(`/v1/insights/${name}?agency=lakeside&from=2026-01-01&to=2026-03-31`)).statusCode, 200)
  // The change check counts recent rows too (its statement names "recentFeedback"); a build counts whole periods.
  const builds = database.recent.filter((s) => /count\(\*\)|distinct on|count\(s\.dignity\)/.test(s.sql) && !s.sql.includes('"recentFeedback"'))
  t.same(builds.map((s) => s.sql.slice(0, 60)), [], 'no build query ran: every period was ready')
})

t.test('when GraphQL asks for insights, then it gives the same figures as REST', async (t) => {
  const query = `query ($filter: InsightFilter) { insights(agency: "metro", filter: $filter) {
    agency
    voice { period { unit from to } cells { key { dimension value } by feedback { value suppressed } } margins { by feedback { value suppressed } } suppression { threshold primary complementary } }
    trust { cells { responses { value suppressed } dignity { value suppressed } } }
  } }`
  const res = await app.inject({ method: 'POST', url: '/graphql', headers: await bearer({ role: 'analyst' }), payload: { query, variables: { filter: { from: '2026-03-01', to: '2026-03-31' } } } })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.same(body.errors, undefined)
  const rest = (await get('/v1/insights/voice?agency=metro&from=2026-03-01&to=2026-03-31')).json()
  t.equal(body.data.insights.voice.cells.length, rest.cells.length)
  t.strictSame(body.data.insights.voice.cells.map((c: any) => c.feedback), rest.cells.map((c: any) => ({ value: c.feedback.value, suppressed: c.feedback.suppressed?.toUpperCase() ?? null })))
  t.equal(body.data.insights.voice.period.from, '2026-03-01')

  const missing = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ insights(agency: "nowhere") { agency } }' } })
  t.equal(missing.json().errors[0].extensions.code, 'AGENCY_NOT_FOUND')
  const bad = await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ insights(agency: "metro", filter: { from: "soon" }) { voice { cells { by } } } }' } })
  t.equal(bad.json().errors[0].extensions.code, 'VALIDATION_FAILED')
  t.equal(bad.json().errors[0].extensions.errors[0].field, 'filter.from')
})

t.test('when an answer is written in pieces, then its bytes are those of JSON.stringify, whatever the number of rows', async (t) => {
  const { answerJson } = await import('../src/http/rest/insights-routes.ts')
  const row = (i: number) => ({ key: { area: `a${i}`, period: '2026-Q1' }, ...(i % 2 ? { by: ['area', 'period'] } : {}), people: { value: i, suppressed: null } })
  for (const [cells, margins] of [[0, 0], [1, 0], [0, 3], [200, 1], [201, 450], [1000, 999]]) {
    const answer = {
      insight: 'reach' as const, agency: 'metro', period: { unit: 'quarter' as const, from: null, to: null },
      cells: Array.from({ length: cells }, (_, i) => row(i)), margins: Array.from({ length: margins }, (_, i) => row(i)),
      suppression: { threshold: 11, minResponses: 11, primary: 0, complementary: 0, insufficientResponses: 0, method: 'Every answer is a selection of whole "cells":[ and "margins":[' },
      gaps: { areas: [], slots: [] },
    }
    t.equal([...answerJson(answer)].join(''), JSON.stringify(answer), `${cells} cells, ${margins} margins`)
  }
  const res = await get('/v1/insights/reach?agency=metro')
  t.equal(res.body, JSON.stringify(res.json()), 'over HTTP too')
})
