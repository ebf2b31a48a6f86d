// Partner organizations over REST and GraphQL: who sees the private contact, co-hosting, and what a partner may edit.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'
import { injectChecked } from './helpers/openapi.ts'

/** A response held to openapi.yaml, its body read loosely. */
async function checked(...args: Parameters<typeof injectChecked>) {
  const res = await injectChecked(...args)
  return res as Omit<typeof res, 'json'> & { json(): any }
}

const contact = { name: 'Ana Ruiz', email: 'ana@eastside.example.org', phone: '+1 555 0100' }

async function graphql(app: FastifyInstance, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables } })
  return res.json()
}

/** Registers an organization over REST as metro staff. */
async function register(app: FastifyInstance, body: Record<string, unknown> = {}, headers?: Record<string, string>) {
  const res = await app.inject({ method: 'POST', url: '/v1/organizations', headers: headers ?? (await bearer()), payload: { name: 'Eastside Neighbours', kind: 'neighbourhood_association', contact, ...body } })
  if (res.statusCode !== 201) throw new Error(`could not register: ${res.body}`)
  return res.json()
}

t.test('when staff register and change an organization, then it is listed, filtered and versioned', async (t) => {
  const { app, fixtures } = await build(t)
  const staff = await bearer()
  const created = await checked(t, app, {
    method: 'POST',
    url: '/v1/organizations',
    headers: { ...staff, 'idempotency-key': 'org-1' },
    payload: { name: 'Eastside Neighbours', kind: 'neighbourhood_association', areaIds: [fixtures.areas.north.id], languages: ['en', 'ES'], contact },
  })
  t.equal(created.statusCode, 201)
  const org = created.json()
  t.equal(created.headers.location, `/v1/organizations/${org.id}`)
  t.equal(created.headers.etag, '"1"')
  t.same(org.languages, ['en', 'es'], 'language tags are canonical')
  t.equal(org.partnershipStatus, 'active')
  t.same(org.contact, contact, 'staff see the contact')

  const replay = await app.inject({ method: 'POST', url: '/v1/organizations', headers: { ...staff, 'idempotency-key': 'org-1' }, payload: { name: 'Eastside Neighbours', kind: 'neighbourhood_association', areaIds: [fixtures.areas.north.id], languages: ['en', 'ES'], contact } })
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.equal(replay.json().id, org.id, 'a retried create creates nothing new')

  await register(app, { name: 'Lakeside Youth', kind: 'youth', contact: undefined }, await bearer({ agency: 'lakeside' }))
  await register(app, { name: 'St. Mark Church', kind: 'faith', languages: ['vi'], partnershipStatus: 'prospective' })

  const byKind = await checked(t, app, { method: 'GET', url: '/v1/organizations?kind=faith,youth' })
  t.same(byKind.json().data.map((o: { name: string }) => o.name).sort(), ['Lakeside Youth', 'St. Mark Church'])
  const byArea = (await app.inject({ method: 'GET', url: `/v1/organizations?areaId=${fixtures.areas.north.id}` })).json()
  t.same(byArea.data.map((o: { name: string }) => o.name), ['Eastside Neighbours'])
  const byLanguage = (await app.inject({ method: 'GET', url: '/v1/organizations?language=vi&agency=metro' })).json()
  t.same(byLanguage.data.map((o: { name: string }) => o.name), ['St. Mark Church'])
  const byStatus = (await app.inject({ method: 'GET', url: '/v1/organizations?status=prospective' })).json()
  t.same(byStatus.data.map((o: { name: string }) => o.name), ['St. Mark Church'])
  const ofLakeside = (await app.inject({ method: 'GET', url: '/v1/organizations?agency=lakeside' })).json()
  t.same(ofLakeside.data.map((o: { name: string }) => o.name), ['Lakeside Youth'])

  const first = await checked(t, app, { method: 'GET', url: '/v1/organizations?limit=2' })
  t.equal(first.json().data.length, 2)
  t.match(first.headers.link, /rel="next"/)
  const second = (await app.inject({ method: 'GET', url: `/v1/organizations?limit=2&cursor=${first.json().nextCursor}` })).json()
  t.equal(second.data.length, 1, 'the keyset cursor continues where the first page ended')
  t.equal(second.nextCursor, null)

  const stale = await checked(t, app, { method: 'PATCH', url: `/v1/organizations/${org.id}`, headers: { ...staff, 'if-match': '"7"' }, payload: { partnershipStatus: 'paused' } })
  t.equal(stale.statusCode, 412)
  const paused = await checked(t, app, { method: 'PATCH', url: `/v1/organizations/${org.id}`, headers: { ...staff, 'if-match': '"1"' }, payload: { partnershipStatus: 'paused', contact: null } })
  t.equal(paused.statusCode, 200)
  t.equal(paused.json().partnershipStatus, 'paused')
  t.equal(paused.json().contact, null, 'a null contact clears it')
  t.equal(paused.headers.etag, '"2"')

  const otherAgency = await checked(t, app, { method: 'PATCH', url: `/v1/organizations/${org.id}`, headers: { ...(await bearer({ agency: 'lakeside' })), 'if-match': '*' }, payload: { name: 'Taken over' } })
  t.equal(otherAgency.statusCode, 404, "another agency's staff cannot change it")
  t.equal(otherAgency.json().code, 'ORGANIZATION_NOT_FOUND')
  const analyst = await checked(t, app, { method: 'POST', url: '/v1/organizations', headers: await bearer({ role: 'analyst' }), payload: { name: 'X', kind: 'other' } })
  t.equal(analyst.statusCode, 403)
  const foreignArea = await checked(t, app, { method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'X', kind: 'other', areaIds: [fixtures.areas.lakeArea.id] } })
  t.equal(foreignArea.statusCode, 400)
  t.same(foreignArea.json().errors, [{ field: 'areaIds.0', message: 'is not an area of this agency' }])
  const unknownField = await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'X', kind: 'other', version: 9 } })
  t.equal(unknownField.statusCode, 400, 'read-only fields are refused, not ignored')
})

