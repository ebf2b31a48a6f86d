// Shared priorities over REST: proposals and moderation, named and anonymous endorsements, the guarded status, links,
// sorting and paging, and the outbox rows every change appends in its own transaction.
import t from 'tap'
import { sql } from 'drizzle-orm'
import { outbox, priorities } from '../src/db/schema/index.ts'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'

const { app, database, fixtures } = await build(t)
const staff = await bearer()
const analyst = await bearer({ role: 'analyst' })
const lakesideStaff = await bearer({ agency: 'lakeside' })
const org = async (name: string) => (await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name, kind: 'faith' } })).json()
const eastside = await org('Eastside Mosque')
const market = await org('Market Street Merchants')
const partner = await bearer({ role: 'partner', sub: 'idp-partner', claims: { org: eastside.id } })
const marketPartner = await bearer({ role: 'partner', sub: 'idp-market', claims: { org: market.id } })
const post = (url: string, headers: Record<string, string>, payload?: unknown, extra: Record<string, unknown> = {}) =>
  app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }), ...extra } as never)
const statement = { en: 'Safer walking routes to the Cedar Street school', so: 'Waddooyin socod oo badbaado leh', es: 'Rutas seguras a la escuela' }

t.test('when staff, a partner and the public propose priorities, then only the public proposal waits for moderation', async (t) => {
  const byStaff = await post('/v1/priorities', staff, { statement, areaIds: [fixtures.areas.north.id], topics: ['community_safety'] })
  t.equal(byStaff.statusCode, 201, byStaff.body)
  t.match(byStaff.json(), { proposedBy: 'staff', moderation: 'published', status: 'proposed', endorsements: { total: 0, anonymous: 0, organizations: [] }, version: 1 })
  t.equal(byStaff.headers.etag, '"1"')

  const byPartner = await post('/v1/priorities', partner, { statement: { en: 'Youth drop-in hours at the library' } })
  t.equal(byPartner.statusCode, 201)
  t.match(byPartner.json(), { proposedBy: 'partner', organizationId: eastside.id, moderation: 'published' })

  const byPublic = await post('/v1/priorities', {}, { agency: 'metro', statement: { en: 'Fix the lights on 5th Avenue' } })
  t.equal(byPublic.statusCode, 201)
  t.match(byPublic.json(), { proposedBy: 'public', organizationId: null, moderation: 'pending_moderation' })
  const hidden = await app.inject({ method: 'GET', url: `/v1/priorities/${byPublic.json().id}` })
  t.equal(hidden.statusCode, 404, 'the public do not see it before moderation')
  t.equal(hidden.json().code, 'PRIORITY_NOT_FOUND')
  const moderated = await app.inject({ method: 'PATCH', url: `/v1/priorities/${byPublic.json().id}`, headers: { ...staff, 'if-match': '"1"' }, payload: { moderation: 'published' } })
  t.equal(moderated.statusCode, 200, moderated.body)
  t.equal((await app.inject({ method: 'GET', url: `/v1/priorities/${byPublic.json().id}` })).statusCode, 200, 'published, the public see it')

  const rows = await database.db.select().from(outbox).where(sql`${outbox.entityType} = 'priority'`).orderBy(outbox.tx, outbox.id)
  t.same(rows.map((r) => r.action), ['priority.proposed', 'priority.proposed', 'priority.proposed', 'priority.updated'])
  t.same(rows.map((r) => r.visibility), ['public', 'public', 'agency', 'public'])
  for (const r of rows) t.same(Object.keys(r.payload).sort(), ['id', 'version'], 'ids and versions only')
})

