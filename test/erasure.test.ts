// Erasure: after an admin erases a participant, no table holds their personal data, and every count stays the same.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { dumpAll } from './helpers/database.ts'
import { eventBody } from './helpers/fixtures.ts'

const canaries = {
  name: 'Canary-Name-7f3a91',
  email: 'canary-7f3a91@mail.example',
  phone: '+1 555 7391 0042',
  affiliation: 'Canary-Affiliation-7f3a91',
  feedback: 'Canary-Feedback-7f3a91 about the streetlights',
  accommodation: 'Canary-Need-7f3a91: a seat by the door',
}


t.test('when an admin erases a participant, then no canary remains in any table and counts are unchanged', async (t) => {
  const { app, database, fixtures } = await build(t)
  const staff = await bearer()
  const admin = await bearer({ role: 'admin', sub: 'admin-1' })
  const event = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ registrationRequired: true, capacity: 10 }) })).json()
  // The participant registers themselves (public form, with an Idempotency-Key), then staff keep records about them.
  const registration = await app.inject({
    method: 'POST',
    url: `/v1/events/${event.id}/registrations`,
    headers: { 'idempotency-key': 'canary-registration' },
    payload: { displayName: canaries.name, contact: { email: canaries.email, phone: canaries.phone }, consents: { contact: true, dataUse: true }, demographics: { ageBand: 'age_45_54', faith: 'sikh' }, accommodations: ['step_free_access'], accommodationNote: canaries.accommodation },
  })
  t.equal(registration.statusCode, 201)
  const participantId = registration.json().participantId
  const patched = await app.inject({ method: 'PATCH', url: `/v1/participants/${participantId}`, headers: { ...staff, 'if-match': '"1"' }, payload: { affiliation: canaries.affiliation, areaId: fixtures.areas.north.id } })
  t.equal(patched.statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: `/v1/participants/${participantId}?purpose=data_subject_request`, headers: staff })).statusCode, 200)
  await app.inject({ method: 'POST', url: `/v1/events/${event.id}/check-ins`, headers: staff, payload: { participantId } })
  // Feedback is another module's; it is written here as that module's table holds it.
  const [topic] = await database.raw<{ id: string }>(`select id from feedback_topics limit 1`)
  await database.raw(`insert into feedback_items (agency_id, body, body_language, published_body, channel, event_id, topic_id, participant_id, visibility) values ($1, $2, 'en', $3, 'in_person', $4, $5, $6, 'published')`, [fixtures.metro.id, canaries.feedback, `${canaries.feedback} (moderated)`, event.id, topic!.id, participantId])
  // An audit row that quoted the person (as a careless module might) must be scrubbed too.
  await database.raw(`insert into audit_events (agency_id, actor_kind, action, entity_type, details) values ($1, 'staff', 'feedback.noted', 'feedback', $2)`, [fixtures.metro.id, JSON.stringify({ note: `called ${canaries.phone}` })])

  const before = await dumpAll(database)
  for (const [what, canary] of Object.entries(canaries)) t.ok(before.includes(canary), `the ${what} canary is in the database before erasure`)
  const countsBefore = (await app.inject({ method: 'GET', url: `/v1/events/${event.id}/attendance` })).json()
  const tally = () => database.raw<{ attendances: number; feedback: number; demographics: number }>(`select (select count(*)::int from attendances) as attendances, (select count(*)::int from feedback_items where event_id = $1) as feedback, (select count(*)::int from participant_demographics) as demographics`, [event.id])

  const [tallyBefore] = await tally()
  const erased = await app.inject({ method: 'POST', url: `/v1/participants/${participantId}/erase`, headers: admin })
  t.equal(erased.statusCode, 200)

  const after = await dumpAll(database)
  for (const [what, canary] of Object.entries(canaries)) t.notOk(after.includes(canary), `no ${what} canary remains anywhere`)
  t.notOk(after.includes('7f3a91'), 'not even part of one')
  t.same((await app.inject({ method: 'GET', url: `/v1/events/${event.id}/attendance` })).json(), countsBefore, 'attendance counts are unchanged')
  const [tallyAfter] = await tally()
  t.same(tallyAfter, { ...tallyBefore!, demographics: tallyBefore!.demographics - 1 }, 'attendance and feedback rows remain; demographics are gone')
  const [feedback] = await database.raw<{ participant_id: string | null; body: string }>(`select participant_id, body from feedback_items where event_id = $1`, [event.id])
  t.same(feedback, { participant_id: null, body: '[erased]' })
  const [audit] = await database.raw<{ details: unknown; actor_subject: string }>(`select details, actor_subject from audit_events where action = 'participant.erased'`)
  t.same(audit, { details: { attendances: 1, feedbackUnlinked: 1 }, actor_subject: 'admin-1' }, 'the erasure is audited, without personal data')
  const replay = await app.inject({ method: 'POST', url: `/v1/events/${event.id}/registrations`, headers: { 'idempotency-key': 'canary-registration' }, payload: { displayName: 'someone else' } })
  t.equal(replay.statusCode, 201, 'the idempotency record is gone, so the key is free again')
})

