// Registrants follow their own registration with a private code: see it, cancel it (the waitlist moves up), ask for
// accommodations from the event's list or in words; staff see what was asked for per event. REST and GraphQL.
import t from 'tap'
import { sql } from 'drizzle-orm'
import { registrationCodes } from '../src/db/schema/index.ts'
import { hashOf } from '../src/modules/follow-up/tracking-code.ts'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const { app, database } = await build(t)
const staff = await bearer()
const event = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ capacity: 1, registrationRequired: true }) })).json()
const register = (name: string, extra: Record<string, unknown> = {}) =>
  app.inject({ method: 'POST', url: `/v1/events/${event.id}/registrations`, payload: { displayName: name, ...extra }, remoteAddress: `198.51.100.${name.length}` })

t.test('when someone registers themselves, then their code shows, cancels and changes the registration, and the waitlist moves up', async (t) => {
  const first = await register('Amina', { accommodations: ['sign_language_interpretation'], accommodationNote: 'I use a wheelchair too' })
  t.equal(first.statusCode, 201, first.body)
  t.equal(first.headers['cache-control'], 'no-store')
  const { registrationCode: code, registrationUrl, status, accommodations } = first.json()
  t.equal(status, 'registered')
  t.same(accommodations, ['sign_language_interpretation'])
  t.match(code, /^[A-Za-z0-9_-]{43}$/)
  t.equal(new URL(registrationUrl).pathname, `/v1/my-registrations/${code}`)
  const [stored] = await database.db.select().from(registrationCodes).where(sql`${registrationCodes.attendanceId} = ${first.json().id}::uuid`)
  t.equal(stored!.codeHash, hashOf(code), 'only the hash is kept')

  const second = (await register('Bashir Ali')).json()
  t.equal(second.status, 'waitlisted', 'capacity 1: the second waits')
  const own = await app.inject({ method: 'GET', url: `/v1/my-registrations/${second.registrationCode}` })
  t.match(own.json(), { status: 'waitlisted', waitlistPosition: 1, displayName: null })

  const asked = await app.inject({ method: 'PUT', url: `/v1/my-registrations/${second.registrationCode}/accommodations`, payload: { accommodations: ['step_free_access'], note: 'Childcare for a 4-year-old' } })
  t.equal(asked.statusCode, 200, asked.body)
  t.same(asked.json().accommodations, ['step_free_access'])
  const notOffered = await app.inject({ method: 'PUT', url: `/v1/my-registrations/${second.registrationCode}/accommodations`, payload: { accommodations: ['braille'] } })
  t.equal(notOffered.statusCode, 400)
  t.match(notOffered.json().errors[0], { field: 'accommodations.0', message: /not offered.*step_free_access/ })

  const requests = await app.inject({ method: 'GET', url: `/v1/events/${event.id}/accommodation-requests`, headers: staff })
  t.equal(requests.statusCode, 200, requests.body)
  t.same(requests.json().accommodations, [
    { accommodation: 'step_free_access', offered: true, registered: 0, waitlisted: 1 },
    { accommodation: 'sign_language_interpretation', offered: true, registered: 1, waitlisted: 0 },
  ])
  t.same(requests.json().notes.map((n: { note: string; status: string }) => [n.status, n.note]), [['registered', 'I use a wheelchair too'], ['waitlisted', 'Childcare for a 4-year-old']])
  for (const [who, headers, status] of [['public', {}, 401], ['partner', await bearer({ role: 'partner' }), 403], ['analyst', await bearer({ role: 'analyst' }), 403], ['staff elsewhere', await bearer({ agency: 'lakeside' }), 404]] as const)
    t.equal((await app.inject({ method: 'GET', url: `/v1/events/${event.id}/accommodation-requests`, headers })).statusCode, status, `${who}: ${status}`)

  const cancelled = await app.inject({ method: 'POST', url: `/v1/my-registrations/${code}/cancel` })
  t.equal(cancelled.statusCode, 200, cancelled.body)
  t.equal(cancelled.json().status, 'cancelled')
  t.equal((await app.inject({ method: 'GET', url: `/v1/my-registrations/${second.registrationCode}` })).json().status, 'registered', 'the first on the waitlist takes the freed place')
  t.equal((await app.inject({ method: 'POST', url: `/v1/my-registrations/${code}/cancel` })).json().status, 'cancelled', 'cancelling again is harmless')
  const late = await app.inject({ method: 'PUT', url: `/v1/my-registrations/${code}/accommodations`, payload: { accommodations: [] } })
  t.equal(late.json().code, 'INVALID_TRANSITION', 'a cancelled registration takes no requests')
  const after = (await app.inject({ method: 'GET', url: `/v1/events/${event.id}/accommodation-requests`, headers: staff })).json()
  t.same(after.notes.map((n: { status: string }) => n.status), ['registered'], 'cancelled requests drop out')
})