t.test('when a proposal is bad, then a problem names the field and nothing is written', async (t) => {
  const cases: [Record<string, string>, unknown, number, string][] = [
    [{}, { statement: { en: 'x' } }, 400, 'VALIDATION_FAILED'], // the public name the agency
    [{}, { agency: 'nowhere', statement: { en: 'x' } }, 400, 'VALIDATION_FAILED'],
    [staff, { statement: {} }, 400, 'VALIDATION_FAILED'],
    [staff, { statement: { en: 'x' }, areaIds: [fixtures.areas.lakeArea.id] }, 400, 'VALIDATION_FAILED'],
    [staff, { statement: { en: 'x' }, topics: ['no_such_topic'] }, 400, 'VALIDATION_FAILED'],
    [staff, { statement: { en: 'x' }, decisionIds: ['00000000-0000-4000-8000-000000000000'] }, 400, 'VALIDATION_FAILED'],
    [staff, { statement: { en: 'x' }, status: 'done' }, 400, 'VALIDATION_FAILED'],
    [partner, { statement: { en: 'x' }, feedbackIds: ['00000000-0000-4000-8000-000000000000'] }, 403, 'FORBIDDEN'],
    [analyst, { statement: { en: 'x' } }, 403, 'FORBIDDEN'],
  ]
  const before = (await database.db.select().from(priorities)).length
  for (const [headers, payload, status, code] of cases) {
    const res = await post('/v1/priorities', headers, payload)
    t.equal(res.statusCode, status, JSON.stringify(payload))
    t.equal(res.json().code, code)
  }
  t.equal((await database.db.select().from(priorities)).length, before)
})

t.test('when organizations and residents endorse, then named ones are listed once and anonymous ones only counted', async (t) => {
  const p = (await post('/v1/priorities', staff, { statement })).json()
  const named = await post(`/v1/priorities/${p.id}/endorsements`, partner, { note: { en: 'Our families walk this route' } })
  t.equal(named.statusCode, 200, named.body)
  t.match(named.json().endorsements, { total: 1, anonymous: 0, organizations: [{ organizationId: eastside.id, note: 'Our families walk this route' }] })
  const again = await post(`/v1/priorities/${p.id}/endorsements`, partner, {})
  t.equal(again.statusCode, 409)
  t.equal(again.json().code, 'ALREADY_ENDORSED')
  t.equal((await post(`/v1/priorities/${p.id}/endorsements`, staff, { organizationId: market.id })).statusCode, 200, 'staff record an organization’s endorsement')
  t.equal((await post(`/v1/priorities/${p.id}/endorsements`, staff, {})).json().code, 'VALIDATION_FAILED', 'staff name the organization')
  t.equal((await post(`/v1/priorities/${p.id}/endorsements`, analyst, {})).statusCode, 403)
  t.equal((await post(`/v1/priorities/${p.id}/endorsements`, lakesideStaff, { organizationId: market.id })).statusCode, 404, "another agency's priority is not there")
  t.equal((await post(`/v1/priorities/${p.id}/endorsements`, {}, { organizationId: market.id })).json().code, 'VALIDATION_FAILED', 'the public endorse anonymously only')

  for (let i = 1; i <= 3; i++) {
    const res = await post(`/v1/priorities/${p.id}/endorsements`, {}, undefined, { remoteAddress: `198.51.100.${i}` })
    t.equal(res.statusCode, 200, res.body)
  }
  const twice = await post(`/v1/priorities/${p.id}/endorsements`, {}, undefined, { remoteAddress: '198.51.100.1' })
  t.equal(twice.statusCode, 429, 'an address endorses a priority once a day')
  t.equal(twice.json().code, 'RATE_LIMITED')
  t.ok(Number(twice.headers['retry-after']) > 0)
  const other = (await post('/v1/priorities', staff, { statement: { en: 'Another' } })).json()
  t.equal((await post(`/v1/priorities/${other.id}/endorsements`, {}, undefined, { remoteAddress: '198.51.100.1' })).statusCode, 200, 'but may endorse another priority')

  const read = (await app.inject({ method: 'GET', url: `/v1/priorities/${p.id}` })).json()
  t.match(read.endorsements, { total: 5, anonymous: 3 })
  t.equal(read.endorsements.organizations.length, 2)
  // Nothing about an anonymous endorser is kept: no row, no address, only the count.
  const dump = JSON.stringify((await database.db.execute(sql`select * from audit_events`)) as unknown) + JSON.stringify(await database.db.select().from(outbox))
  t.notMatch(dump, /198\.51\.100/, 'no address in the audit trail or the outbox')
  const endorsed = (await database.db.select().from(outbox).where(sql`${outbox.entityId} = ${p.id}::uuid and ${outbox.action} = 'priority.endorsed'`)).map((r) => r.payload)
  t.equal(endorsed.length, 5)
  t.same(endorsed.filter((e) => e.anonymous).length, 3)
})

