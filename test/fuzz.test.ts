// Property: whatever a caller sends, the answer is a 2xx or a 4xx problem, never a 5xx, a stack trace or SQL.
import fc from 'fast-check'
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'
import { assertProperty } from './helpers/property.ts'

const leaks = /(\bat [\w.<>]+ \(|node_modules|\.ts:\d+|select |insert into|relation "|syntax error at)/i

t.test('when random bodies, queries and variables arrive, then no answer is a 5xx', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const base = eventBody()
  const keys = Object.keys(base)
  // Mostly-valid bodies with one field replaced by anything: the shapes that reach deepest into validation.
  const mutatedBody = fc.record({ key: fc.constantFrom(...keys, 'extra'), value: fc.anything({ maxDepth: 2 }) }).map(({ key, value }) => ({ ...base, [key]: value }))
  const anyJson = fc.jsonValue({ maxDepth: 3 })
  const queryValue = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('2027-02-30', '-1', '1e9', 'null', '%', 'in_person,', ','))
  const queryKey = fc.constantFrom('limit', 'cursor', 'from', 'to', 'status', 'areaId', 'format', 'kind', 'language', 'accommodation', 'topic', 'q', 'updatedSince', 'seriesId', 'agency')

  let requests = 0
  const answered = (status: number, body: string, what: string) => {
    requests++
    if (status >= 500 || leaks.test(body)) throw new Error(`${what} → ${status} ${body.slice(0, 300)}`)
  }
  await assertProperty(
    fc.asyncProperty(fc.oneof(mutatedBody, anyJson), async (body) => {
      const res = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: JSON.stringify(body) as never })
      answered(res.statusCode, res.body, `POST /v1/events ${JSON.stringify(body).slice(0, 200)}`)
    }),
    { numRuns: 300, seed: 101 },
  )
  await assertProperty(
    fc.asyncProperty(fc.array(fc.tuple(queryKey, queryValue), { maxLength: 4 }), async (pairs) => {
      const qs = new URLSearchParams(pairs).toString()
      const res = await app.inject({ method: 'GET', url: `/v1/events?${qs}` })
      answered(res.statusCode, res.body, `GET /v1/events?${qs}`)
    }),
    { numRuns: 300, seed: 102 },
  )
  await assertProperty(
    fc.asyncProperty(fc.dictionary(fc.constantFrom('first', 'after', 'filter', 'language', 'id'), anyJson, { maxKeys: 4 }), async (variables) => {
      const query = 'query Q($first: Int, $after: String, $filter: EventFilter, $language: String) { events(first: $first, after: $after, filter: $filter, language: $language) { edges { cursor node { id } } } }'
      const res = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json' }, payload: { query, variables } })
      answered(res.statusCode, res.body, `graphql ${JSON.stringify(variables).slice(0, 200)}`)
    }),
    { numRuns: 300, seed: 103 },
  )
  t.comment(`${requests} random requests, 0 answered with a 5xx or a leak`)
  t.equal(requests, 900)
})
