// Attendance: registration within capacity then a waitlist, cancellation promotes, check-in with roles, head counts, counts for all.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const { app, database } = await build(t)
const staff = await bearer()
const analyst = await bearer({ role: 'analyst', sub: 'analyst-1' })

const schedule = async (overrides: Record<string, unknown> = {}) => {
  const res = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ registrationRequired: true, capacity: 2, ...overrides }) })
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json()
}
const register = (eventId: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: `/v1/events/${eventId}/registrations`, headers, payload: body })
const someone = (n: number) => ({ displayName: `Person ${n}`, preferredLanguage: 'es', consents: { contact: true, dataUse: true }, contact: { email: `person${n}@example.org` } })

t.test('when more people register than there are places, then the rest are waitlisted in order, even all at once', async (t) => {
  const event = await schedule({ capacity: 3 })
  const answers = await Promise.all(Array.from({ length: 7 }, (_, i) => register(event.id, someone(i))))
  t.same(answers.map((a) => a.statusCode), Array(7).fill(201))
  const statuses = answers.map((a) => a.json().status)
  t.equal(statuses.filter((s) => s === 'registered').length, 3, 'exactly the capacity is registered')
  t.equal(statuses.filter((s) => s === 'waitlisted').length, 4)
  t.same(answers.map((a) => a.json().waitlistPosition).filter((p) => p !== null).sort(), [1, 2, 3, 4])
  t.equal(answers[0]!.json().displayName, null, 'the public answer names no one')
  const counts = await app.inject({ method: 'GET', url: `/v1/events/${event.id}/attendance` })
  t.equal(counts.statusCode, 200)
  t.same(counts.json(), { eventId: event.id, capacity: 3, placesLeft: 0, registered: 3, waitlisted: 4, attended: 0, headCount: null })
  const [audit] = await database.raw<{ actor_kind: string; actor_subject: string | null }>(`select actor_kind, actor_subject from audit_events where action = 'attendance.registered' limit 1`)
  t.same(audit, { actor_kind: 'public', actor_subject: null }, 'a public registration is audited without a subject')
})

t.test('when a registered person cancels, then the first on the waitlist gets the place', async (t) => {
  const event = await schedule()
  const regs = []
  for (let i = 0; i < 4; i++) regs.push((await register(event.id, someone(10 + i))).json())
  t.same(regs.map((r) => r.status), ['registered', 'registered', 'waitlisted', 'waitlisted'])
  const url = `/v1/registrations/${regs[0].id}/cancel`
  t.equal((await app.inject({ method: 'POST', url, headers: { 'if-match': '"1"' } })).statusCode, 401)
  t.equal((await app.inject({ method: 'POST', url, headers: staff })).statusCode, 428)
  t.equal((await app.inject({ method: 'POST', url, headers: { ...staff, 'if-match': '"7"' } })).statusCode, 412)
  const cancelled = await app.inject({ method: 'POST', url, headers: { ...staff, 'if-match': '"1"' } })
  t.equal(cancelled.statusCode, 200, cancelled.body)
  t.equal(cancelled.json().status, 'cancelled')
  t.equal(cancelled.json().displayName, 'Person 10', 'staff see the name')
  const list = await app.inject({ method: 'GET', url: `/v1/events/${event.id}/registrations`, headers: staff })
  t.equal(list.statusCode, 200)
  const byId = new Map(list.json().data.map((r: { id: string; status: string; waitlistPosition: number | null }) => [r.id, r]))
  t.equal((byId.get(regs[2].id) as { status: string }).status, 'registered', 'the first waitlisted was promoted')
  t.same(byId.get(regs[3].id), { ...(byId.get(regs[3].id) as object), status: 'waitlisted', waitlistPosition: 1 })
  const waitlisted = await app.inject({ method: 'GET', url: `/v1/events/${event.id}/registrations?status=waitlisted`, headers: staff })
  t.same(waitlisted.json().data.map((r: { id: string }) => r.id), [regs[3].id])
  t.equal((await app.inject({ method: 'GET', url: `/v1/events/${event.id}/registrations` })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: `/v1/events/${event.id}/registrations`, headers: analyst })).statusCode, 403)
  t.equal((await app.inject({ method: 'GET', url: `/v1/events/${event.id}/registrations`, headers: await bearer({ agency: 'lakeside' }) })).statusCode, 404)
})