t.test('when different callers read an organization, then only its agency staff and the organization itself see the contact', async (t) => {
  const { app } = await build(t)
  const org = await register(app)
  const other = await register(app, { name: 'Other partner', kind: 'advocacy' })
  // [who, headers, sees the organization's contact, sees the other organization's contact]
  const callers: [string, Record<string, string>, boolean, boolean][] = [
    ['the public', {}, false, false],
    ['an analyst of the agency', await bearer({ role: 'analyst' }), false, false],
    ["another agency's staff", await bearer({ agency: 'lakeside' }), false, false],
    ["another agency's admin", await bearer({ role: 'admin', agency: 'lakeside' }), false, false],
    ['another partner organization', await bearer({ role: 'partner', claims: { org: other.id } }), false, true],
    ['a partner token naming no organization', await bearer({ role: 'partner' }), false, false],
    ['staff of the agency', await bearer(), true, true],
    ['an admin of the agency', await bearer({ role: 'admin' }), true, true],
    ['the organization itself', await bearer({ role: 'partner', claims: { org: org.id } }), true, false],
  ]
  const query = `query ($id: ID!) { organization(id: $id) { name contact { name email phone } } organizations { nodes { id contact { email } } } }`
  let violations = 0
  for (const [who, headers, sees, seesOther] of callers) {
    const one = await checked(t, app, { method: 'GET', url: `/v1/organizations/${org.id}`, headers })
    const list = await checked(t, app, { method: 'GET', url: '/v1/organizations', headers })
    const gql = await graphql(app, query, { id: org.id }, headers)
    const listed = list.json().data.find((o: { id: string }) => o.id === org.id)
    const gqlListed = gql.data.organizations.nodes.find((o: { id: string }) => o.id === org.id)
    const seen = [one.json().contact, listed.contact, gql.data.organization.contact, gqlListed.contact]
    const ok = sees ? seen.every((c) => c?.email === contact.email) : seen.every((c) => c === null)
    if (!ok) violations++
    t.ok(ok, `${who}: contact ${sees ? 'present' : 'null'} over REST (one, list) and GraphQL (one, list)`)
    // A partner sees its own contact, never another's; staff of the agency see every one.
    const otherContact = list.json().data.find((o: { id: string }) => o.id === other.id).contact
    t.equal(otherContact !== null, seesOther, `${who}: another organization's contact ${seesOther ? 'present' : 'null'}`)
    if (otherContact !== null !== seesOther) violations++
  }
  t.comment(`${callers.length} callers × 4 read paths, ${violations} violations`)
  t.equal(violations, 0)

  const missing = await checked(t, app, { method: 'GET', url: '/v1/organizations/00000000-0000-4000-8000-000000000000' })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().code, 'ORGANIZATION_NOT_FOUND')
  const gqlMissing = await graphql(app, `{ organization(id: "nope") { id } }`)
  t.equal(gqlMissing.errors[0].extensions.code, 'ORGANIZATION_NOT_FOUND')
})

