// Community liaisons: partners propose, staff confirm or decline; the public sees confirmed liaisons' non-personal fields
// only (the name only when listed by name); the contact is kept with consent, read by staff for a purpose and audited;
// roles in events and announcements; reach by area with small counts suppressed; every change in the outbox, ids only.
import t from 'tap'
import { sql } from 'drizzle-orm'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const contact = { email: 'imam.yusuf@example.org', phone: '+1 612 555 0199' }

t.test('when a partner proposes a liaison and staff confirm, then the public sees only non-personal fields', async (t) => {
  const { app, database, fixtures } = await build(t)
  const staff = await bearer()
  const analyst = await bearer({ role: 'analyst' })
  const org = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Cedar Street Mosque', kind: 'faith' } })).json()
  const partner = await bearer({ role: 'partner', sub: 'p-1', claims: { org: org.id } })
  const otherOrg = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Northside Business Association', kind: 'business' } })).json()
  const otherPartner = await bearer({ role: 'partner', sub: 'p-2', claims: { org: otherOrg.id } })
  const body = {
    displayName: 'Imam Yusuf Hassan',
    kind: 'faith_leader',
    areaIds: [fixtures.areas.north.id],
    languages: ['so', 'en'],
    communities: ['Somali community'],
    organizationIds: [org.id],
    contact,
    consents: { contact: true },
  }

  // Bad input is refused with problems, never a 500.
  t.equal((await app.inject({ method: 'POST', url: '/v1/liaisons', headers: partner, payload: { ...body, consents: undefined } })).json().code, 'VALIDATION_FAILED', 'a contact needs consent')
  t.equal((await app.inject({ method: 'POST', url: '/v1/liaisons', headers: partner, payload: { ...body, kind: 'mayor' } })).json().code, 'VALIDATION_FAILED')
  t.equal((await app.inject({ method: 'POST', url: '/v1/liaisons', headers: partner, payload: { ...body, areaIds: [fixtures.areas.lakeArea.id] } })).json().code, 'VALIDATION_FAILED', "another agency's area")
  t.equal((await app.inject({ method: 'POST', url: '/v1/liaisons', payload: body })).statusCode, 401)
  t.equal((await app.inject({ method: 'POST', url: '/v1/liaisons', headers: analyst, payload: body })).statusCode, 403)

  const proposed = await app.inject({ method: 'POST', url: '/v1/liaisons', headers: partner, payload: body })
  t.equal(proposed.statusCode, 201, proposed.body)
  const l = proposed.json()
  t.match(l, { status: 'proposed', displayName: 'Imam Yusuf Hassan', proposedByOrganizationId: org.id, contact: { visibility: 'not_permitted', email: null } })

  t.same((await app.inject({ method: 'GET', url: '/v1/liaisons?agency=metro' })).json().data, [], 'a proposal is not public')
  t.equal((await app.inject({ method: 'GET', url: `/v1/liaisons/${l.id}` })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: `/v1/liaisons/${l.id}`, headers: otherPartner })).statusCode, 404, "another partner's proposal is not there")
  t.equal((await app.inject({ method: 'GET', url: '/v1/liaisons', headers: staff })).json().data.length, 1, 'staff see proposals')

  // Only staff confirm, with If-Match.
  t.equal((await app.inject({ method: 'POST', url: `/v1/liaisons/${l.id}/status`, headers: { ...partner, 'if-match': '"1"' }, payload: { status: 'confirmed' } })).statusCode, 403)
  t.equal((await app.inject({ method: 'POST', url: `/v1/liaisons/${l.id}/status`, headers: staff, payload: { status: 'confirmed' } })).statusCode, 428)
  t.equal((await app.inject({ method: 'POST', url: `/v1/liaisons/${l.id}/status`, headers: { ...staff, 'if-match': '"1"' }, payload: { status: 'maybe' } })).json().code, 'VALIDATION_FAILED')
  const confirmed = await app.inject({ method: 'POST', url: `/v1/liaisons/${l.id}/status`, headers: { ...staff, 'if-match': '"1"' }, payload: { status: 'confirmed' } })
  t.equal(confirmed.statusCode, 200, confirmed.body)
  t.equal(confirmed.json().version, 2)
  t.equal((await app.inject({ method: 'POST', url: `/v1/liaisons/${l.id}/status`, headers: { ...staff, 'if-match': '"2"' }, payload: { status: 'confirmed' } })).json().code, 'INVALID_TRANSITION')

  const pub = (await app.inject({ method: 'GET', url: `/v1/liaisons/${l.id}` })).json()
  t.match(pub, { status: 'confirmed', displayName: null, kind: 'faith_leader', languages: ['so', 'en'], proposedByOrganizationId: null, contact: { visibility: 'not_permitted', email: null, phone: null }, consents: { contact: { givenAt: null } } })
  // The phone in full (a random UUID may hold 555): never in what the public reads.
  t.notMatch(JSON.stringify(pub), /Yusuf|imam\.yusuf|612 555 0199|6125550199/, 'nothing personal reaches the public')
  t.match((await app.inject({ method: 'GET', url: `/v1/liaisons/${l.id}`, headers: analyst })).json(), { displayName: null, contact: { visibility: 'not_permitted' } }, 'analysts see what the public sees')

  // Listed by name when the liaison chooses so.
  const listed = await app.inject({ method: 'PATCH', url: `/v1/liaisons/${l.id}`, headers: { ...staff, 'if-match': '"2"' }, payload: { listedByName: true } })
  t.equal(listed.statusCode, 200, listed.body)
  t.equal((await app.inject({ method: 'GET', url: `/v1/liaisons?agency=metro&language=so` })).json().data[0].displayName, 'Imam Yusuf Hassan')
  t.equal((await app.inject({ method: 'PATCH', url: `/v1/liaisons/${l.id}`, headers: { ...staff, 'if-match': '"2"' }, payload: { listedByName: false } })).statusCode, 412, 'a stale version')
  t.equal((await app.inject({ method: 'PATCH', url: `/v1/liaisons/${l.id}`, headers: { ...staff, 'if-match': '"3"' }, payload: {} })).json().code, 'VALIDATION_FAILED')

  // Staff read the contact only for a purpose, and each read is audited (field names, never values).
  t.match((await app.inject({ method: 'GET', url: `/v1/liaisons/${l.id}`, headers: staff })).json().contact, { visibility: 'purpose_required', email: null })
  t.equal((await app.inject({ method: 'GET', url: `/v1/liaisons/${l.id}?purpose=gossip`, headers: staff })).json().code, 'VALIDATION_FAILED')
  const withPurpose = await app.inject({ method: 'GET', url: `/v1/liaisons/${l.id}`, headers: { ...staff, 'x-purpose': 'event_logistics' } })
  t.match(withPurpose.json().contact, { visibility: 'shown', ...contact })
  t.match((await app.inject({ method: 'GET', url: `/v1/liaisons/${l.id}`, headers: { ...partner, 'x-purpose': 'event_logistics' } })).json().contact, { visibility: 'not_permitted', email: null }, 'partners never see it')
  const reads = await database.db.execute(sql`select details::text as d from audit_events where action = 'liaison.contact_read' and entity_id = ${l.id}`)
  const rows = ((reads as { rows?: { d: string }[] }).rows ?? (reads as unknown as { d: string }[]))
  t.equal(rows.length, 1, 'one read, one audit row')
  t.match(rows[0]!.d, /event_logistics/)
  t.notMatch(rows[0]!.d, /imam|612 555 0199|6125550199/)

  // Withdrawing consent drops the contact.
  const withdrawn = await app.inject({ method: 'PATCH', url: `/v1/liaisons/${l.id}`, headers: { ...staff, 'if-match': '"3"', 'x-purpose': 'event_logistics' }, payload: { consents: { contact: false } } })
  t.equal(withdrawn.statusCode, 200, withdrawn.body)
  t.equal(withdrawn.json().consents.contact.givenAt, null)
  t.equal((await app.inject({ method: 'PATCH', url: `/v1/liaisons/${l.id}`, headers: { ...staff, 'if-match': '"4"' }, payload: { contact } })).json().code, 'VALIDATION_FAILED', 'no contact without consent')

  // Every change is in the outbox with ids and version only.
  const out = await database.db.execute(sql`select action, visibility, payload::text as p from outbox where entity_type = 'liaison' order by tx, id`)
  const entries = (out as { rows?: { action: string; visibility: string; p: string }[] }).rows ?? (out as unknown as { action: string; visibility: string; p: string }[])
  t.same(entries.map((e) => [e.action, e.visibility]), [['liaison.proposed', 'agency'], ['liaison.confirmed', 'public'], ['liaison.updated', 'public'], ['liaison.updated', 'public']])
  for (const e of entries) t.same(Object.keys(JSON.parse(e.p)).sort(), ['id', 'version'], 'ids and version only')

  // Removal: gone from every list, a liaison.removed row.
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/liaisons/${l.id}`, headers: { ...staff, 'if-match': '"4"' } })).statusCode, 204)
  t.equal((await app.inject({ method: 'GET', url: `/v1/liaisons/${l.id}`, headers: staff })).statusCode, 404)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/liaisons/${l.id}`, headers: { ...staff, 'if-match': '*' } })).statusCode, 404)
  // A removed liaison's personal data can still be erased (removal alone keeps the tombstone's row).
  const admin = await bearer({ role: 'admin', sub: 'admin-1' })
  t.equal((await app.inject({ method: 'POST', url: `/v1/liaisons/${l.id}/erase`, headers: admin })).statusCode, 204)
  t.equal((await app.inject({ method: 'POST', url: `/v1/liaisons/${l.id}/erase`, headers: admin })).statusCode, 404, 'erasing again finds nothing to erase')
  const [left] = await database.raw<{ display_name: string | null; contact: unknown }>(`select display_name, contact from liaisons where id = $1`, [l.id])
  t.same(left, { display_name: null, contact: null })
})

