// Listing events: filters users ask for, keyset paging with Link headers, sync with updatedSince, and the plan of a deep page.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { testClock } from './helpers/clock.ts'
import { eventBody } from './helpers/fixtures.ts'
import { encodeCursor } from '../src/modules/shared/pagination.ts'

const json = (res: { body: string }) => JSON.parse(res.body)

t.test('when events are filtered, then each filter narrows the list as its users expect', async (t) => {
  const { app, fixtures } = await build(t)
  const staff = await bearer()
  const post = async (body: Record<string, unknown>) => json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody(body) }))
  const coffee = await post({ areaId: fixtures.areas.north.id })
  const forum = await post({
    title: { en: 'Virtual forum on body-worn cameras', vi: 'Diễn đàn trực tuyến' },
    kind: 'virtual_forum',
    format: 'virtual',
    venue: undefined,
    online: { joinUrl: 'https://meet.example.org/forum', captionsUrl: 'https://captions.example.org/forum' },
    languages: ['vi'],
    interpretation: [],
    accommodations: ['live_captioning'],
    topics: ['agency_technology'],
    startsAt: '2027-04-01T18:00:00-04:00',
    endsAt: '2027-04-01T19:30:00-04:00',
  })
  const walk = await post({ title: { en: 'Community walk along the river' }, kind: 'community_walk', areaId: fixtures.areas.south.id, startsAt: '2027-05-02T10:00:00-04:00', endsAt: '2027-05-02T12:00:00-04:00' })
  await app.inject({ method: 'POST', url: `/v1/events/${walk.id}/cancel`, headers: { ...staff, 'if-match': '"1"' }, payload: { reason: 'Flooding' } })

  const ids = async (query: string) => json(await app.inject({ method: 'GET', url: `/v1/events?${query}` })).data.map((e: { id: string }) => e.id)
  t.same(await ids(''), [coffee.id, forum.id, walk.id], 'ordered by start time')
  t.same(await ids('format=virtual'), [forum.id])
  t.same(await ids('format=virtual,in_person&status=scheduled'), [coffee.id, forum.id], 'comma lists')
  t.same(await ids('status=cancelled'), [walk.id])
  t.same(await ids(`areaId=${fixtures.areas.north.id}`), [coffee.id])
  t.same(await ids('language=vi'), [forum.id])
  t.same(await ids('language=ase'), [coffee.id, walk.id], 'interpretation counts as a language offered')
  t.same(await ids('accommodation=step_free_access&accommodation=sign_language_interpretation'), [coffee.id, walk.id], 'all accommodations asked for')
  t.same(await ids('accommodation=live_captioning,step_free_access'), [])
  t.same(await ids('kind=community_walk'), [walk.id])
  t.same(await ids('topic=agency_technology'), [forum.id])
  t.same(await ids('q=cameras'), [forum.id], 'text search over titles')
  t.same(await ids('q=river walk'), [walk.id])
  t.same(await ids('from=2027-04-01T00:00:00Z&to=2027-05-01T00:00:00Z'), [forum.id], 'date range')
  t.same(await ids('agency=metro'), [coffee.id, forum.id, walk.id])
  t.same(await ids('agency=lakeside'), [])
  t.same(await ids('agency=nowhere'), [])
})

t.test('when a list is paged, then cursors walk every event once and Link points at the next page', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const created: string[] = []
  for (let i = 0; i < 7; i++) {
    const day = String(10 + i).padStart(2, '0')
    // Two events share a start time, so the id breaks the tie.
    const start = i === 3 ? '2027-03-12T09:00:00-05:00' : `2027-03-${day}T09:00:00-05:00`
    const res = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ startsAt: start, endsAt: start.replace('T09', 'T10') }) })
    created.push(json(res).id)
  }
  const seen: string[] = []
  let url: string | undefined = '/v1/events?limit=3&format=in_person'
  let pages = 0
  while (url) {
    const res: { statusCode: number; body: string; headers: Record<string, unknown> } = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 200)
    const body = json(res)
    seen.push(...body.data.map((e: { id: string }) => e.id))
    pages++
    if (body.nextCursor) {
      t.match(res.headers.link, /^<\/v1\/events\?limit=3&format=in_person&cursor=[A-Za-z0-9_-]+>; rel="next"$/)
      url = /^<([^>]+)>/.exec(String(res.headers.link))![1]
    } else {
      t.notOk(res.headers.link, 'the last page has no next link')
      url = undefined
    }
  }
  t.equal(pages, 3)
  t.equal(seen.length, 7)
  t.equal(new Set(seen).size, 7, 'no event twice')
  t.same([...seen].sort(), [...created].sort(), 'no event missed')
})

