// Events over REST: scheduling, reading, changing with ETags, commands and their guards, idempotent creates.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const json = (res: { body: string }) => JSON.parse(res.body)

t.test('when staff schedule an event, then it is readable by the public with an ETag and Location', async (t) => {
  const { app, fixtures } = await build(t)
  const staff = await bearer()
  const res = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ areaId: fixtures.areas.north.id }) })
  t.equal(res.statusCode, 201)
  const event = json(res)
  t.equal(res.headers.location, `/v1/events/${event.id}`)
  t.equal(res.headers.etag, '"1"')
  t.equal(event.startsAt, '2027-03-10T09:00:00-05:00', 'times keep the agency zone offset')
  t.equal(event.timeZone, 'America/New_York', 'the agency zone is the default')
  t.equal(event.areaId, fixtures.areas.north.id)

  const read = await app.inject({ method: 'GET', url: `/v1/events/${event.id}` })
  t.equal(read.statusCode, 200)
  t.match(read.headers['content-type'], /^application\/json/)
  t.equal(read.headers.etag, '"1"')
  t.same(json(read), event)
})

t.test('when the caller prefers Spanish, then title and Content-Language follow, falling back to the agency default', async (t) => {
  const { app } = await build(t)
  const { id } = json(await app.inject({ method: 'POST', url: '/v1/events', headers: await bearer(), payload: eventBody() }))
  const es = await app.inject({ method: 'GET', url: `/v1/events/${id}`, headers: { 'accept-language': 'es-MX, en;q=0.5' } })
  t.equal(json(es).title, 'Café con un policía')
  t.equal(es.headers['content-language'], 'es, en', 'the title in Spanish, the description (only in English) in English')
  const vi = await app.inject({ method: 'GET', url: `/v1/events/${id}`, headers: { 'accept-language': 'vi' } })
  t.equal(json(vi).title, 'Coffee with a Cop', 'no Vietnamese title: the agency default (en) is used')
  t.equal(vi.headers['content-language'], 'en')
})

t.test('when a create is retried with the same Idempotency-Key, then nothing new is created', async (t) => {
  const { app } = await build(t)
  const headers = { ...(await bearer()), 'idempotency-key': 'create-coffee-1' }
  const first = await app.inject({ method: 'POST', url: '/v1/events', headers, payload: eventBody() })
  const again = await app.inject({ method: 'POST', url: '/v1/events', headers, payload: eventBody() })
  t.equal(first.statusCode, 201)
  t.equal(again.statusCode, 201)
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.same(json(again), json(first), 'the first response is replayed')
  const list = json(await app.inject({ method: 'GET', url: '/v1/events' }))
  t.equal(list.data.length, 1, 'one event exists')

  const different = await app.inject({ method: 'POST', url: '/v1/events', headers, payload: eventBody({ capacity: 99 }) })
  t.equal(different.statusCode, 422)
  t.equal(json(different).code, 'IDEMPOTENCY_KEY_REUSED')
  t.equal(json(await app.inject({ method: 'GET', url: '/v1/events' })).data.length, 1, 'still one event')

  const otherUser = await app.inject({ method: 'POST', url: '/v1/events', headers: { ...(await bearer({ sub: 'user-2' })), 'idempotency-key': 'create-coffee-1' }, payload: eventBody() })
  t.equal(otherUser.statusCode, 201, 'keys are scoped per caller')
  t.not(json(otherUser).id, json(first).id)
})

t.test('when an update carries a stale or no If-Match, then it is refused and nothing changes', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const { id } = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody() }))
  const noMatch = await app.inject({ method: 'PATCH', url: `/v1/events/${id}`, headers: staff, payload: { capacity: 50 } })
  t.equal(noMatch.statusCode, 428)
  t.equal(json(noMatch).code, 'PRECONDITION_REQUIRED')

  const ok = await app.inject({ method: 'PATCH', url: `/v1/events/${id}`, headers: { ...staff, 'if-match': '"1"' }, payload: { capacity: 50, hostUnit: 'District 1 Command' } })
  t.equal(ok.statusCode, 200)
  t.equal(ok.headers.etag, '"2"')
  t.equal(json(ok).capacity, 50)
  t.equal(json(ok).sequence, 1, 'SEQUENCE rises so calendars refresh')

  const stale = await app.inject({ method: 'PATCH', url: `/v1/events/${id}`, headers: { ...staff, 'if-match': '"1"' }, payload: { capacity: 70 } })
  t.equal(stale.statusCode, 412)
  t.equal(json(stale).code, 'PRECONDITION_FAILED')
  t.equal(json(await app.inject({ method: 'GET', url: `/v1/events/${id}` })).capacity, 50, 'the stale write changed nothing')
})

