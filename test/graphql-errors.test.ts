// GraphQL errors carry the REST error codes in extensions.code, with HTTP statuses per GraphQL over HTTP, and leak nothing.
import type { FastifyInstance } from 'fastify'
import { GraphQLError } from 'graphql'
import type { MercuriusContext } from 'mercurius'
import t from 'tap'
import { formatErrors } from '../src/http/graphql/graphql-errors.ts'
import { QUERY_DEPTH_LIMIT } from '../src/http/graphql/graphql-plugin.ts'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

type GraphqlError = { message: string; path?: (string | number)[]; locations?: unknown[]; extensions: { code: string; errors?: { field: string; message: string }[] } }

/** Every error body seen in this file, checked at the end for stack frames and SQL. */
const seen: string[] = []

async function graphql(app: FastifyInstance, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables } })
  seen.push(res.body)
  const body = res.json() as { data?: any; errors?: GraphqlError[] }
  return { status: res.statusCode, contentType: res.headers['content-type'], body, data: body.data, errors: body.errors ?? [] }
}

const SCHEDULE = `mutation ($input: ScheduleEventInput!) { scheduleEvent(input: $input) { event { id version status } } }`
const input = (overrides: Record<string, unknown> = {}) => ({
  title: [{ language: 'en', text: 'Coffee with a Cop' }],
  kind: 'COFFEE_WITH_AN_OFFICER',
  format: 'IN_PERSON',
  startsAt: '2027-03-10T09:00:00-05:00',
  endsAt: '2027-03-10T10:30:00-05:00',
  venue: { name: 'Corner Café' },
  ...overrides,
})

t.test('mutation errors', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const scheduled = await graphql(app, SCHEDULE, { input: input() }, staff)
  const { id, version } = scheduled.data.scheduleEvent.event

  t.test('when expectedVersion is stale, then PRECONDITION_FAILED and nothing changes', async (t) => {
    const res = await graphql(app, `mutation ($id: ID!) { cancelEvent(id: $id, expectedVersion: 99) { status } }`, { id }, staff)
    t.equal(res.status, 200)
    t.match(res.contentType, /^application\/json/)
    t.same(res.data, { cancelEvent: null })
    t.equal(res.errors.length, 1)
    t.match(res.errors[0], { message: /version 1/, path: ['cancelEvent'], extensions: { code: 'PRECONDITION_FAILED' } })
    t.equal((await app.inject({ method: 'GET', url: `/v1/events/${id}` })).json().status, 'scheduled')
  })

  t.test('when a cancelled event is completed, then INVALID_TRANSITION', async (t) => {
    const cancelled = await graphql(app, `mutation ($id: ID!, $v: Int!) { cancelEvent(id: $id, expectedVersion: $v) { version } }`, { id, v: version }, staff)
    const res = await graphql(app, `mutation ($id: ID!, $v: Int!) { completeEvent(id: $id, expectedVersion: $v) { status } }`, { id, v: cancelled.data.cancelEvent.version }, staff)
    t.equal(res.status, 200)
    t.match(res.errors, [{ extensions: { code: 'INVALID_TRANSITION' }, message: /cancelled event cannot be completed/ }])
  })

  t.test('when endsAt is before startsAt, then VALIDATION_FAILED lists the field', async (t) => {
    const res = await graphql(app, SCHEDULE, { input: input({ endsAt: '2027-03-10T08:00:00-05:00' }) }, staff)
    t.equal(res.status, 200)
    t.same(res.data, { scheduleEvent: null })
    t.equal(res.errors[0]!.extensions.code, 'VALIDATION_FAILED')
    t.same(res.errors[0]!.extensions.errors, [{ field: 'endsAt', message: 'must be after startsAt' }])
  })

  t.test('when an in-person event has no venue and a title language twice, then each problem is named', async (t) => {
    const noVenue = await graphql(app, SCHEDULE, { input: input({ venue: null }) }, staff)
    t.same(noVenue.errors[0]!.extensions.errors?.map((e) => e.field), ['venue'])
    const twice = await graphql(app, SCHEDULE, { input: input({ title: [{ language: 'en', text: 'a' }, { language: 'en', text: 'b' }] }) }, staff)
    t.same(twice.errors[0]!.extensions, { code: 'VALIDATION_FAILED', errors: [{ field: 'title.en', message: 'is given more than once' }] })
  })

  t.test('when the id is unknown, then EVENT_NOT_FOUND (queries: the field is null)', async (t) => {
    const unknown = '00000000-0000-4000-8000-000000000000'
    const mutation = await graphql(app, `mutation ($id: ID!) { publishEvent(id: $id, expectedVersion: 1) { id } }`, { id: unknown }, staff)
    t.match(mutation.errors, [{ extensions: { code: 'EVENT_NOT_FOUND' } }])
    const query = await graphql(app, `query ($id: ID!) { event(id: $id) { id } }`, { id: 'not-a-uuid' })
    t.equal(query.status, 200)
    t.same(query.data, { event: null })
    t.match(query.errors, [{ message: 'The event was not found', path: ['event'], extensions: { code: 'EVENT_NOT_FOUND' } }])
    const series = await graphql(app, `query ($id: ID!) { seriesById(id: $id) { id } }`, { id: unknown })
    t.match(series.errors, [{ extensions: { code: 'SERIES_NOT_FOUND' } }])
    const agency = await graphql(app, `{ agency(slug: "nowhere") { id } }`)
    t.match(agency.errors, [{ extensions: { code: 'AGENCY_NOT_FOUND' } }])
  })

  t.test('when there is no token, then UNAUTHENTICATED; other roles are FORBIDDEN', async (t) => {
    const res = await graphql(app, SCHEDULE, { input: input() })
    t.equal(res.status, 200)
    t.match(res.errors, [{ extensions: { code: 'UNAUTHENTICATED' } }])
    const analyst = await graphql(app, SCHEDULE, { input: input() }, await bearer({ role: 'analyst' }))
    t.match(analyst.errors, [{ extensions: { code: 'FORBIDDEN' } }])
  })

  t.test('when a field inside a list fails, then its error path holds integer list indices', async (t) => {
    const series = await graphql(
      app,
      `mutation ($input: CreateSeriesInput!) { createSeries(input: $input) { series { id } } }`,
      { input: { ...input({ startsAt: undefined, endsAt: undefined }), recurrence: { rule: 'FREQ=WEEKLY;COUNT=2', start: '2027-09-07T18:00', durationMinutes: 60 } } },
      staff,
    )
    t.same(series.errors, [])
    const res = await graphql(app, `{ events(filter: { seriesId: "${series.data.createSeries.series.id}" }) { nodes { series { occurrences(after: "bad") { nodes { id } } } } } }`)
    t.equal(res.status, 200)
    t.equal(res.errors.length, 2)
    t.match(res.errors[0], { path: ['events', 'nodes', 0, 'series', 'occurrences'], extensions: { code: 'INVALID_CURSOR' } })
    t.same(res.data.events.nodes, [{ series: null }, { series: null }])
  })

  t.test('when one of two mutations fails, then the other result is still returned', async (t) => {
    const res = await graphql(app, `mutation ($in: ScheduleEventInput!) { ok: scheduleEvent(input: $in) { event { id } } bad: publishEvent(id: "x", expectedVersion: 1) { id } }`, { in: input() }, staff)
    t.ok(res.data.ok.event.id)
    t.equal(res.data.bad, null)
    t.match(res.errors, [{ path: ['bad'], extensions: { code: 'EVENT_NOT_FOUND' } }])
  })
})