t.test('when the status moves, then only the guarded moves are allowed and a declined priority publishes its reason', async (t) => {
  const p = (await post('/v1/priorities', staff, { statement })).json()
  const move = (version: number, payload: unknown, headers: Record<string, string> = staff) => post(`/v1/priorities/${p.id}/status`, { ...headers, 'if-match': `"${version}"` }, payload)
  t.equal((await post(`/v1/priorities/${p.id}/status`, staff, { status: 'adopted' })).statusCode, 428, 'If-Match is required')
  t.equal((await move(9, { status: 'adopted' })).statusCode, 412)
  t.equal((await move(1, { status: 'done' })).json().code, 'INVALID_TRANSITION', 'proposed cannot jump to done')
  t.equal((await move(1, { status: 'declined' })).json().code, 'VALIDATION_FAILED', 'declining needs a reason')
  t.equal((await move(1, { status: 'adopted', reason: { en: 'x' } })).json().code, 'VALIDATION_FAILED', 'a reason only declines')
  t.equal((await move(1, { status: 'adopted' }, partner)).statusCode, 403)
  t.equal((await move(1, { status: 'adopted' }, {})).statusCode, 401)
  const adopted = await move(1, { status: 'adopted' })
  t.equal(adopted.statusCode, 200, adopted.body)
  t.equal(adopted.json().status, 'adopted')
  t.equal((await move(2, { status: 'in_progress' })).json().status, 'in_progress')
  t.equal((await move(3, { status: 'done' })).json().status, 'done')
  t.equal((await move(4, { status: 'declined', reason: { en: 'x' } })).json().code, 'INVALID_TRANSITION', 'done is final')
  t.equal((await post(`/v1/priorities/${p.id}/endorsements`, partner, {})).json().code, 'INVALID_TRANSITION', 'a done priority takes no more endorsements')

  const q = (await post('/v1/priorities', staff, { statement: { en: 'Armed officers at school events' } })).json()
  const declined = await post(`/v1/priorities/${q.id}/status`, { ...staff, 'if-match': '"1"' }, { status: 'declined', reason: { en: 'The school board decides this', es: 'Lo decide la junta escolar' } })
  t.equal(declined.statusCode, 200)
  const seen = await app.inject({ method: 'GET', url: `/v1/priorities/${q.id}`, headers: { 'accept-language': 'es' } })
  t.equal(seen.json().statusReason, 'Lo decide la junta escolar', 'the reason is public, in the caller’s language')
  const changes = await database.db.select().from(outbox).where(sql`${outbox.entityId} = ${p.id}::uuid and ${outbox.action} = 'priority.status_changed'`).orderBy(outbox.tx, outbox.id)
  t.same(changes.map((c) => c.payload.status), ['adopted', 'in_progress', 'done'])
})