t.test('when organizations are created and changed over GraphQL, then the rules are the same as REST', async (t) => {
  const { app, fixtures } = await build(t)
  const staff = await bearer()
  const created = await graphql(
    app,
    `mutation ($input: CreateOrganizationInput!) { createOrganization(input: $input, idempotencyKey: "g-1") { replayed organization { id name kind areaIds languages partnershipStatus version contact { name email phone } agency { slug } } } }`,
    { input: { name: 'Youth League', kind: 'YOUTH', areaIds: [fixtures.areas.south.id], languages: ['en'], contact: { email: 'league@example.org' }, partnershipStatus: 'PROSPECTIVE' } },
    staff,
  )
  t.same(created.errors, undefined)
  const org = created.data.createOrganization.organization
  t.equal(org.kind, 'YOUTH')
  t.equal(org.partnershipStatus, 'PROSPECTIVE')
  t.same(org.contact, { name: null, email: 'league@example.org', phone: null })
  t.equal(org.agency.slug, 'metro')
  const updated = await graphql(app, `mutation ($id: ID!) { updateOrganization(id: $id, expectedVersion: 1, input: { partnershipStatus: ACTIVE }) { partnershipStatus version } }`, { id: org.id }, staff)
  t.same(updated.data.updateOrganization, { partnershipStatus: 'ACTIVE', version: 2 })
  const stale = await graphql(app, `mutation ($id: ID!) { updateOrganization(id: $id, expectedVersion: 1, input: { name: "Late" }) { version } }`, { id: org.id }, staff)
  t.equal(stale.errors[0].extensions.code, 'PRECONDITION_FAILED')
  const partner = await graphql(app, `mutation { createOrganization(input: { name: "Mine", kind: OTHER }) { organization { id } } }`, {}, await bearer({ role: 'partner', claims: { org: org.id } }))
  t.equal(partner.errors[0].extensions.code, 'FORBIDDEN', 'partners do not register organizations')
  const filtered = await graphql(app, `{ organizations(filter: { kind: [YOUTH], status: [ACTIVE], agency: "metro" }) { nodes { name } pageInfo { hasNextPage } } }`)
  t.same(filtered.data.organizations.nodes, [{ name: 'Youth League' }])
})

t.test('when events name co-hosts, then each must be an organization of the same agency, and events list by co-host', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const org = await register(app)
  const foreign = await register(app, { name: 'Lakeside Youth', kind: 'youth' }, await bearer({ agency: 'lakeside' }))

  const bad = await checked(t, app, { method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ coHostIds: [org.id, foreign.id] }) })
  t.equal(bad.statusCode, 400)
  t.same(bad.json().errors, [{ field: 'coHostIds.1', message: 'is not an organization of this agency' }])
  const unknown = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ coHostIds: ['00000000-0000-4000-8000-000000000000'] }) })
  t.equal(unknown.statusCode, 400)
  t.equal(unknown.json().errors[0].field, 'coHostIds.0')
  const twice = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ coHostIds: [org.id, org.id] }) })
  t.equal(twice.statusCode, 400)

  const hosted = await checked(t, app, { method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ coHostIds: [org.id] }) })
  t.equal(hosted.statusCode, 201)
  t.same(hosted.json().coHostIds, [org.id])
  const plain = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody() })).json()
  t.same(plain.coHostIds, [])

  const listed = await checked(t, app, { method: 'GET', url: `/v1/events?organizationId=${org.id}` })
  t.same(listed.json().data.map((e: { id: string }) => e.id), [hosted.json().id], 'the events an organization co-hosts')
  t.same((await app.inject({ method: 'GET', url: `/v1/events/${hosted.json().id}` })).json().coHostIds, [org.id])

  const moved = await checked(t, app, { method: 'PATCH', url: `/v1/events/${plain.id}`, headers: { ...staff, 'if-match': '"1"' }, payload: { coHostIds: [org.id] } })
  t.equal(moved.statusCode, 200)
  t.same(moved.json().coHostIds, [org.id], 'staff change the co-hosts')
  const cleared = await app.inject({ method: 'PATCH', url: `/v1/events/${hosted.json().id}`, headers: { ...staff, 'if-match': '"1"' }, payload: { coHostIds: [] } })
  t.same(cleared.json().coHostIds, [])
  const foreignUpdate = await app.inject({ method: 'PATCH', url: `/v1/events/${plain.id}`, headers: { ...staff, 'if-match': '"2"' }, payload: { coHostIds: [foreign.id] } })
  t.equal(foreignUpdate.statusCode, 400)
  t.equal(foreignUpdate.json().errors[0].field, 'coHostIds.0')

  const gql = await graphql(app, `query ($org: ID!) { events(filter: { organizationId: $org }) { nodes { id coHosts { id name contact { email } } } } }`, { org: org.id })
  t.same(gql.data.events.nodes, [{ id: plain.id, coHosts: [{ id: org.id, name: 'Eastside Neighbours', contact: null }] }], 'GraphQL: coHosts, contact hidden from the public')
})

