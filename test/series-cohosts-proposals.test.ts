// Issue 18 item 5: series take co-hosts (applied to their occurrences), and partner organizations propose meetings as
// drafts that staff review and publish.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'
import { dateAfterNow } from './helpers/clock.ts'

const json = (res: { body: string }) => JSON.parse(res.body)
const contact = { name: 'Ana Ruiz', email: 'canary-contact@eastside.example.org' }

async function setup(t: Parameters<typeof build>[0]) {
  const built = await build(t)
  const staff = await bearer()
  const post = async (url: string, payload: unknown) => json(await built.app.inject({ method: 'POST', url, headers: staff, payload: payload as never }))
  const host = await post('/v1/organizations', { name: 'Eastside Neighbours', kind: 'neighbourhood_association', contact })
  const other = await post('/v1/organizations', { name: 'Westside Youth League', kind: 'youth' })
  return { ...built, staff, host, other }
}

const seriesBody = (extra: Record<string, unknown> = {}) => ({
  title: { en: 'Beat meeting' },
  kind: 'listening_session',
  format: 'in_person',
  venue: { name: 'Library' },
  recurrence: { rule: 'FREQ=MONTHLY;COUNT=3', start: `${dateAfterNow(39)}T18:30`, durationMinutes: 60 },
  ...extra,
})

t.test('when a series names co-hosts, then every occurrence has them, a change reaches the ones that follow the series, and partners see their drafts', async (t) => {
  const { app, staff, host, other, database } = await setup(t)
  const created = await app.inject({ method: 'POST', url: '/v1/series', headers: staff, payload: seriesBody({ coHostIds: [host.id] }) })
  t.equal(created.statusCode, 201, created.body)
  const series = json(created)
  t.same(series.coHostIds, [host.id])
  const occurrences = async () => json(await app.inject({ method: 'GET', url: `/v1/series/${series.id}/occurrences` })).data as { id: string; version: number; coHostIds: string[] }[]
  const before = await occurrences()
  t.ok(before.every((e) => e.coHostIds.length === 1 && e.coHostIds[0] === host.id), 'each occurrence is co-hosted')

  // One occurrence is changed by hand: it keeps its co-hosts when the series' change.
  const first = before[0]!
  await app.inject({ method: 'PATCH', url: `/v1/events/${first.id}`, headers: { ...staff, 'if-match': `"${first.version}"` }, payload: { capacity: 12 } })
  const changed = await app.inject({ method: 'PATCH', url: `/v1/series/${series.id}`, headers: { ...staff, 'if-match': '"1"' }, payload: { coHostIds: [other.id, host.id] } })
  t.equal(changed.statusCode, 200, changed.body)
  t.same(json(changed).coHostIds, [host.id, other.id].sort())
  const after = await occurrences()
  t.same(after[0]!.coHostIds, [host.id], 'the hand-edited occurrence keeps its co-hosts')
  t.same(after[1]!.coHostIds, [host.id, other.id].sort(), 'the others follow the series')
  t.ok(after[1]!.version > before[1]!.version, 'and their version rises')
  const outbox = await database.raw<{ action: string; entity_id: string }>("select action, entity_id from outbox where entity_type = 'event' and action = 'event.updated'")
  t.ok(outbox.some((r) => r.entity_id === after[1]!.id), 'the change feed says the occurrence changed')

  // The partner that co-hosts can change an occurrence, like any event it co-hosts.
  const partner = await bearer({ role: 'partner', sub: 'p-other', claims: { org: other.id } })
  const byPartner = await app.inject({ method: 'PATCH', url: `/v1/events/${after[2]!.id}`, headers: { ...partner, 'if-match': '*' }, payload: { capacity: 30 } })
  t.equal(byPartner.statusCode, 200, byPartner.body)

  // GraphQL: the same input, the co-hosts as organizations.
  const gql = await app.inject({
    method: 'POST', url: '/graphql', headers: { ...staff, 'content-type': 'application/json' },
    payload: { query: `mutation { createSeries(input: { title: [{ language: "en", text: "G" }], kind: LISTENING_SESSION, format: IN_PERSON, venue: { name: "Hall" }, coHostIds: ["${host.id}"], recurrence: { rule: "FREQ=MONTHLY;COUNT=2", start: "${dateAfterNow(67)}T18:30", durationMinutes: 60 } }) { series { coHosts { id name } occurrences { nodes { coHosts { id } } } } } }` },
  })
  const g = json(gql)
  t.notOk(g.errors, JSON.stringify(g.errors))
  t.same(g.data.createSeries.series.coHosts, [{ id: host.id, name: 'Eastside Neighbours' }])
  t.same(g.data.createSeries.series.occurrences.nodes, [{ coHosts: [{ id: host.id }] }, { coHosts: [{ id: host.id }] }])
})