t.test('when liaisons take roles in meetings and carry announcements, then reach by area is counted with small counts suppressed', async (t) => {
  const { app, fixtures } = await build(t)
  const staff = await bearer()
  const analyst = await bearer({ role: 'analyst' })
  const org = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Cedar Street Mosque', kind: 'faith' } })).json()
  const partner = await bearer({ role: 'partner', sub: 'p-1', claims: { org: org.id } })
  const l = (await app.inject({ method: 'POST', url: '/v1/liaisons', headers: staff, payload: { displayName: 'Rosa Delgado', kind: 'neighborhood_association', areaIds: [fixtures.areas.north.id], languages: ['es'] } })).json()
  await app.inject({ method: 'POST', url: `/v1/liaisons/${l.id}/status`, headers: { ...staff, 'if-match': '"1"' }, payload: { status: 'confirmed' } })
  const events: string[] = []
  for (let i = 0; i < 11; i++) {
    const e = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ areaId: fixtures.areas.north.id, hostUnit: 'District 1 Community Policing Unit' }) })
    t.equal(e.statusCode, 201, e.body)
    events.push(e.json().id)
  }
  const announcement = (await app.inject({ method: 'POST', url: '/v1/announcements', headers: staff, payload: { kind: 'upcoming_meeting', title: { en: 'Meet us' }, body: { en: 'At the library' }, languages: ['en'], channels: ['word_of_mouth'] } })).json()

  const bad = await app.inject({ method: 'PUT', url: `/v1/liaisons/${l.id}/links`, headers: { ...staff, 'if-match': '"2"' }, payload: { events: [{ eventId: events[0], role: 'juggler' }] } })
  t.equal(bad.json().code, 'VALIDATION_FAILED')
  const unknown = await app.inject({ method: 'PUT', url: `/v1/liaisons/${l.id}/links`, headers: { ...staff, 'if-match': '"2"' }, payload: { announcementIds: ['00000000-0000-4000-8000-000000000000'] } })
  t.match(unknown.json(), { code: 'VALIDATION_FAILED', errors: [{ field: 'announcementIds.0' }] })
  t.equal((await app.inject({ method: 'PUT', url: `/v1/liaisons/${l.id}/links`, headers: { ...partner, 'if-match': '"2"' }, payload: {} })).statusCode, 403)
  const linked = await app.inject({
    method: 'PUT',
    url: `/v1/liaisons/${l.id}/links`,
    headers: { ...staff, 'if-match': '"2"' },
    payload: { events: [...events.map((eventId) => ({ eventId, role: 'co_host' })), { eventId: events[0], role: 'interpreter' }], announcementIds: [announcement.id] },
  })
  t.equal(linked.statusCode, 200, linked.body)
  t.equal(linked.json().events.length, 12)
  t.same(linked.json().announcementIds, [announcement.id])
  // A draft announcement carried by the liaison is a link only staff see.
  const draft = (await app.inject({ method: 'POST', url: '/v1/announcements', headers: staff, payload: { kind: 'other', title: { en: 'Not yet' }, body: { en: 'Draft' }, languages: ['en'], channels: ['web'], publish: false } })).json()
  const withDraft = await app.inject({ method: 'PUT', url: `/v1/liaisons/${l.id}/links`, headers: { ...staff, 'if-match': '"3"' }, payload: { events: events.map((eventId) => ({ eventId, role: 'co_host' })), announcementIds: [announcement.id, draft.id] } })
  t.equal(withDraft.json().announcementIds.length, 2, 'staff see both')
  t.same((await app.inject({ method: 'GET', url: `/v1/liaisons/${l.id}` })).json().announcementIds, [announcement.id], 'the public sees the published one only')

  t.equal((await app.inject({ method: 'GET', url: '/v1/insights/liaison-reach' })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: '/v1/insights/liaison-reach', headers: partner })).statusCode, 403)
  t.equal((await app.inject({ method: 'GET', url: '/v1/insights/liaison-reach?x=1', headers: analyst })).statusCode, 400)
  const reach = (await app.inject({ method: 'GET', url: '/v1/insights/liaison-reach', headers: analyst })).json()
  t.same(reach.suppression, { threshold: 11 })
  t.same(reach.data, [{ areaId: fixtures.areas.north.id, liaisons: null, meetings: 11, announcements: null, suppressed: true }], 'one liaison and one published announcement are below the threshold; 11 meetings are not')
})