t.test('when staff link feedback, decisions and report-backs, then the links show as the caller may see them', async (t) => {
  const fb = (await post('/v1/feedback', {}, { agency: 'metro', body: 'Cars speed past the school', language: 'en', topic: 'community_safety' })).json()
  const decision = (await post('/v1/decisions', staff, { title: { en: 'School zone patrols' }, publication: 'published', feedbackIds: [fb.id] })).json()
  const draft = (await post('/v1/decisions', staff, { title: { en: 'Draft idea' } })).json()
  const rb = (await post('/v1/report-backs', staff, { decisionId: decision.id, channel: 'website', relayedAt: '2026-12-01T12:00:00Z' })).json()
  const p = (await post('/v1/priorities', staff, { statement, feedbackIds: [fb.id] })).json()
  t.same(p.feedbackIds, [fb.id])
  const linked = await app.inject({ method: 'PATCH', url: `/v1/priorities/${p.id}`, headers: { ...staff, 'if-match': '"1"' }, payload: { decisionIds: [decision.id, draft.id], reportBackIds: [rb.id] } })
  t.equal(linked.statusCode, 200, linked.body)
  t.same(linked.json().decisionIds.sort(), [decision.id, draft.id].sort())
  t.same(linked.json().reportBackIds, [rb.id])
  const asPublic = (await app.inject({ method: 'GET', url: `/v1/priorities/${p.id}` })).json()
  t.same(asPublic.decisionIds, [decision.id], 'a draft decision is not shown to the public')
  t.same(asPublic.feedbackIds, [], 'private feedback is not shown to the public')
  const bad = await app.inject({ method: 'PATCH', url: `/v1/priorities/${p.id}`, headers: { ...staff, 'if-match': '"2"' }, payload: { decisionIds: ['00000000-0000-4000-8000-000000000000'] } })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().errors[0].field, 'decisionIds.0')
  t.equal((await app.inject({ method: 'PATCH', url: `/v1/priorities/${p.id}`, headers: { ...lakesideStaff, 'if-match': '"2"' }, payload: { topics: [] } })).statusCode, 404)
  t.equal((await app.inject({ method: 'PATCH', url: `/v1/priorities/${p.id}`, headers: { ...staff, 'if-match': '"2"' }, payload: {} })).statusCode, 400)
})