t.test('when a partner edits events, then only those its organization co-hosts, and never their co-hosts', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const org = await register(app)
  const other = await register(app, { name: 'Other partner', kind: 'advocacy' })
  const mine = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ coHostIds: [org.id] }) })).json()
  const theirs = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ coHostIds: [other.id] }) })).json()
  const lakeside = (await app.inject({ method: 'POST', url: '/v1/events', headers: await bearer({ agency: 'lakeside' }), payload: eventBody() })).json()
  const partner = await bearer({ role: 'partner', claims: { org: org.id } })
  const at = (version: number) => ({ ...partner, 'if-match': `"${version}"` })

  const edited = await checked(t, app, { method: 'PATCH', url: `/v1/events/${mine.id}`, headers: at(1), payload: { capacity: 80 } })
  t.equal(edited.statusCode, 200, 'a partner edits an event it co-hosts')
  t.equal(edited.json().capacity, 80)
  const rescheduled = await checked(t, app, { method: 'POST', url: `/v1/events/${mine.id}/reschedule`, headers: at(2), payload: { startsAt: '2027-03-11T09:00:00-05:00', endsAt: '2027-03-11T10:00:00-05:00' } })
  t.equal(rescheduled.statusCode, 200, 'and reschedules it')
  const postponed = await checked(t, app, { method: 'POST', url: `/v1/events/${mine.id}/postpone`, headers: at(3) })
  t.equal(postponed.statusCode, 200, 'and postpones it')

  for (const [name, id] of [['another partner’s event', theirs.id], ["another agency's event", lakeside.id], ['no event', '00000000-0000-4000-8000-000000000000']]) {
    const res = await checked(t, app, { method: 'PATCH', url: `/v1/events/${id}`, headers: { ...partner, 'if-match': '*' }, payload: { capacity: 1 } })
    t.equal(res.statusCode, 404, `${name}: 404, not 403`)
    t.equal(res.json().code, 'EVENT_NOT_FOUND')
    const cancel = await app.inject({ method: 'POST', url: `/v1/events/${id}/cancel`, headers: { ...partner, 'if-match': '*' } })
    t.equal(cancel.statusCode, 404, `${name}: cancel is 404 too`)
  }
  const coHosts = await checked(t, app, { method: 'PATCH', url: `/v1/events/${mine.id}`, headers: at(4), payload: { coHostIds: [org.id, other.id] } })
  t.equal(coHosts.statusCode, 403, 'a partner may not change co-hosts')
  t.equal(coHosts.json().code, 'FORBIDDEN')
  // A partner proposes: its event is a draft its organization co-hosts, for staff to publish (never scheduled outright).
  const schedule = await checked(t, app, { method: 'POST', url: '/v1/events', headers: partner, payload: eventBody() })
  t.equal(schedule.statusCode, 201, 'a partner may propose an event')
  t.match(schedule.json(), { status: 'draft', coHostIds: [org.id] }, 'as a draft its organization co-hosts')
  const outright = await checked(t, app, { method: 'POST', url: '/v1/events', headers: partner, payload: eventBody({ draft: false }) })
  t.equal(outright.statusCode, 400, 'a partner may not schedule a published event')
  const draft = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ draft: true, coHostIds: [org.id] }) })).json()
  const publish = await checked(t, app, { method: 'POST', url: `/v1/events/${draft.id}/publish`, headers: { ...partner, 'if-match': '"1"' } })
  t.equal(publish.statusCode, 403, 'a partner may not publish')
  const draftSeen = await checked(t, app, { method: 'GET', url: `/v1/events/${draft.id}`, headers: partner })
  t.equal(draftSeen.statusCode, 200, 'a partner sees a draft it co-hosts')
  t.ok((await checked(t, app, { method: 'GET', url: '/v1/events?status=draft', headers: partner })).json().data.some((e: { id: string }) => e.id === draft.id), 'and lists it')
  const draftEdited = await checked(t, app, { method: 'PATCH', url: `/v1/events/${draft.id}`, headers: { ...partner, 'if-match': '"1"' }, payload: { capacity: 30 } })
  t.equal(draftEdited.statusCode, 200, 'and edits it before the agency publishes it')
  const otherDraft = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ draft: true }) })).json()
  t.equal((await checked(t, app, { method: 'GET', url: `/v1/events/${otherDraft.id}`, headers: partner })).statusCode, 404, 'a draft it does not co-host stays invisible')
  t.notOk((await app.inject({ method: 'GET', url: '/v1/events?status=draft', headers: partner })).json().data.some((e: { id: string }) => e.id === otherDraft.id), 'and unlisted')
  t.equal((await app.inject({ method: 'GET', url: `/v1/events/${draft.id}` })).statusCode, 404, 'the public never sees the draft')
  const cancelled = await checked(t, app, { method: 'POST', url: `/v1/events/${mine.id}/cancel`, headers: at(4), payload: { reason: 'Venue closed' } })
  t.equal(cancelled.statusCode, 200, 'a partner cancels an event it co-hosts')

  const gqlOther = await graphql(app, `mutation ($id: ID!) { updateEvent(id: $id, expectedVersion: 1, input: { capacity: 3 }) { id } }`, { id: theirs.id }, partner)
  t.equal(gqlOther.errors[0].extensions.code, 'EVENT_NOT_FOUND', 'GraphQL: the same 404')
  const gqlCoHosts = await graphql(app, `mutation ($id: ID!, $org: ID!) { updateEvent(id: $id, expectedVersion: 1, input: { coHostIds: [$org] }) { id } }`, { id: theirs.id, org: other.id }, await bearer({ role: 'partner', claims: { org: other.id } }))
  t.equal(gqlCoHosts.errors[0].extensions.code, 'FORBIDDEN', 'GraphQL: the same 403 on co-hosts')
  const gqlMine = await graphql(app, `mutation ($id: ID!) { updateEvent(id: $id, expectedVersion: 1, input: { capacity: 12 }) { capacity coHosts { name } } }`, { id: theirs.id }, await bearer({ role: 'partner', claims: { org: other.id } }))
  t.same(gqlMine.data.updateEvent, { capacity: 12, coHosts: [{ name: 'Other partner' }] })
})

