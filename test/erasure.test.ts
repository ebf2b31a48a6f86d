// Erasure: after an admin erases a participant, no table holds their personal data, and every count stays the same.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const canaries = {
  name: 'Canary-Name-7f3a91',
  email: 'canary-7f3a91@mail.example',
  phone: '+1 555 7391 0042',
  affiliation: 'Canary-Affiliation-7f3a91',
  feedback: 'Canary-Feedback-7f3a91 about the streetlights',
  accommodation: 'Canary-Need-7f3a91: a seat by the door',
}

/** Every row of every table in the public schema, as text. */
async function dumpAll(database: { raw<T>(sql: string, params?: unknown[]): Promise<T[]> }): Promise<string> {
  const tables = await database.raw<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`)
  const parts: string[] = []
  for (const { table_name } of tables) {
    const rows = await database.raw<{ row: string }>(`select t::text as row from "${table_name}" t`)
    parts.push(`${table_name}: ${rows.map((r) => r.row).join('\n')}`)
  }
  return parts.join('\n')
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