t.test('when a mirror syncs with updatedSince, then changed events and tombstones come in change order', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const a = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody() }))
  const b = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ startsAt: '2027-01-01T09:00:00-05:00', endsAt: '2027-01-01T10:00:00-05:00' }) }))
  const since = testClock.now().toISOString()
  await new Promise((r) => setTimeout(r, 5))
  await app.inject({ method: 'PATCH', url: `/v1/events/${a.id}`, headers: { ...staff, 'if-match': '"1"' }, payload: { capacity: 12 } })
  const res = json(await app.inject({ method: 'GET', url: `/v1/events?updatedSince=${encodeURIComponent(since)}` }))
  t.same(res.data.map((e: { id: string }) => e.id), [a.id], 'only what changed since')
  t.not(b.id, a.id)
  const all = json(await app.inject({ method: 'GET', url: '/v1/events?updatedSince=2000-01-01T00:00:00Z' }))
  t.same(all.data.map((e: { id: string }) => e.id), [b.id, a.id], 'ordered by last change')
})

t.test('when a deep page is read, then PostgreSQL walks the (starts_at, id) index instead of scanning and sorting', async (t) => {
  const { app, database, fixtures } = await build(t)
  await database.raw(
    `insert into events (agency_id, title, kind, format, time_zone, venue_name, starts_at, ends_at)
     select $1, jsonb_build_object('en', 'Meeting ' || n), 'town_hall', 'in_person', 'America/New_York', 'Hall',
            timestamptz '2027-01-01' + n * interval '1 hour', timestamptz '2027-01-01' + n * interval '1 hour' + interval '1 hour'
     from generate_series(1, 20000) as n`,
    [fixtures.metro.id],
  )
  await database.raw('analyze events')
  const [deep] = await database.raw<{ starts_at: Date; id: string }>('select starts_at, id from events order by starts_at, id offset 19800 limit 1')
  const cursor = encodeCursor('events:start', new Date(deep!.starts_at), deep!.id)
  const res = await app.inject({ method: 'GET', url: `/v1/events?limit=100&cursor=${cursor}` })
  t.equal(res.statusCode, 200)
  t.equal(json(res).data.length, 100)
  const query = database.recent.findLast((s) => /from "?events"?/i.test(s.sql) && /order by/i.test(s.sql))!
  const [plan] = await database.raw<{ 'QUERY PLAN': unknown }>(`explain (format json) ${query.sql}`, query.params)
  const text = JSON.stringify(plan!['QUERY PLAN'])
  t.match(text, /"Index Name":"events_starts_at_id_idx"/, 'the keyset index is used')
  // Agencies and areas are small reference tables joined to the page; the events themselves are never scanned or sorted.
  type PlanNode = { 'Node Type': string; 'Relation Name'?: string; Plans?: PlanNode[] }
  const below = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(below)]
  const nodes = below((plan!['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan)
  const readsEvents = (n: PlanNode) => below(n).some((m) => m['Relation Name'] === 'events')
  t.notOk(nodes.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'events'), 'no sequential scan of events')
  // (A language pick sorts a handful of translation keys; what must not happen is sorting the events.)
  t.notOk(nodes.some((n) => n['Node Type'] === 'Sort' && readsEvents(n)), 'no sort of the events')
})