t.test('when an admin erases a liaison, then no canary remains in any table and its links go', async (t) => {
  const { app, database, fixtures } = await build(t)
  const staff = await bearer()
  const admin = await bearer({ role: 'admin', sub: 'admin-1' })
  const liaisonCanaries = { name: 'Canary-Liaison-4c1e77', email: 'canary-4c1e77@mail.example', phone: '+1 555 4177 0088', community: 'Canary-Community-4c1e77' }
  const org = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Cedar Street Mosque', kind: 'faith' } })).json()
  const partner = await bearer({ role: 'partner', sub: 'p-1', claims: { org: org.id } })
  const proposed = await app.inject({
    method: 'POST',
    url: '/v1/liaisons',
    headers: partner,
    payload: { displayName: liaisonCanaries.name, kind: 'faith_leader', areaIds: [fixtures.areas.north.id], communities: [liaisonCanaries.community], organizationIds: [org.id], contact: { email: liaisonCanaries.email, phone: liaisonCanaries.phone }, consents: { contact: true } },
  })
  t.equal(proposed.statusCode, 201, proposed.body)
  const id = proposed.json().id
  await app.inject({ method: 'POST', url: `/v1/liaisons/${id}/status`, headers: { ...staff, 'if-match': '"1"' }, payload: { status: 'confirmed' } })
  const event = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody() })).json()
  t.equal((await app.inject({ method: 'PUT', url: `/v1/liaisons/${id}/links`, headers: { ...staff, 'if-match': '"2"' }, payload: { events: [{ eventId: event.id, role: 'interpreter' }] } })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: `/v1/liaisons/${id}?purpose=data_subject_request`, headers: staff })).statusCode, 200)
  // An audit row that quoted the liaison (as a careless module might) must be scrubbed too.
  await database.raw(`insert into audit_events (agency_id, actor_kind, action, entity_type, details) values ($1, 'staff', 'liaison.noted', 'liaison', $2)`, [fixtures.metro.id, JSON.stringify({ note: `called ${liaisonCanaries.phone}` })])

  const before = await dumpAll(database)
  for (const [what, canary] of Object.entries(liaisonCanaries)) t.ok(before.includes(canary), `the ${what} canary is in the database before erasure`)
  t.equal((await app.inject({ method: 'POST', url: `/v1/liaisons/${id}/erase`, headers: staff })).statusCode, 403, 'admins only')
  t.equal((await app.inject({ method: 'POST', url: `/v1/liaisons/${id}/erase`, headers: admin })).statusCode, 204)
  const after = await dumpAll(database)
  for (const [what, canary] of Object.entries(liaisonCanaries)) t.notOk(after.includes(canary), `no ${what} canary remains anywhere`)
  t.notOk(after.includes('4c1e77'), 'not even part of one')
  t.equal((await app.inject({ method: 'GET', url: `/v1/liaisons/${id}`, headers: staff })).statusCode, 404, 'gone from every read')
  const [links] = await database.raw<{ n: number }>(`select count(*)::int as n from event_liaisons where liaison_id = $1`, [id])
  t.equal(links!.n, 0, 'its roles are gone')
  const outbox = await database.raw<{ action: string; payload: Record<string, unknown> }>(`select action, payload from outbox where entity_id = $1 order by tx, id`, [id])
  t.same(outbox.map((o) => o.action), ['liaison.proposed', 'liaison.confirmed', 'liaison.updated', 'liaison.removed'])
})