t.test('when a page of 20 events selects co-hosts, then it runs no more statements than a page of 2', async (t) => {
  const { app, database } = await build(t)
  const staff = await bearer()
  const orgs = [await register(app), await register(app, { name: 'Second', kind: 'faith' }), await register(app, { name: 'Third', kind: 'school' })]
  for (let i = 0; i < 22; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0')
    const res = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: staff,
      payload: eventBody({ startsAt: `2027-04-${day}T09:00:00-04:00`, endsAt: `2027-04-${day}T10:00:00-04:00`, coHostIds: [orgs[i % 3].id, orgs[(i + 1) % 3].id] }),
    })
    t.equal(res.statusCode, 201)
  }
  const query = `query ($first: Int) { events(first: $first) { nodes { id coHosts { id name agency { slug } } } } }`
  const cost = async (first: number) => {
    const before = database.statements.count
    const res = await graphql(app, query, { first })
    t.same(res.errors, undefined)
    t.equal(res.data.events.nodes.length, first)
    t.ok(res.data.events.nodes.every((n: { coHosts: unknown[] }) => n.coHosts.length === 2))
    return database.statements.count - before
  }
  await cost(2)
  const two = await cost(2)
  const twenty = await cost(20)
  t.comment(`a page of 2 events with co-hosts ran ${two} statements; a page of 20 ran ${twenty}`)
  t.ok(two > 0)
  t.equal(twenty, two, 'the same number of statements')
  const rest = async (limit: number) => {
    const before = database.statements.count
    await app.inject({ method: 'GET', url: `/v1/events?limit=${limit}` })
    return database.statements.count - before
  }
  t.equal(await rest(20), await rest(2), 'REST: the same for 2 and 20 events')
})