t.test('when a series names an unknown or malformed co-host, then it is refused with a problem naming the field', async (t) => {
  const { app, staff } = await setup(t)
  const unknown = await app.inject({ method: 'POST', url: '/v1/series', headers: staff, payload: seriesBody({ coHostIds: ['3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14'] }) })
  t.equal(unknown.statusCode, 400)
  t.match(unknown.headers['content-type'], /^application\/problem\+json/)
  t.match(unknown.body, /coHostIds\.0/)
  const malformed = await app.inject({ method: 'POST', url: '/v1/series', headers: staff, payload: seriesBody({ coHostIds: ['not-a-uuid'] }) })
  t.equal(malformed.statusCode, 400)
  const twice = await app.inject({ method: 'POST', url: '/v1/series', headers: staff, payload: seriesBody({ coHostIds: ['3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14', '3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14'] }) })
  t.equal(twice.statusCode, 400)
  const created = json(await app.inject({ method: 'POST', url: '/v1/series', headers: staff, payload: seriesBody() }))
  const patch = await app.inject({ method: 'PATCH', url: `/v1/series/${created.id}`, headers: { ...staff, 'if-match': '"1"' }, payload: { coHostIds: ['3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14'] } })
  t.equal(patch.statusCode, 400)
  t.match(patch.body, /coHostIds\.0/)
})