t.test('request errors', async (t) => {
  const { app } = await build(t)

  t.test('when the token is bad, then HTTP 401 with a GraphQL error UNAUTHENTICATED', async (t) => {
    const res = await graphql(app, `{ agencies { slug } }`, {}, { authorization: 'Bearer not.a.token' })
    t.equal(res.status, 401)
    t.match(res.contentType, /^application\/json/)
    t.equal(res.body.data, undefined)
    t.match(res.errors, [{ extensions: { code: 'UNAUTHENTICATED' } }])
    const expired = await graphql(app, `{ agencies { slug } }`, {}, await bearer({ expiresIn: '-1h' }))
    t.equal(expired.status, 401)
    t.match(expired.errors, [{ extensions: { code: 'UNAUTHENTICATED' } }])
  })

  t.test('when the document does not parse, then HTTP 400 GRAPHQL_PARSE_FAILED', async (t) => {
    const res = await graphql(app, `{ events { nodes { id }`)
    t.equal(res.status, 400)
    t.equal(res.body.data, undefined)
    t.match(res.errors, [{ message: /^Syntax Error/, locations: [{ line: 1 }], extensions: { code: 'GRAPHQL_PARSE_FAILED' } }])
  })

  t.test('when the document does not validate, then HTTP 400 GRAPHQL_VALIDATION_FAILED for each problem', async (t) => {
    const one = await graphql(app, `{ events { nodes { id secret } } }`)
    t.equal(one.status, 400)
    t.match(one.errors, [{ message: /Cannot query field "secret"/, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }])
    const two = await graphql(app, `{ events { nodes { secret } } agency { id } }`)
    t.equal(two.status, 400)
    t.equal(two.errors.length, 2)
    t.ok(two.errors.every((e) => e.extensions.code === 'GRAPHQL_VALIDATION_FAILED'))
  })

  t.test('when an input has an unknown field or a bad enum or date, then HTTP 400 GRAPHQL_VALIDATION_FAILED', async (t) => {
    const staff = await bearer()
    const unknownField = await graphql(app, SCHEDULE, { input: { ...input(), status: 'COMPLETED' } }, staff)
    t.equal(unknownField.status, 400)
    t.match(unknownField.errors, [{ message: /status/, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }])
    const lowercase = await graphql(app, SCHEDULE, { input: input({ format: 'in_person' }) }, staff)
    t.match(lowercase.errors, [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }])
    const badDate = await graphql(app, `{ events(filter: { from: "next tuesday" }) { nodes { id } } }`)
    t.equal(badDate.status, 400)
    t.match(badDate.errors, [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }])
    const missingVariable = await graphql(app, `query ($id: ID!) { event(id: $id) { id } }`)
    t.equal(missingVariable.status, 400)
    t.match(missingVariable.errors, [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }])
  })

  t.test('when a query nests deeper than the limit, then it is refused before it runs', async (t) => {
    const res = await graphql(app, `{ events { nodes { series { occurrences { nodes { series { occurrences { nodes { agency { areas { agency { slug } } } } } } } } } } } }`)
    t.equal(res.status, 400)
    t.match(res.errors, [{ message: `The document nests 11 levels deep; the limit is ${QUERY_DEPTH_LIMIT}`, locations: [{ line: 1 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }])
    const introspection = await graphql(app, `{ __schema { types { ${'fields { type { '.repeat(10)} name ${'} } '.repeat(10)} } } }`)
    t.equal(introspection.status, 400, 'introspection has a limit of its own')
    t.match(introspection.errors, [{ message: /introspection nests \d+ levels deep/, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }])
  })

  t.test('when a mutation is sent with GET, then HTTP 405', async (t) => {
    const res = await app.inject({ method: 'GET', url: `/graphql?query=${encodeURIComponent('mutation { publishEvent(id: "x", expectedVersion: 1) { id } }')}` })
    seen.push(res.body)
    t.equal(res.statusCode, 405)
    t.match(res.json(), { errors: [{ extensions: { code: 'METHOD_NOT_ALLOWED' } }] })
  })

  t.test('when a query is sent with GET, then it runs', async (t) => {
    const res = await app.inject({ method: 'GET', url: `/graphql?query=${encodeURIComponent('{ agencies { slug } }')}` })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { data: { agencies: [{ slug: 'lakeside' }, { slug: 'metro' }] } })
  })

  t.test('when the body is not JSON, then HTTP 400 MALFORMED_JSON', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' }, payload: '{"query": ' })
    seen.push(res.body)
    t.equal(res.statusCode, 400)
    t.match(res.json(), { errors: [{ extensions: { code: 'MALFORMED_JSON' } }] })
  })

  t.test('when requests are batched, then they are refused', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/graphql', payload: [{ query: '{ agencies { slug } }' }, { query: '{ agencies { id } }' }] })
    seen.push(res.body)
    t.equal(res.statusCode, 400)
    t.match(res.json(), { errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] })
  })
})