t.test('when liaisons are handled over GraphQL, then the same rules hold and bad input is an error with a code', async (t) => {
  const { app, database, fixtures } = await build(t)
  const staff = await bearer()
  const gql = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = staff) => (await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables } })).json()
  const input = { displayName: 'Hodan Ali', kind: 'INFORMAL_LEADER', areaIds: [fixtures.areas.north.id], languages: ['so'], contact: { email: 'hodan@example.org' }, contactConsent: true }
  t.equal((await gql('mutation ($input: ProposeLiaisonInput!) { proposeLiaison(input: $input) { id } }', { input: { ...input, contactConsent: false } })).errors[0].extensions.code, 'VALIDATION_FAILED', 'a contact needs consent')
  t.equal((await gql('mutation ($input: ProposeLiaisonInput!) { proposeLiaison(input: $input) { id } }', { input: { ...input, areaIds: ['nope'] } })).errors[0].extensions.code, 'VALIDATION_FAILED')
  t.equal((await gql('mutation ($input: ProposeLiaisonInput!) { proposeLiaison(input: $input) { id } }', { input }, {})).errors[0].extensions.code, 'UNAUTHENTICATED')
  const proposed = (await gql('mutation ($input: ProposeLiaisonInput!) { proposeLiaison(input: $input) { id version status contact { visibility email } } }', { input })).data.proposeLiaison
  t.match(proposed, { version: 1, status: 'PROPOSED', contact: { visibility: 'PURPOSE_REQUIRED', email: null } })
  t.equal((await gql(`{ liaison(id: "${proposed.id}") { id } }`, {}, {})).errors[0].extensions.code, 'LIAISON_NOT_FOUND', 'not public before it is confirmed')
  t.equal((await gql(`mutation { changeLiaisonStatus(id: "${proposed.id}", expectedVersion: 7, status: CONFIRMED) { id } }`)).errors[0].extensions.code, 'PRECONDITION_FAILED')
  t.equal((await gql(`mutation { changeLiaisonStatus(id: "${proposed.id}", expectedVersion: 1, status: CONFIRMED) { status } }`)).data.changeLiaisonStatus.status, 'CONFIRMED')
  t.same((await gql(`{ liaisons(filter: { agency: "metro", language: ["so"] }) { nodes { displayName contact { visibility email } } } }`, {}, {})).data.liaisons.nodes, [{ displayName: null, contact: { visibility: 'NOT_PERMITTED', email: null } }])
  const read = (await gql(`{ liaison(id: "${proposed.id}") { contact(purpose: FOLLOW_UP_ON_FEEDBACK) { visibility email } } }`)).data.liaison
  t.same(read.contact, { visibility: 'SHOWN', email: 'hodan@example.org' })
  const [audited] = await database.raw<{ n: number }>(`select count(*)::int as n from audit_events where action = 'liaison.contact_read' and entity_id = $1`, [proposed.id])
  t.equal(audited!.n, 1, 'the read is audited')
  t.equal((await gql(`mutation { setLiaisonLinks(id: "${proposed.id}", expectedVersion: 2, input: { events: [{ eventId: "${proposed.id}", role: SPEAKER }] }) { id } }`)).errors[0].extensions.code, 'VALIDATION_FAILED', 'not an event')
  t.equal((await gql(`mutation { updateLiaison(id: "${proposed.id}", expectedVersion: 2, input: { contactConsent: false }) { consents { contact { givenAt } } contact(purpose: REPORT_BACK) { email } } }`)).data.updateLiaison.contact.email, null, 'withdrawing consent deletes the contact')
  t.equal((await gql(`{ liaisonReach { threshold areas { areaId liaisons suppressed } } }`)).data.liaisonReach.areas[0].suppressed, true, 'one liaison is below the threshold')
})
