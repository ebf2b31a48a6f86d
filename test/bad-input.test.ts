// Bad input of every kind gets a 4xx RFC 9457 problem naming the field; never a 5xx, a stack trace or SQL.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const json = (res: { body: string }) => JSON.parse(res.body)
const leaks = /(\bat [\w.<>]+ \(|node_modules|\.ts:\d+|select |insert into|relation "|syntax error at)/i

t.test('when requests are malformed, then each gets the right problem and nothing is stored', async (t) => {
  const { app, database } = await build(t)
  const staff = await bearer()
  const jsonHeaders = { ...staff, 'content-type': 'application/json' }
  const huge = 'x'.repeat(300_000)
  const cases: { name: string; method?: 'POST' | 'GET' | 'PATCH' | 'PUT' | 'DELETE'; url?: string; headers?: Record<string, string>; payload?: unknown; status: number; code: string; field?: string }[] = [
    { name: 'bad JSON', payload: '{"title": ', headers: jsonHeaders, status: 400, code: 'MALFORMED_JSON' },
    { name: 'empty JSON body', payload: '', headers: jsonHeaders, status: 400, code: 'MALFORMED_JSON' },
    { name: 'a JSON array body', payload: '[]', headers: jsonHeaders, status: 400, code: 'VALIDATION_FAILED' },
    { name: 'unknown field', payload: eventBody({ organizerEmail: 'x@example.org' }), status: 400, code: 'VALIDATION_FAILED', field: 'organizerEmail' },
    { name: 'read-only field', payload: eventBody({ id: '00000000-0000-4000-8000-000000000000' }), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'status is not settable on create', payload: eventBody({ status: 'completed' }), status: 400, code: 'VALIDATION_FAILED' },
    { name: 'wrong type', payload: eventBody({ capacity: 'forty' }), status: 400, code: 'VALIDATION_FAILED', field: 'capacity' },
    { name: 'unknown enum value', payload: eventBody({ format: 'telepathy' }), status: 400, code: 'VALIDATION_FAILED', field: 'format' },
    { name: 'unknown accommodation', payload: eventBody({ accommodations: ['jetpack'] }), status: 400, code: 'VALIDATION_FAILED', field: 'accommodations.0' },
    { name: 'oversize string', payload: eventBody({ title: { en: 'x'.repeat(201) } }), status: 400, code: 'VALIDATION_FAILED', field: 'title.en' },
    { name: 'bad language tag', payload: eventBody({ languages: ['english!'] }), status: 400, code: 'VALIDATION_FAILED', field: 'languages.0' },
    { name: 'impossible date', payload: eventBody({ startsAt: '2027-02-30T09:00:00-05:00' }), status: 400, code: 'VALIDATION_FAILED', field: 'startsAt' },
    { name: 'date without offset', payload: eventBody({ startsAt: '2027-03-10T09:00:00' }), status: 400, code: 'VALIDATION_FAILED', field: 'startsAt' },
    { name: 'end before start', payload: eventBody({ endsAt: '2027-03-10T08:00:00-05:00' }), status: 400, code: 'VALIDATION_FAILED', field: 'endsAt' },
    { name: 'virtual without a way in', payload: eventBody({ format: 'virtual' }), status: 400, code: 'VALIDATION_FAILED', field: 'online' },
    { name: 'bad time zone', payload: eventBody({ timeZone: 'Mars/Olympus_Mons' }), status: 400, code: 'VALIDATION_FAILED', field: 'timeZone' },
    { name: 'join URL that is not http(s)', payload: eventBody({ format: 'hybrid', online: { joinUrl: 'javascript:alert(1)' } }), status: 400, code: 'VALIDATION_FAILED', field: 'online.joinUrl' },
    { name: 'latitude out of range', payload: eventBody({ venue: { name: 'Hall', geo: { latitude: 123, longitude: 0 } } }), status: 400, code: 'VALIDATION_FAILED', field: 'venue.geo.latitude' },
    { name: 'oversize body', payload: JSON.stringify(eventBody({ description: { en: huge } })), headers: jsonHeaders, status: 413, code: 'PAYLOAD_TOO_LARGE' },
    { name: 'unsupported media type', payload: 'title=x', headers: { ...staff, 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'bad Idempotency-Key', payload: eventBody(), headers: { ...staff, 'idempotency-key': 'has spaces in it' }, status: 400, code: 'VALIDATION_FAILED', field: 'Idempotency-Key' },
    { name: 'bad recurrence rule', url: '/v1/series', payload: { title: { en: 'S' }, kind: 'listening_session', format: 'in_person', venue: { name: 'Hall' }, recurrence: { rule: 'FREQ=SOMETIMES', start: '2027-01-12T18:30', durationMinutes: 90 } }, status: 400, code: 'VALIDATION_FAILED', field: 'recurrence.rule' },
    { name: 'recurrence rule with bad BYDAY', url: '/v1/series', payload: { title: { en: 'S' }, kind: 'listening_session', format: 'in_person', venue: { name: 'Hall' }, recurrence: { rule: 'FREQ=MONTHLY;BYDAY=9XX', start: '2027-01-12T18:30', durationMinutes: 90 } }, status: 400, code: 'VALIDATION_FAILED', field: 'recurrence.rule' },
    { name: 'recurrence that never occurs', url: '/v1/series', payload: { title: { en: 'S' }, kind: 'listening_session', format: 'in_person', venue: { name: 'Hall' }, recurrence: { rule: 'FREQ=MONTHLY;UNTIL=20200101T000000Z', start: '2027-01-12T18:30', durationMinutes: 90 } }, status: 400, code: 'VALIDATION_FAILED', field: 'recurrence.rule' },
    { name: 'impossible local start', url: '/v1/series', payload: { title: { en: 'S' }, kind: 'listening_session', format: 'in_person', venue: { name: 'Hall' }, recurrence: { rule: 'FREQ=MONTHLY', start: '2027-02-30T18:30', durationMinutes: 90 } }, status: 400, code: 'VALIDATION_FAILED', field: 'recurrence.start' },
    { name: 'unknown cursor', method: 'GET', url: '/v1/events?cursor=bm90LWEtY3Vyc29y', status: 400, code: 'INVALID_CURSOR' },
    { name: 'garbage cursor', method: 'GET', url: '/v1/events?cursor=%%%', status: 400, code: 'INVALID_CURSOR' },
    { name: 'limit too large', method: 'GET', url: '/v1/events?limit=100000', status: 400, code: 'VALIDATION_FAILED', field: 'limit' },
    { name: 'limit not a number', method: 'GET', url: '/v1/events?limit=ten', status: 400, code: 'VALIDATION_FAILED', field: 'limit' },
    { name: 'unknown query parameter', method: 'GET', url: '/v1/events?colour=blue', status: 400, code: 'VALIDATION_FAILED', field: 'colour' },
    { name: 'title in no language', payload: eventBody({ title: {} }), status: 400, code: 'VALIDATION_FAILED', field: 'title' },
    { name: 'plain-text body', payload: 'hello', headers: { ...staff, 'content-type': 'text/plain' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'bad date filter', method: 'GET', url: '/v1/events?from=yesterday', status: 400, code: 'VALIDATION_FAILED', field: 'from' },
    { name: 'bad enum filter', method: 'GET', url: '/v1/events?status=finished', status: 400, code: 'VALIDATION_FAILED', field: 'status.0' },
    { name: 'repeated single parameter', method: 'GET', url: '/v1/events?limit=1&limit=2', status: 400, code: 'VALIDATION_FAILED' },
    { name: 'id that is not a UUID', method: 'GET', url: '/v1/events/not-a-uuid', status: 404, code: 'EVENT_NOT_FOUND' },
    { name: 'unknown id', method: 'GET', url: '/v1/events/00000000-0000-4000-8000-000000000000', status: 404, code: 'EVENT_NOT_FOUND' },
    { name: 'unknown route', method: 'GET', url: '/v1/nothing-here', status: 404, code: 'ROUTE_NOT_FOUND' },
    { name: 'wrong method', method: 'DELETE', url: '/v1/events', status: 405, code: 'METHOD_NOT_ALLOWED' },
    { name: 'malformed If-Match', method: 'PATCH', url: '/v1/events/00000000-0000-4000-8000-000000000000', headers: { ...staff, 'if-match': 'W/"1"' }, payload: { capacity: 3 }, status: 412, code: 'PRECONDITION_FAILED' },
    { name: 'malformed Authorization', headers: { authorization: 'Basic dXNlcjpwYXNz' }, payload: eventBody(), status: 401, code: 'UNAUTHENTICATED' },
    { name: 'token that is not a JWT', headers: { authorization: 'Bearer not.a.jwt' }, payload: eventBody(), status: 401, code: 'UNAUTHENTICATED' },
    { name: 'token in the query string', method: 'GET', url: '/v1/events?access_token=abc', status: 401, code: 'UNAUTHENTICATED' },
  ]
  for (const c of cases) {
    const res = await app.inject({
      method: c.method ?? 'POST',
      url: c.url ?? '/v1/events',
      headers: c.headers ?? staff,
      ...(c.payload !== undefined ? { payload: c.payload as string } : {}),
    })
    const body = json(res)
    t.equal(res.statusCode, c.status, `${c.name}: status ${c.status}`)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', `${c.name}: a problem document`)
    t.equal(body.code, c.code, `${c.name}: code ${c.code}`)
    t.equal(body.status, c.status, `${c.name}: status in the body`)
    t.ok(body.type && body.title && body.detail, `${c.name}: type, title and detail`)
    t.notMatch(res.body, leaks, `${c.name}: no stack trace or SQL`)
    if (c.field) t.ok(body.errors?.some((e: { field: string }) => e.field === c.field), `${c.name}: names ${c.field} (got ${JSON.stringify(body.errors)})`)
    if (c.status === 405) t.equal(res.headers.allow, 'GET, HEAD, POST', `${c.name}: Allow lists the methods`)
  }
  const [{ n }] = await database.raw<{ n: number }>('select count(*)::int as n from events')
  t.equal(n, 0, 'no bad request stored anything')
})