t.test('when a partner proposes a meeting, then it is a draft the partner and staff see, staff publish it, and nobody else sees it before', async (t) => {
  const { app, staff, host, other, database } = await setup(t)
  const partner = await bearer({ role: 'partner', sub: 'p-host', claims: { org: host.id } })
  const otherPartner = await bearer({ role: 'partner', sub: 'p-other', claims: { org: other.id } })

  const proposed = await app.inject({ method: 'POST', url: '/v1/events', headers: partner, payload: eventBody({ title: { en: 'Block party safety talk' } }) })
  t.equal(proposed.statusCode, 201, proposed.body)
  const proposal = json(proposed)
  t.equal(proposal.status, 'draft', 'a proposal is a draft')
  t.same(proposal.coHostIds, [host.id], 'co-hosted by the proposing organization')

  const drafts = async (h: Record<string, string>) => json(await app.inject({ method: 'GET', url: '/v1/events?status=draft', headers: h })).data.map((e: { id: string }) => e.id)
  t.same(await drafts(partner), [proposal.id], 'the partner sees its own proposals')
  t.same(await drafts(otherPartner), [], 'another partner does not')
  t.same(await drafts({}), [], 'nor does the public')
  t.ok((await drafts(staff)).includes(proposal.id), 'staff see it to review')
  t.equal((await app.inject({ method: 'GET', url: `/v1/events/${proposal.id}`, headers: otherPartner })).statusCode, 404)

  // The partner may refine its proposal, but not publish it.
  t.equal((await app.inject({ method: 'PATCH', url: `/v1/events/${proposal.id}`, headers: { ...partner, 'if-match': '"1"' }, payload: { capacity: 25 } })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: `/v1/events/${proposal.id}/publish`, headers: { ...partner, 'if-match': '*' } })).statusCode, 403)
  const published = await app.inject({ method: 'POST', url: `/v1/events/${proposal.id}/publish`, headers: { ...staff, 'if-match': '"2"' } })
  t.equal(published.statusCode, 200, published.body)
  t.equal(json(published).status, 'scheduled')
  t.equal((await app.inject({ method: 'GET', url: `/v1/events/${proposal.id}` })).statusCode, 200, 'published, the public sees it')

  const rows = await database.raw<{ action: string; visibility: string }>('select action, visibility from outbox where entity_id = $1 order by tx, id', [proposal.id])
  t.same(rows.map((r) => [r.action, r.visibility]).slice(0, 1), [['event.proposed', 'agency']], 'the proposal enters the change feed for the agency only')
  const audit = await database.raw<{ action: string }>("select action from audit_events where entity_id = $1 and action = 'event.proposed'", [proposal.id])
  t.equal(audit.length, 1, 'and the audit trail names it a proposal')

  // Bad proposals: published outright, or naming another organization; GraphQL answers the same.
  const outright = await app.inject({ method: 'POST', url: '/v1/events', headers: partner, payload: eventBody({ draft: false }) })
  t.equal(outright.statusCode, 400)
  t.match(outright.body, /"draft"/)
  t.equal((await app.inject({ method: 'POST', url: '/v1/events', headers: partner, payload: eventBody({ coHostIds: [other.id] }) })).statusCode, 403)
  t.equal((await app.inject({ method: 'POST', url: '/v1/events', headers: partner, payload: eventBody({ startsAt: 'soon' }) })).statusCode, 400)
  const gql = json(await app.inject({
    method: 'POST', url: '/graphql', headers: { ...partner, 'content-type': 'application/json' },
    payload: { query: `mutation { scheduleEvent(input: { title: [{ language: "en", text: "X" }], kind: TOWN_HALL, format: IN_PERSON, startsAt: "${dateAfterNow(148)}T10:00:00-04:00", endsAt: "${dateAfterNow(148)}T11:00:00-04:00", venue: { name: "Hall" } }) { event { status coHosts { id } } } }` },
  }))
  t.same(gql.data.scheduleEvent.event, { status: 'DRAFT', coHosts: [{ id: host.id }] })
})

