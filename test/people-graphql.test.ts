// Participants, attendance and surveys over GraphQL: the same rules as REST, contact reads audited, counts batched.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const { app, database } = await build(t)
const staff = await bearer()
const gql = async (query: string, headers: Record<string, string> = staff, variables: Record<string, unknown> = {}) => {
  const res = await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables } })
  return res.json() as { data?: any; errors?: { message: string; extensions: { code: string } }[] }
}

t.test('when staff create a participant and read the contact with a purpose, then one audit row per participant read', async (t) => {
  const created = await gql(`mutation { createParticipant(input: { displayName: "Ana", contact: { email: "ana@example.org" }, consents: { contact: true } }) { participant { id contact { visibility email } } } }`)
  t.same(created.errors, undefined)
  const p = created.data.createParticipant.participant
  t.same(p.contact, { visibility: 'PURPOSE_REQUIRED', email: null })
  const read = await gql(`{ participant(id: "${p.id}") { displayName contact(purpose: SAFEGUARDING) { visibility email } again: contact { visibility email } } }`)
  t.same(read.data.participant, { displayName: 'Ana', contact: { visibility: 'SHOWN', email: 'ana@example.org' }, again: { visibility: 'PURPOSE_REQUIRED', email: null } })
  const list = await gql(`{ participants(first: 50) { nodes { id contact(purpose: REPORT_BACK) { email } } } }`)
  t.ok(list.data.participants.nodes.some((n: { contact: { email: string } }) => n.contact.email === 'ana@example.org'))
  const rows = await database.raw<{ details: { purpose: string } }>(`select details from audit_events where action = 'participant.contact_read' and entity_id = $1 order by at`, [p.id])
  t.same(rows.map((r) => r.details.purpose), ['safeguarding', 'report_back'])
  const analyst = await gql(`{ participant(id: "${p.id}") { id } }`, await bearer({ role: 'analyst' }))
  t.equal(analyst.errors?.[0]?.extensions.code, 'PARTICIPANT_NOT_FOUND')
  const demo = await gql(`mutation { recordDemographics(participantId: "${p.id}", input: { ageBand: AGE_25_34, raceEthnicity: [ASIAN, WHITE] }) }`)
  t.same(demo, { data: { recordDemographics: true } })
})

t.test('when events are listed with attendance, then counts come in one batch and attendee lists only for staff', async (t) => {
  const ids: string[] = []
  for (let i = 0; i < 3; i++) ids.push((await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ registrationRequired: true, capacity: 1 }) })).json().id)
  const reg = await gql(`mutation { registerForEvent(eventId: "${ids[0]}", self: { displayName: "Luis", consents: { dataUse: true } }) { registration { status displayName } } }`, {})
  t.same(reg.data.registerForEvent.registration, { status: 'REGISTERED', displayName: null })
  const wait = await gql(`mutation { registerForEvent(eventId: "${ids[0]}", self: { displayName: "Kim" }) { registration { status waitlistPosition } } }`, {})
  t.same(wait.data.registerForEvent.registration, { status: 'WAITLISTED', waitlistPosition: 1 })
  const query = `{ events(first: 50) { nodes { id attendance { registered waitlisted capacity placesLeft } registrations { nodes { displayName status participant { displayName } } } } } }`
  database.statements.count = 0
  const asPublic = await gql(query, {})
  const publicStatements = database.statements.count
  t.same(asPublic.errors, undefined)
  const first = asPublic.data.events.nodes.find((n: { id: string }) => n.id === ids[0])
  t.same(first.attendance, { registered: 1, waitlisted: 1, capacity: 1, placesLeft: 0 })
  t.equal(first.registrations, null, 'the public sees no attendee list')
  t.ok(publicStatements <= 6, `${publicStatements} statements for the page, counts included`)
  const asStaff = await gql(query)
  const staffFirst = asStaff.data.events.nodes.find((n: { id: string }) => n.id === ids[0])
  t.same(staffFirst.registrations.nodes.map((r: { displayName: string }) => r.displayName).sort(), ['Kim', 'Luis'])
  t.equal(staffFirst.registrations.nodes[0].participant.displayName, staffFirst.registrations.nodes[0].displayName)
})
