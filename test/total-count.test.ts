// Totals on lists (REST ?count=true, GraphQL totalCount): for every caller and every list, the total equals the number
// of items that caller pages through, on every page; filters narrow both alike; past the cap the total is the cap,
// flagged as an estimate; the events page with its total is still one statement; a bad `count` is a problem.
import t from 'tap'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import type { RenderedSql } from '../src/db/client.ts'
import { createReadsRepository } from '../src/modules/reads/reads-repository.ts'
import { seedDemo } from '../src/seed/demo.ts'
import { DEMO_SLUG } from '../src/seed/demo-data.ts'
import { accessRoles } from './helpers/access-roles.ts'
import { bearer } from './helpers/auth.ts'
import { build, testConfig } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

type Headers = Record<string, string>
type Total = { totalCount: number; totalCountIsEstimate: boolean }

t.test('list totals', async (t) => {
  const { app, database, clock, fixtures } = await build(t, { env: { INSIGHTS_WARM: 'false' } })
  await seedDemo(database, { now: clock.now() })
  const { post, own, staff, headers } = await accessRoles(app)
  // In metro: published and draft events, a partner's proposal (a draft it co-hosts), private and published feedback,
  // draft and published decisions, a report-back, a liaison the partner proposed (seen by it and staff only).
  await post('/v1/events', eventBody({ areaId: fixtures.areas.north.id }))
  await post('/v1/events', eventBody({ title: { en: 'Body camera listening session' }, topics: ['agency_technology'] }))
  await post('/v1/events', eventBody({ draft: true }))
  await post('/v1/events', eventBody({ coHostIds: [own.id] }), headers.partnerOwn)
  const collected = await post('/v1/feedback', { body: 'Collected at our block party', language: 'en', topic: 'community_safety' }, headers.partnerOwn)
  const published = await post('/v1/feedback', { agency: 'metro', body: 'Potholes on Oak', language: 'en', topic: 'other', publish: true }, {})
  await app.inject({ method: 'POST', url: `/v1/feedback/${published.id}/moderation`, headers: { ...staff, 'if-match': '"1"' }, payload: { action: 'publish' } })
  await post('/v1/decisions', { title: { en: 'Draft decision' }, feedbackIds: [collected.id] })
  const decision = await post('/v1/decisions', { title: { en: 'Body cameras' }, publication: 'published', feedbackIds: [published.id] })
  await post('/v1/report-backs', { decisionId: decision.id, channel: 'website', relayedAt: clock.now().toISOString() })
  await post('/v1/liaisons', { displayName: 'Pastor Lee', kind: 'faith_leader', areaIds: [fixtures.areas.north.id], languages: ['en'] }, headers.partnerOwn)

  // The demo agency's own callers see its drafts and private items.
  const [demoOrg] = await database.raw<{ id: string }>(`SELECT o.id FROM organizations o JOIN agencies a ON a.id = o.agency_id WHERE a.slug = $1 ORDER BY o.created_at LIMIT 1`, [DEMO_SLUG])
  const callers: Record<string, Headers> = {
    ...headers,
    demoStaff: await bearer({ agency: DEMO_SLUG, sub: 'demo-staff' }),
    demoAnalyst: await bearer({ role: 'analyst', agency: DEMO_SLUG, sub: 'demo-analyst' }),
    demoPartner: await bearer({ role: 'partner', agency: DEMO_SLUG, sub: 'demo-partner', claims: { org: demoOrg!.id } }),
  }
  const [series] = await database.raw<{ id: string }>(`SELECT id FROM event_series ORDER BY created_at LIMIT 1`)
  const [district] = await database.raw<{ id: string }>(`SELECT d.id FROM areas d WHERE d.parent_id IS NULL AND EXISTS (SELECT 1 FROM events e JOIN areas b ON b.id = e.area_id WHERE b.parent_id = d.id) ORDER BY d.code LIMIT 1`)
  const [venue] = await database.raw<{ latitude: number; longitude: number }>(`SELECT latitude, longitude FROM events WHERE latitude IS NOT NULL ORDER BY starts_at LIMIT 1`)

  /** Walks a REST list to its end through the Link header; every page must give the same total. */
  async function walkRest(url: string, h: Headers): Promise<{ status: number; items: number; total?: Total; totals: Total[]; problem?: string }> {
    let next: string | undefined = `${url}${url.includes('?') ? '&' : '?'}count=true&limit=25`
    let items = 0
    const totals: Total[] = []
    while (next) {
      const res: { statusCode: number; headers: Record<string, unknown>; json(): any } = await app.inject({ method: 'GET', url: next, headers: h })
      if (res.statusCode !== 200) return { status: res.statusCode, items, totals, problem: res.headers['content-type'] as string }
      const body = res.json()
      items += body.data.length
      totals.push({ totalCount: body.totalCount, totalCountIsEstimate: body.totalCountIsEstimate })
      next = /<([^>]+)>; rel="next"/.exec(String(res.headers.link ?? ''))?.[1]
    }
    return { status: 200, items, total: totals[0], totals }
  }
  /** Walks a GraphQL connection to its end; every page must give the same total. */
  async function walkGraphql(field: string, args: string, h: Headers): Promise<{ code?: string; items: number; totals: Total[] }> {
    let after: string | null = null
    let items = 0
    const totals: Total[] = []
    for (;;) {
      const query = `query ($after: String) { page: ${field}(first: 25, after: $after${args ? `, ${args}` : ''}) { totalCount totalCountIsEstimate nodes { id } pageInfo { hasNextPage endCursor } } }`
      const res: { json(): any } = await app.inject({ method: 'POST', url: '/graphql', headers: h, payload: { query, variables: { after } } })
      const body: any = res.json()
      if (body.errors) return { code: body.errors[0].extensions?.code, items, totals }
      items += body.data.page.nodes.length
      totals.push({ totalCount: body.data.page.totalCount, totalCountIsEstimate: body.data.page.totalCountIsEstimate })
      if (!body.data.page.pageInfo.hasNextPage) return { items, totals }
      after = body.data.page.pageInfo.endCursor
    }
  }

  const lists: { name: string; rest: string; graphql?: [string, string] }[] = [
    { name: 'events', rest: '/v1/events', graphql: ['events', ''] },
    { name: 'events of an area, its beats included', rest: `/v1/events?areaId=${district!.id}`, graphql: ['events', `filter: { areaId: ["${district!.id}"] }`] },
    { name: 'events on a topic', rest: '/v1/events?topic=community_safety', graphql: ['events', 'filter: { topic: ["community_safety"] }'] },
    { name: 'events found by a search', rest: '/v1/events?q=camera', graphql: ['events', 'filter: { q: "camera" }'] },
    { name: 'events near a point', rest: `/v1/events?near=${venue!.latitude},${venue!.longitude}&radius=20000`, graphql: ['events', `filter: { near: { latitude: ${venue!.latitude}, longitude: ${venue!.longitude} }, radius: 20000 }`] },
    { name: 'events by last change (sync)', rest: '/v1/events?updatedSince=2000-01-01T00:00:00Z', graphql: ['events', 'filter: { updatedSince: "2000-01-01T00:00:00Z" }'] },
    { name: 'series', rest: '/v1/series', graphql: ['series', ''] },
    { name: "a series' occurrences", rest: `/v1/series/${series!.id}/occurrences` },
    { name: 'organizations', rest: '/v1/organizations', graphql: ['organizations', ''] },
    { name: 'participants', rest: '/v1/participants', graphql: ['participants', ''] },
    { name: 'feedback', rest: '/v1/feedback', graphql: ['feedback', ''] },
    { name: 'feedback found by a search', rest: '/v1/feedback?q=camera', graphql: ['feedback', 'filter: { q: "camera" }'] },
    { name: 'feedback of an area, its beats included', rest: `/v1/feedback?areaId=${district!.id}`, graphql: ['feedback', `filter: { areaId: ["${district!.id}"] }`] },
    { name: 'decisions', rest: '/v1/decisions', graphql: ['decisions', ''] },
    { name: 'report-backs', rest: '/v1/report-backs', graphql: ['reportBacks', ''] },
    { name: 'priorities', rest: '/v1/priorities', graphql: ['priorities', ''] },
    { name: 'announcements', rest: '/v1/announcements', graphql: ['announcements', ''] },
    { name: 'liaisons', rest: '/v1/liaisons?agency=metro', graphql: ['liaisons', 'filter: { agency: "metro" }'] },
  ]
  const seen: Record<string, Record<string, number>> = {}
  for (const list of lists)
    t.test(`when every caller pages through ${list.name} with its total, then the total is the number of items it paged through`, async (t) => {
      for (const [who, h] of Object.entries(callers)) {
        const rest = await walkRest(list.rest, h)
        if (rest.status !== 200) {
          // Refused outright (participants to the public and analysts): a problem, not a page.
          t.match(rest.problem, /application\/problem\+json/, `${who}: a refusal is a problem`)
          continue
        }
        t.ok(rest.totals.every((x) => x.totalCount === rest.items && x.totalCountIsEstimate === false), `${who}: REST total ${rest.total?.totalCount} on every page = ${rest.items} items paged through`)
        ;(seen[list.name] ??= {})[who] = rest.items
        if (!list.graphql) continue
        const gql = await walkGraphql(list.graphql[0], list.graphql[1], h)
        t.notOk(gql.code, `${who}: no GraphQL error`)
        t.ok(gql.totals.every((x) => x.totalCount === gql.items && x.totalCountIsEstimate === false), `${who}: GraphQL totalCount on every page = ${gql.items} items paged through`)
        t.equal(gql.items, rest.items, `${who}: both doors count the same`)
      }
      t.ok(Object.values(seen[list.name] ?? {}).some((n) => n > 0), 'the list has items for someone')
    })

  t.test('when callers differ in what they may see, then their totals differ exactly so', async (t) => {
    const events = seen.events!
    // Metro's staff see its draft and the proposal; the proposing partner its proposal; the public neither.
    t.equal(events.staff, events.public! + 2, "metro's staff count its two drafts, the public does not")
    t.equal(events.partnerOwn, events.public! + 1, 'a partner counts the draft it co-hosts, and only that one')
    t.equal(events.partnerOther, events.public, 'another partner counts what the public counts')
    t.ok(events.demoStaff! > events.public!, "the demo's staff count the demo's drafts")
    t.ok(seen.feedback!.staff! > seen.feedback!.public!, 'private feedback is counted for staff only')
    t.equal(seen.feedback!.partnerOwn, seen.feedback!.public! + 1, 'a partner counts the item it collected')
    t.equal(seen.decisions!.staff, seen.decisions!.public! + 1, 'a draft decision is counted for staff only')
    t.equal(seen.liaisons!.partnerOwn, seen.liaisons!.public! + 1, 'a proposed liaison is counted for its proposer')
    t.notOk('public' in seen.participants!, 'the public counts no participants')
  })

  t.test('when a list is asked without count, then its page has no total', async (t) => {
    for (const url of ['/v1/events', '/v1/events?count=false', '/v1/feedback', '/v1/decisions?count=false', '/v1/series']) {
      const res = await app.inject({ method: 'GET', url, headers: staff })
      t.equal(res.statusCode, 200)
      t.notOk('totalCount' in res.json(), `${url}: no totalCount`)
      t.notOk('totalCountIsEstimate' in res.json(), `${url}: no totalCountIsEstimate`)
    }
  })

  t.test('when count is not true or false, then every list answers a problem', async (t) => {
    for (const list of lists.filter((l) => !l.rest.includes('occurrences'))) {
      for (const value of ['maybe', '1', 'TRUE', '']) {
        const res = await app.inject({ method: 'GET', url: `${list.rest}${list.rest.includes('?') ? '&' : '?'}count=${value}`, headers: staff })
        t.equal(res.statusCode, 400, `${list.name} count=${value}: 400`)
        t.match(res.headers['content-type'], /application\/problem\+json/)
        t.equal(res.json().code, 'VALIDATION_FAILED')
        t.notMatch(res.body, /stack|select|from /i, 'no internals')
      }
      const twice = await app.inject({ method: 'GET', url: `${list.rest}${list.rest.includes('?') ? '&' : '?'}count=true&count=true`, headers: staff })
      t.equal(twice.statusCode, 400, `${list.name}: count given twice is a problem`)
    }
  })

  t.test('when a calendar feed or an export is asked for a total, then it is a problem (they hold every item)', async (t) => {
    for (const url of ['/v1/events.csv?count=true', '/v1/events.ics?count=true', '/v1/feedback.csv?count=true', '/v1/decisions.csv?count=false']) {
      const res = await app.inject({ method: 'GET', url, headers: staff })
      t.equal(res.statusCode, 400, url)
      t.match(res.headers['content-type'], /application\/problem\+json/)
      t.equal(res.json().errors?.[0]?.field, 'count')
    }
  })

  t.test("when a series' occurrences ask for their total in GraphQL, then it is the occurrences the caller pages through", async (t) => {
    const rest = await walkRest(`/v1/series/${series!.id}/occurrences`, {})
    const res = await app.inject({ method: 'POST', url: '/graphql', payload: { query: `{ seriesById(id: "${series!.id}") { occurrences(first: 2) { totalCount totalCountIsEstimate nodes { id } } } }` } })
    t.same(res.json().data.seriesById.occurrences.totalCount, rest.items)
    t.equal(res.json().data.seriesById.occurrences.totalCountIsEstimate, false)
    const fragment = await app.inject({ method: 'POST', url: '/graphql', payload: { query: `{ series { nodes { occurrences { ...total } } } } fragment total on EventConnection { totalCount }` } })
    t.ok(fragment.json().data.series.nodes.every((n: { occurrences: { totalCount: number } }) => Number.isInteger(n.occurrences.totalCount)), 'asked through a fragment too')
  })

  t.test('when an unknown agency is listed with its total, then the total is 0', async (t) => {
    for (const url of ['/v1/events?agency=nowhere&count=true', '/v1/feedback?agency=nowhere&count=true', '/v1/decisions?agency=nowhere&count=true', '/v1/series?agency=nowhere&count=true']) {
      const res = await app.inject({ method: 'GET', url })
      t.equal(res.statusCode, 200)
      t.same(res.json(), { data: [], nextCursor: null, totalCount: 0, totalCountIsEstimate: false }, url)
    }
  })

  t.test('when the events page asks for its total, then it is still one statement, REST and GraphQL', async (t) => {
    for (const [who, h] of [['public', {}], ['staff', staff]] as const) {
      for (const request of [
        { method: 'GET' as const, url: '/v1/events?count=true&limit=5' },
        { method: 'POST' as const, url: '/graphql', payload: { query: '{ events(first: 5) { totalCount totalCountIsEstimate nodes { id } } }' } },
        { method: 'POST' as const, url: '/graphql', payload: { query: `{ events(first: 5, filter: { areaId: ["${district!.id}"], from: "2000-01-01T00:00:00Z" }) { totalCount } }` } },
      ]) {
        await app.inject({ ...request, headers: h }) // plans the request once
        const before = database.statements.count
        const res = await app.inject({ ...request, headers: h })
        t.equal(res.statusCode, 200)
        t.equal(database.statements.count - before, 1, `${who} ${request.url} ${request.payload?.query ?? ''}: one statement`)
      }
    }
  })

  t.test("when the events page's statement with its total is explained, then the events are read twice: the page and one capped count", async (t) => {
    // The repository's statement, captured instead of run, then explained: the count is built once, not once per field.
    let statement: RenderedSql | undefined
    const repo = createReadsRepository({ prepared: async (q) => ((statement = q as RenderedSql), [{ body: '{}', next: null }] as never) })
    const selection = { key: 'events', field: 'events', args: {}, selections: [] }
    await repo.restEventsPage({ kind: 'eventsPage', selection, filter: { topic: ['community_safety'] }, visibility: {}, cursor: undefined, limit: 20, count: true }, [])
    const plan = (await database.raw<Record<string, string>>(`EXPLAIN ${statement!.sql}`, statement!.params)).map((r) => Object.values(r)[0]).join('\n')
    t.equal(plan.match(/ on events(\s|$)/gm)?.length, 2, 'two reads of events (the page, the count)')
    t.match(plan, /Limit/, 'the count stops at the cap')
  })

  t.test('when a list holds more than the cap, then its total is the cap, flagged as an estimate', async (t) => {
    const capped = await buildApp({ config: testConfig({ TOTAL_COUNT_CAP: '3', INSIGHTS_WARM: 'false' }), database, clock })
    await capped.ready()
    t.teardown(() => capped.close())
    const get = async (url: string, h: Headers = {}) => (await capped.inject({ method: 'GET', url, headers: h })).json()
    const many = await get('/v1/events?count=true&limit=2')
    t.same([many.totalCount, many.totalCountIsEstimate], [3, true], 'events past the cap: 3, an estimate')
    t.equal(many.data.length, 2, 'the page itself is unchanged')
    const gql = (await capped.inject({ method: 'POST', url: '/graphql', payload: { query: '{ events(first: 2) { totalCount totalCountIsEstimate } feedback { totalCount totalCountIsEstimate } }' } })).json()
    t.same(gql.data.events, { totalCount: 3, totalCountIsEstimate: true }, 'GraphQL (read path) alike')
    const viaResolvers = (await capped.inject({ method: 'POST', url: '/graphql', headers: staff, payload: { query: '{ events(first: 2) { totalCount totalCountIsEstimate nodes { series { id } } } }' } })).json()
    t.same([viaResolvers.data.events.totalCount, viaResolvers.data.events.totalCountIsEstimate], [3, true], 'GraphQL (resolvers) alike')
    const decisions = await get('/v1/decisions?count=true', staff)
    t.same([decisions.totalCount, decisions.totalCountIsEstimate], [3, true], 'decisions past the cap')
    // At or below the cap the count is exact: metro's public decisions are one.
    const exact = await get('/v1/decisions?agency=metro&count=true')
    t.same([exact.totalCount, exact.totalCountIsEstimate], [exact.data.length, false], 'below the cap: exact')
    const three = await get(`/v1/events?agency=metro&count=true`, staff)
    t.equal(three.data.length > 3, true, 'metro staff see more than three events')
    t.same([three.totalCount, three.totalCountIsEstimate], [3, true])
  })
})

t.test('when TOTAL_COUNT_CAP is not a positive whole number, then the configuration is refused', async (t) => {
  for (const value of ['0', '-1', 'many', '2.5']) t.throws(() => loadConfig({ TOTAL_COUNT_CAP: value }), `TOTAL_COUNT_CAP=${value}`)
  t.equal(loadConfig({}).totalCountCap, 10_000, 'the default cap')
})