t.test('when a partner proposes a series, then it and its occurrences are drafts only the agency and the partner see, until staff publish them', async (t) => {
  const { app, staff, host, other, database } = await setup(t)
  const partner = await bearer({ role: 'partner', sub: 'p-host', claims: { org: host.id } })
  const otherPartner = await bearer({ role: 'partner', sub: 'p-other', claims: { org: other.id } })
  const proposed = await app.inject({ method: 'POST', url: '/v1/series', headers: partner, payload: seriesBody() })
  t.equal(proposed.statusCode, 201, proposed.body)
  const series = json(proposed)
  t.equal(series.status, 'draft')
  t.same(series.coHostIds, [host.id])

  const read = async (h: Record<string, string>) => (await app.inject({ method: 'GET', url: `/v1/series/${series.id}`, headers: h })).statusCode
  t.same([await read({}), await read(otherPartner), await read(partner), await read(staff)], [404, 404, 200, 200], 'public and other partners do not see the proposal')
  const listed = async (h: Record<string, string>) => json(await app.inject({ method: 'GET', url: '/v1/series', headers: h })).data.map((s: { id: string }) => s.id)
  t.notOk((await listed({})).includes(series.id))
  t.ok((await listed(partner)).includes(series.id))
  const occurrences = async (h: Record<string, string>) => json(await app.inject({ method: 'GET', url: `/v1/events?seriesId=${series.id}`, headers: h })).data as { status: string }[]
  t.same((await occurrences(partner)).map((e) => e.status), ['draft', 'draft', 'draft'], 'its occurrences are drafts')
  t.same(await occurrences({}), [])
  const ics = (await app.inject({ method: 'GET', url: `/v1/events.ics?from=${dateAfterNow(28)}T00:00:00Z&to=${dateAfterNow(393)}T00:00:00Z` })).body
  t.notOk(ics.includes(series.id), 'nor is it in the public calendar')

  // A partner cannot name others, change or publish; staff publish.
  t.equal((await app.inject({ method: 'POST', url: '/v1/series', headers: partner, payload: seriesBody({ coHostIds: [other.id] }) })).statusCode, 403)
  t.equal((await app.inject({ method: 'PATCH', url: `/v1/series/${series.id}`, headers: { ...partner, 'if-match': '*' }, payload: { capacity: 9 } })).statusCode, 403)
  t.equal((await app.inject({ method: 'POST', url: `/v1/series/${series.id}/publish`, headers: { ...partner, 'if-match': '*' } })).statusCode, 403)
  const changed = await app.inject({ method: 'PATCH', url: `/v1/series/${series.id}`, headers: { ...staff, 'if-match': '"1"' }, payload: { capacity: 40 } })
  t.equal(json(changed).status, 'draft', 'staff may refine it; it stays a draft')
  t.same((await occurrences(partner)).map((e) => e.status), ['draft', 'draft', 'draft'])
  t.equal((await app.inject({ method: 'POST', url: `/v1/series/${series.id}/publish`, headers: staff })).statusCode, 428)
  const published = await app.inject({ method: 'POST', url: `/v1/series/${series.id}/publish`, headers: { ...staff, 'if-match': '"2"' } })
  t.equal(published.statusCode, 200, published.body)
  t.equal(json(published).status, 'active')
  t.same((await occurrences({})).map((e) => e.status), ['scheduled', 'scheduled', 'scheduled'], 'published, its occurrences are public')
  t.equal(await read({}), 200)
  const again = await app.inject({ method: 'POST', url: `/v1/series/${series.id}/publish`, headers: { ...staff, 'if-match': '"3"' } })
  t.equal(again.statusCode, 409, 'an active series cannot be published again')
  t.equal((await app.inject({ method: 'POST', url: '/v1/series/not-a-uuid/publish', headers: { ...staff, 'if-match': '*' } })).statusCode, 404)

  const rows = await database.raw<{ entity_type: string; action: string; visibility: string }>(
    "select entity_type, action, visibility from outbox where entity_id = $1 or entity_id in (select id from events where series_id = $1) order by tx, id", [series.id])
  t.same(rows.filter((r) => r.entity_type === 'series').map((r) => [r.action, r.visibility]), [['series.proposed', 'agency'], ['series.updated', 'agency'], ['series.published', 'public']])
  t.equal(rows.filter((r) => r.action === 'event.published' && r.visibility === 'public').length, 3, 'each occurrence enters public sight in the change feed')

  // GraphQL: the same, through publishSeries.
  const gql = async (h: Record<string, string>, query: string) => json(await app.inject({ method: 'POST', url: '/graphql', headers: { ...h, 'content-type': 'application/json' }, payload: { query } }))
  const g = await gql(partner, `mutation { createSeries(input: { title: [{ language: "en", text: "G" }], kind: LISTENING_SESSION, format: IN_PERSON, venue: { name: "Hall" }, recurrence: { rule: "FREQ=MONTHLY;COUNT=2", start: "${dateAfterNow(67)}T18:30", durationMinutes: 60 } }) { series { id status coHosts { id } } } }`)
  t.same({ ...g.data.createSeries.series, id: undefined }, { id: undefined, status: 'DRAFT', coHosts: [{ id: host.id }] })
  const gid = g.data.createSeries.series.id
  t.equal((await gql(partner, `mutation { publishSeries(id: "${gid}", expectedVersion: 1) { status } }`)).errors[0].extensions.code, 'FORBIDDEN')
  t.same((await gql(staff, `mutation { publishSeries(id: "${gid}", expectedVersion: 1) { status } }`)).data.publishSeries, { status: 'ACTIVE' })
})