t.test('when commands move an event through its life, then only valid transitions are allowed', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const ifMatch = (v: number) => ({ ...staff, 'if-match': `"${v}"` })
  // Before TEST_NOW: an event that has happened.
  const past = eventBody({ startsAt: '2026-01-10T09:00:00-05:00', endsAt: '2026-01-10T10:00:00-05:00' })
  const { id } = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: past }))

  const postponed = await app.inject({ method: 'POST', url: `/v1/events/${id}/postpone`, headers: ifMatch(1), payload: { reason: 'Snow storm' } })
  t.equal(json(postponed).status, 'postponed')
  t.equal(json(postponed).statusReason, 'Snow storm')
  const rescheduled = await app.inject({
    method: 'POST',
    url: `/v1/events/${id}/reschedule`,
    headers: ifMatch(2),
    payload: { startsAt: '2026-01-17T09:00:00-05:00', endsAt: '2026-01-17T10:00:00-05:00' },
  })
  t.equal(json(rescheduled).status, 'scheduled')
  t.equal(json(rescheduled).startsAt, '2026-01-17T09:00:00-05:00')
  const completed = await app.inject({ method: 'POST', url: `/v1/events/${id}/complete`, headers: ifMatch(3) })
  t.equal(completed.statusCode, 200)
  t.equal(json(completed).status, 'completed')
  const cancelCompleted = await app.inject({ method: 'POST', url: `/v1/events/${id}/cancel`, headers: ifMatch(4), payload: {} })
  t.equal(cancelCompleted.statusCode, 409)
  t.equal(json(cancelCompleted).code, 'INVALID_TRANSITION')

  const { id: other } = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody() }))
  t.equal(json(await app.inject({ method: 'POST', url: `/v1/events/${other}/cancel`, headers: ifMatch(1), payload: { reason: 'Venue closed' } })).status, 'cancelled')
  const completeCancelled = await app.inject({ method: 'POST', url: `/v1/events/${other}/complete`, headers: ifMatch(2) })
  t.equal(completeCancelled.statusCode, 409, 'completing a cancelled event is a conflict')
  t.equal(completeCancelled.headers['content-type'], 'application/problem+json; charset=utf-8')

  const { id: future } = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody() }))
  const early = await app.inject({ method: 'POST', url: `/v1/events/${future}/complete`, headers: ifMatch(1) })
  t.equal(early.statusCode, 409, 'an event cannot be completed before it starts')
})

t.test('when a draft is scheduled, then only its agency staff see it until it is published', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const { id } = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ draft: true }) }))
  t.equal((await app.inject({ method: 'GET', url: `/v1/events/${id}` })).statusCode, 404, 'the public cannot see a draft')
  t.equal((await app.inject({ method: 'GET', url: `/v1/events/${id}`, headers: await bearer({ agency: 'lakeside' }) })).statusCode, 404, 'nor can another agency')
  t.equal((await app.inject({ method: 'GET', url: `/v1/events/${id}`, headers: staff })).statusCode, 200)
  t.equal(json(await app.inject({ method: 'GET', url: '/v1/events' })).data.length, 0)
  const published = await app.inject({ method: 'POST', url: `/v1/events/${id}/publish`, headers: { ...staff, 'if-match': '"1"' } })
  t.equal(json(published).status, 'scheduled')
  t.equal(json(await app.inject({ method: 'GET', url: '/v1/events' })).data.length, 1)
})

t.test('when another agency or a non-staff caller tries to change an event, then it is refused', async (t) => {
  const { app } = await build(t)
  const { id } = json(await app.inject({ method: 'POST', url: '/v1/events', headers: await bearer(), payload: eventBody() }))
  const otherAgency = await app.inject({ method: 'PATCH', url: `/v1/events/${id}`, headers: { ...(await bearer({ agency: 'lakeside' })), 'if-match': '"1"' }, payload: { capacity: 1 } })
  t.equal(otherAgency.statusCode, 404, "another agency's event is not found, not forbidden")
  const anonymous = await app.inject({ method: 'POST', url: '/v1/events', payload: eventBody() })
  t.equal(anonymous.statusCode, 401)
  t.equal(json(anonymous).code, 'UNAUTHENTICATED')
  const analyst = await app.inject({ method: 'POST', url: '/v1/events', headers: await bearer({ role: 'analyst' }), payload: eventBody() })
  t.equal(analyst.statusCode, 403)
  const areaOfOther = await app.inject({ method: 'POST', url: '/v1/events', headers: await bearer(), payload: eventBody({ areaId: '00000000-0000-4000-8000-000000000000' }) })
  t.equal(areaOfOther.statusCode, 400)
  t.equal(json(areaOfOther).errors[0].field, 'areaId')
  t.equal(json(await app.inject({ method: 'GET', url: `/v1/events/${id}` })).capacity, 40, 'nothing changed')
})

t.test('when If-Match is "*" or a list, then it matches as RFC 9110 says', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const { id } = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody() }))
  const any = await app.inject({ method: 'PATCH', url: `/v1/events/${id}`, headers: { ...staff, 'if-match': '*' }, payload: { capacity: 41 } })
  t.equal(any.statusCode, 200, '"*" matches any current version')
  const list = await app.inject({ method: 'PATCH', url: `/v1/events/${id}`, headers: { ...staff, 'if-match': '"1", "2"' }, payload: { capacity: 42 } })
  t.equal(list.statusCode, 200, 'a list matches when it holds the current version')
  const weak = await app.inject({ method: 'PATCH', url: `/v1/events/${id}`, headers: { ...staff, 'if-match': 'W/"3"' }, payload: { capacity: 43 } })
  t.equal(weak.statusCode, 412, 'a weak ETag never matches')
  t.equal(json(await app.inject({ method: 'GET', url: `/v1/events/${id}` })).capacity, 42)
})

t.test('when translations use odd casing or lack a description language, then negotiation still finds the best text', async (t) => {
  const { app } = await build(t)
  const body = eventBody({ title: { EN: 'Town hall', 'es-mx': 'Asamblea' }, description: { en: 'Only in English' } })
  const created = json(await app.inject({ method: 'POST', url: '/v1/events', headers: await bearer(), payload: body }))
  t.same(Object.keys(created.translations.title).sort(), ['en', 'es-MX'], 'tags are stored in canonical case')
  const es = await app.inject({ method: 'GET', url: `/v1/events/${created.id}`, headers: { 'accept-language': 'es' } })
  t.equal(json(es).title, 'Asamblea', 'es is served by es-MX')
  t.equal(es.headers['content-language'], 'es-MX, en', 'Content-Language names the language of each text')
  t.equal(json(es).description, 'Only in English', 'the description falls back on its own')
  t.equal(json(es).descriptionLanguage, 'en', 'and says so')
})