t.test('when an event takes no registrations, is a draft or has started, then registering is refused', async (t) => {
  const open = await schedule({ registrationRequired: false })
  const closed = await register(open.id, someone(20))
  t.equal(closed.statusCode, 409)
  t.equal(closed.json().code, 'REGISTRATION_CLOSED')
  const draft = await schedule({ draft: true })
  t.equal((await register(draft.id, someone(21))).statusCode, 404, 'a draft is not there for the public')
  t.equal((await register('00000000-0000-4000-8000-000000000000', someone(22))).statusCode, 404)
  const bad = await register(open.id, { displayName: 'X', contact: { email: 'x@example.org' } })
  t.equal(bad.statusCode, 400, 'a contact needs consent')
  t.equal((await register(open.id, { ...someone(23), age: 40 })).statusCode, 400, 'unknown fields are refused')
})

t.test('when staff register someone on record twice, then the second is a conflict; idempotent retries replay', async (t) => {
  const event = await schedule({ capacity: 10 })
  const p = (await app.inject({ method: 'POST', url: '/v1/participants', headers: staff, payload: { displayName: 'Known' } })).json()
  const first = await register(event.id, { participantId: p.id, role: 'speaker' }, staff)
  t.equal(first.statusCode, 201)
  t.equal(first.json().role, 'speaker')
  t.equal(first.json().displayName, 'Known')
  t.equal((await register(event.id, { participantId: p.id }, staff)).json().code, 'ALREADY_REGISTERED')
  t.equal((await register(event.id, { participantId: p.id })).statusCode, 401, 'the public cannot register someone else on record')
  const key = { 'idempotency-key': 'reg-1' }
  const once = await register(event.id, someone(30), key)
  const twice = await register(event.id, someone(30), key)
  t.equal(twice.headers['idempotent-replayed'], 'true')
  t.equal(twice.json().id, once.json().id)
})

t.test('when staff check people in and count heads, then counts reflect it and roles are kept', async (t) => {
  const event = await schedule({ capacity: 5 })
  const reg = (await register(event.id, someone(40))).json()
  const walkIn = (await app.inject({ method: 'POST', url: '/v1/participants', headers: staff, payload: { displayName: 'Officer Diaz' } })).json()
  const url = `/v1/events/${event.id}/check-ins`
  const checked = await app.inject({ method: 'POST', url, headers: staff, payload: { participantId: reg.participantId } })
  t.equal(checked.statusCode, 200, checked.body)
  t.equal(checked.json().status, 'attended')
  t.ok(checked.json().checkedInAt)
  const officer = await app.inject({ method: 'POST', url, headers: staff, payload: { participantId: walkIn.id, role: 'officer' } })
  t.equal(officer.json().role, 'officer')
  t.equal((await app.inject({ method: 'POST', url, headers: analyst, payload: { participantId: walkIn.id } })).statusCode, 403)
  t.equal((await app.inject({ method: 'POST', url, headers: staff, payload: { participantId: walkIn.id, role: 'mayor' } })).statusCode, 400)
  const counted = await app.inject({ method: 'POST', url: `/v1/events/${event.id}/head-counts`, headers: staff, payload: { count: 57, note: 'Main hall' } })
  t.equal(counted.statusCode, 201)
  t.equal(counted.json().count, 57)
  t.equal((await app.inject({ method: 'POST', url: `/v1/events/${event.id}/head-counts`, headers: staff, payload: { count: -1 } })).statusCode, 400)
  t.equal((await app.inject({ method: 'POST', url: `/v1/events/${event.id}/head-counts`, payload: { count: 3 } })).statusCode, 401)
  const counts = (await app.inject({ method: 'GET', url: `/v1/events/${event.id}/attendance` })).json()
  t.same(counts, { eventId: event.id, capacity: 5, placesLeft: 3, registered: 2, waitlisted: 0, attended: 2, headCount: 57 })
})