t.test('when priorities are listed, then they sort by recency or by endorsements and page without gaps', async (t) => {
  const recent = await app.inject({ method: 'GET', url: '/v1/priorities?agency=metro&limit=2' })
  t.equal(recent.statusCode, 200)
  const all: { id: string; createdAt: string; endorsements: { total: number } }[] = []
  let url: string | undefined = '/v1/priorities?agency=metro&sort=endorsements&limit=2'
  while (url) {
    const page: { statusCode: number; body: string; json(): any } = await app.inject({ method: 'GET', url })
    t.equal(page.statusCode, 200, page.body)
    all.push(...page.json().data)
    url = page.json().nextCursor ? `/v1/priorities?agency=metro&sort=endorsements&limit=2&cursor=${page.json().nextCursor}` : undefined
  }
  const totals = all.map((p) => p.endorsements.total)
  t.same(totals, [...totals].sort((a, b) => b - a), 'most endorsed first')
  t.equal(new Set(all.map((p) => p.id)).size, all.length, 'no row twice')
  const everything = (await app.inject({ method: 'GET', url: '/v1/priorities?agency=metro&limit=100' })).json().data
  t.equal(all.length, everything.length, 'no row skipped')
  t.same(everything.map((p: { createdAt: string }) => p.createdAt), everything.map((p: { createdAt: string }) => p.createdAt).sort().reverse(), 'newest first')
  const recentCursor = recent.json().nextCursor
  t.equal((await app.inject({ method: 'GET', url: `/v1/priorities?sort=endorsements&cursor=${recentCursor}` })).json().code, 'INVALID_CURSOR', 'a cursor of one order is refused by the other')
  t.equal((await app.inject({ method: 'GET', url: '/v1/priorities?sort=loudest' })).statusCode, 400)
  t.equal((await app.inject({ method: 'GET', url: '/v1/priorities?status=adopted,done' })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/v1/priorities/not-a-uuid' })).json().code, 'PRIORITY_NOT_FOUND')
})

t.test('when priorities are used over GraphQL, then the same rules hold and bad input is an error with a code', async (t) => {
  const gql = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}, remoteAddress?: string) =>
    (await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables }, ...(remoteAddress ? { remoteAddress } : {}) })).json()
  const proposed = await gql('mutation { proposePriority(input: { agency: "metro", statement: [{ language: "en", text: "Benches at the bus stop" }] }) { replayed priority { id moderation proposedBy } } }')
  t.same(proposed.data.proposePriority, { replayed: false, priority: { id: proposed.data.proposePriority.priority.id, moderation: 'PENDING_MODERATION', proposedBy: 'PUBLIC' } })
  const id = proposed.data.proposePriority.priority.id
  const hidden = await gql('query ($id: ID!) { priority(id: $id) { id } }', { id })
  t.equal(hidden.errors[0].extensions.code, 'PRIORITY_NOT_FOUND')
  const published = await gql('mutation ($id: ID!) { updatePriority(id: $id, expectedVersion: 1, input: { moderation: PUBLISHED }) { version moderation } }', { id }, staff)
  t.same(published.data.updatePriority, { version: 2, moderation: 'PUBLISHED' })
  const twice = await gql('mutation ($id: ID!) { updatePriority(id: $id, expectedVersion: 1, input: { moderation: WITHHELD }) { version } }', { id }, staff)
  t.equal(twice.errors[0].extensions.code, 'PRECONDITION_FAILED')

  const endorse = 'mutation ($id: ID!) { endorsePriority(id: $id) { endorsementCount anonymousEndorsements organizationEndorsements { organizationId } } }'
  t.same((await gql(endorse, { id }, {}, '203.0.113.7')).data.endorsePriority, { endorsementCount: 1, anonymousEndorsements: 1, organizationEndorsements: [] })
  const again = await gql(endorse, { id }, {}, '203.0.113.7')
  t.equal(again.errors[0].extensions.code, 'RATE_LIMITED', 'the address already endorsed it (the same allowance as REST)')
  const viaRest = await post(`/v1/priorities/${id}/endorsements`, {}, undefined, { remoteAddress: '203.0.113.7' })
  t.equal(viaRest.statusCode, 429, 'and REST counts it too')

  const skip = await gql('mutation ($id: ID!) { changePriorityStatus(id: $id, expectedVersion: 3, input: { status: DONE }) { status } }', { id }, staff)
  t.equal(skip.errors[0].extensions.code, 'INVALID_TRANSITION')
  const noReason = await gql('mutation ($id: ID!) { changePriorityStatus(id: $id, expectedVersion: 3, input: { status: DECLINED }) { status } }', { id }, staff)
  t.equal(noReason.errors[0].extensions.code, 'VALIDATION_FAILED')
  const doubled = await gql('mutation { proposePriority(input: { statement: [{ language: "en", text: "a" }, { language: "en", text: "b" }] }) { priority { id } } }', {}, staff)
  t.equal(doubled.errors[0].extensions.code, 'VALIDATION_FAILED')
  const listed = await gql('{ priorities(sort: ENDORSEMENTS, first: 2, filter: { agency: "metro", status: [PROPOSED] }) { edges { cursor node { id endorsementCount } } pageInfo { hasNextPage endCursor } } }')
  t.equal(listed.data.priorities.edges.length, 2)
  const next = await gql('query ($after: String) { priorities(sort: ENDORSEMENTS, first: 2, after: $after, filter: { agency: "metro", status: [PROPOSED] }) { nodes { id endorsementCount } } }', { after: listed.data.priorities.pageInfo.endCursor })
  t.notOk(next.errors)
  const counts = [...listed.data.priorities.edges.map((e: { node: { endorsementCount: number } }) => e.node.endorsementCount), ...next.data.priorities.nodes.map((n: { endorsementCount: number }) => n.endorsementCount)]
  t.same(counts, [...counts].sort((a, b) => b - a), 'the next page continues the order')
  const wrongCursor = await gql('query ($after: String) { priorities(after: $after) { nodes { id } } }', { after: listed.data.priorities.pageInfo.endCursor })
  t.equal(wrongCursor.errors[0].extensions.code, 'INVALID_CURSOR')
})