t.test('when codes or inputs are wrong, then the answer is a problem, never a 500', async (t) => {
  for (const code of ['x', 'A'.repeat(43)]) {
    t.equal((await app.inject({ method: 'GET', url: `/v1/my-registrations/${code}` })).json().code, 'REGISTRATION_NOT_FOUND')
    t.equal((await app.inject({ method: 'POST', url: `/v1/my-registrations/${code}/cancel` })).json().code, 'REGISTRATION_NOT_FOUND')
  }
  const someone = (await register('Chen Wei')).json()
  t.equal((await app.inject({ method: 'POST', url: `/v1/my-registrations/${someone.registrationCode}/cancel`, payload: { now: true } })).json().code, 'VALIDATION_FAILED')
  t.equal((await app.inject({ method: 'PUT', url: `/v1/my-registrations/${someone.registrationCode}/accommodations`, payload: { accommodations: ['teleportation'] } })).json().code, 'VALIDATION_FAILED')
  t.equal((await app.inject({ method: 'PUT', url: `/v1/my-registrations/${someone.registrationCode}/accommodations`, payload: { accommodations: ['braille', 'braille'] } })).json().code, 'VALIDATION_FAILED')
  t.equal((await register('Dana', { accommodations: ['braille'] })).json().code, 'VALIDATION_FAILED', 'registration checks the list too')
  t.equal((await app.inject({ method: 'GET', url: `/v1/events/not-a-uuid/accommodation-requests`, headers: staff })).statusCode, 404)
})

t.test('when staff register a participant on record, then no code is issued (it is not their own registration)', async (t) => {
  const person = (await app.inject({ method: 'POST', url: '/v1/participants', headers: staff, payload: { displayName: 'On record' } })).json()
  const res = await app.inject({ method: 'POST', url: `/v1/events/${event.id}/registrations`, headers: staff, payload: { participantId: person.id } })
  t.equal(res.statusCode, 201, res.body)
  t.notOk(res.json().registrationCode)
})

t.test('over GraphQL, a registrant sees, asks and cancels with the code, and staff read the requests', async (t) => {
  const reg = (await register('Eun-ji Park')).json()
  const gql = async (query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) => (await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables } })).json()
  const seen = await gql('query ($code: String!) { ownRegistration(code: $code) { status accommodations } }', { code: reg.registrationCode })
  t.same(seen.data.ownRegistration.accommodations, [])
  const asked = await gql('mutation ($code: String!) { requestAccommodations(code: $code, input: { accommodations: [STEP_FREE_ACCESS], note: "Near the door" }) { accommodations } }', { code: reg.registrationCode })
  t.same(asked.data.requestAccommodations.accommodations, ['STEP_FREE_ACCESS'])
  const read = await gql('query ($id: ID!) { accommodationRequests(eventId: $id) { accommodations { accommodation offered registered waitlisted } notes { registrationId status note } } }', { id: event.id }, staff)
  t.ok(read.data.accommodationRequests.notes.some((n: { note: string }) => n.note === 'Near the door'))
  const refused = await gql('query ($id: ID!) { accommodationRequests(eventId: $id) { eventId } }', { id: event.id })
  t.equal(refused.errors[0].extensions.code, 'UNAUTHENTICATED')
  const cancelled = await gql('mutation ($code: String!) { cancelOwnRegistration(code: $code) { status } }', { code: reg.registrationCode })
  t.equal(cancelled.data.cancelOwnRegistration.status, 'CANCELLED')
  const unknown = await gql('query ($code: String!) { ownRegistration(code: $code) { status } }', { code: 'nope' })
  t.equal(unknown.errors[0].extensions.code, 'REGISTRATION_NOT_FOUND')
})