t.test('when a resolver fails unexpectedly, then INTERNAL with a generic message, and the error is logged', async (t) => {
  const logged: unknown[] = []
  const log = { error: (obj: unknown) => logged.push(obj), warn: () => {}, info: () => {}, debug: () => {} }
  const context = { reply: { request: { log } } } as unknown as MercuriusContext
  const boom = new Error('relation "events" does not exist: select * from events where id = $1')
  boom.stack = `${boom.message}\n    at query (/app/node_modules/pg/lib/client.js:1:1)`
  const error = new GraphQLError(boom.message, { path: ['events'], originalError: boom })
  const { statusCode, response } = formatErrors({ data: { events: null }, errors: [error] }, context)
  t.equal(statusCode, 200)
  t.same(response, {
    data: { events: null },
    errors: [{ message: 'An unexpected error occurred; it has been logged with the request id', path: ['events'], extensions: { code: 'INTERNAL' } }],
  })
  t.equal(logged.length, 1)
  t.match(logged[0], { err: boom })
  seen.push(JSON.stringify(response))
})

t.test('when any error above was answered, then no message carries a stack frame or SQL', async (t) => {
  t.ok(seen.length > 15, `${seen.length} error bodies checked`)
  for (const body of seen) {
    t.notMatch(body, /\bat [^\s]+ \(|\.(ts|js):\d+:\d+/, 'no stack frames')
    t.notMatch(body, /\b(select|insert into|update \w+ set|delete from)\b/i, 'no SQL')
    t.notMatch(body, /drizzle|pglite|postgres|node_modules/i, 'no internals')
  }
})
