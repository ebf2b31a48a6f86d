// One GraphQL page costs a fixed number of SQL statements, whatever its size: relations are loaded in batches.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'

t.test('when a page of occurrences selects their series, agency, area and co-hosts, then 12 rows cost what 2 do', async (t) => {
  const { app, database, fixtures } = await build(t)
  const staff = await bearer()
  for (const [i, area] of [fixtures.areas.north.id, fixtures.areas.south.id].entries()) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/series',
      headers: staff,
      payload: {
        title: { en: `Listening session ${i + 1}`, es: `Sesión ${i + 1}` },
        kind: 'listening_session',
        format: 'in_person',
        venue: { name: 'Library' },
        areaId: area,
        recurrence: { rule: 'FREQ=WEEKLY;COUNT=6', start: `2027-01-1${i + 1}T18:30`, durationMinutes: 90 },
      },
    })
    t.equal(res.statusCode, 201)
  }
  const page = async (first: number) => {
    const before = database.statements.count
    const res = await app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json' },
      payload: { query: `{ events(first: ${first}, language: "es") { edges { node { id series { title } agency { name } area { code } coHosts { name } } } } }` },
    })
    const body = res.json()
    t.notOk(body.errors, JSON.stringify(body.errors))
    t.equal(body.data.events.edges.length, first)
    return { statements: database.statements.count - before, titles: new Set(body.data.events.edges.map((e: { node: { series: { title: string } } }) => e.node.series.title)) }
  }
  const small = await page(2)
  const large = await page(12)
  t.same([...large.titles].sort(), ['Sesión 1', 'Sesión 2'], 'both series, in the language asked for')
  t.equal(large.statements, small.statements, `a page of 12 ran ${large.statements} statements, a page of 2 ran ${small.statements}`)
  t.ok(large.statements <= 5, `at most 5 statements (${large.statements})`)
})

// The resolvers' path batches each relation level; the read path (on by default) builds the whole answer in one statement.
for (const [readPath, expected, what] of [['false', 3, "the events, their co-hosts, and every agency's areas"], ['true', 1, 'the read path, one statement']] as const)
  t.test(`when a page spans agencies (READ_PATH=${readPath}), then their areas load in one query for all of them`, async (t) => {
    const { app, database, fixtures } = await build(t, { env: { READ_PATH: readPath, INSIGHTS_WARM: 'false' } })
    await app.inject({ method: 'POST', url: '/v1/events', headers: await bearer(), payload: { ...eventBodyFor(fixtures.areas.north.id) } })
    await app.inject({ method: 'POST', url: '/v1/events', headers: await bearer({ agency: 'lakeside' }), payload: { ...eventBodyFor(fixtures.areas.lakeArea.id) } })
    const before = database.statements.count
    const res = await app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json' },
      payload: { query: '{ events { edges { node { area { code } agency { areas { code } } } } } }' },
    })
    const statements = database.statements.count - before
    // Both start at the same instant, so their order is by id: compare as a set.
    t.same(res.json().data.events.edges.map((e: { node: { area: { code: string } } }) => e.node.area.code).sort(), ['D1', 'E'])
    t.equal(statements, expected, `${what}: ${statements} statements`)
  })

function eventBodyFor(areaId: string) {
  return {
    title: { en: 'Coffee with a Cop' },
    kind: 'coffee_with_an_officer',
    format: 'in_person',
    startsAt: '2027-03-10T09:00:00-05:00',
    endsAt: '2027-03-10T10:00:00-05:00',
    venue: { name: 'Corner Café' },
    areaId,
  }
}
