// Control characters are refused at every door with a 400 naming the field, never a 500 from the database.
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const feedback = { agency: 'metro', body: 'Street lights are out', language: 'en', topic: 'other' }
const form = { 'content-type': 'application/x-www-form-urlencoded' }

function refusedProblem(t: Test, res: Awaited<ReturnType<FastifyInstance['inject']>>, field: string, door: string) {
  t.equal(res.statusCode, 400, `${door}: 400`)
  t.match(res.headers['content-type'], /application\/problem\+json/, `${door}: a problem`)
  t.equal(res.json().code, 'VALIDATION_FAILED', `${door}: VALIDATION_FAILED`)
  t.same(res.json().errors.map((e: { field: string }) => e.field), [field], `${door}: names ${field}`)
}

t.test('when REST query strings and JSON bodies hold control characters, then they are refused with 400 naming the field', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  refusedProblem(t, await app.inject({ method: 'GET', url: '/v1/events?q=a%00b' }), 'q', 'a NUL in the search')
  refusedProblem(t, await app.inject({ method: 'GET', url: '/v1/feedback?topic=other%0D%0Ax' }), 'topic', 'a line break in a query value')
  refusedProblem(t, await app.inject({ method: 'GET', url: '/v1/events/a%00b' }), 'id', 'a NUL in a path parameter')
  refusedProblem(t, await app.inject({ method: 'POST', url: '/v1/feedback', payload: { ...feedback, body: 'call me at\u0000 555' } }), 'body', 'a NUL in running text')
  refusedProblem(t, await app.inject({ method: 'POST', url: '/v1/feedback', payload: { ...feedback, body: 'bell \u0007 ringing' } }), 'body', 'another C0 control in running text')
  refusedProblem(t, await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ title: { en: 'Coffee\r\nX-WR-CALNAME:evil' } }) }), 'title.en', 'a line break in a one-line field')
  refusedProblem(t, await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ title: { 'en\u0000': 'Coffee' } }) }), 'title.(key)', 'a NUL in an object key')
  refusedProblem(
    t,
    await app.inject({ method: 'POST', url: '/v1/feedback', payload: { ...feedback, contact: { email: 'someone@example.org\u0000', consentToContact: true } } }),
    'contact.email',
    'a NUL in a nested field',
  )

  // Running text keeps its tabs and line breaks; only the controls that mean nothing in text are refused.
  const multiLine = await app.inject({ method: 'POST', url: '/v1/feedback', payload: { ...feedback, body: 'First line\r\nsecond\tline' } })
  t.equal(multiLine.statusCode, 201, 'running text may have tabs and line breaks')
  const described = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ description: { en: 'Line one\nLine two' } }) })
  t.equal(described.statusCode, 201, 'so may a description')
})

t.test('when a form body holds a control character, then Open311 answers 400 in its own error shape naming the field', async (t) => {
  const { app } = await build(t)
  const payload = new URLSearchParams({ jurisdiction_id: 'metro', service_code: 'other', description: 'Broken light\u0000', address_string: '1 Main St' }).toString()
  const res = await app.inject({ method: 'POST', url: '/open311/v2/requests.json', headers: form, payload })
  t.equal(res.statusCode, 400)
  t.match(res.headers['content-type'], /application\/json/)
  const [error] = res.json()
  t.equal(error.code, 400, 'the GeoReport v2 error shape')
  t.match(error.description, /^description: /, 'naming the field')
  const address = new URLSearchParams({ jurisdiction_id: 'metro', service_code: 'other', description: 'Broken light', address_string: '1 Main St\nApt 2' }).toString()
  t.match((await app.inject({ method: 'POST', url: '/open311/v2/requests.json', headers: form, payload: address })).json()[0].description, /^address_string: /, 'an address is one line')
  const token = await app.inject({ method: 'POST', url: '/oauth/token', headers: form, payload: 'grant_type=client_credentials&client_id=a%00b&client_secret=x' })
  t.equal(token.statusCode, 400, 'the token endpoint refuses it too')
  t.same(token.json().errors.map((e: { field: string }) => e.field), ['client_id'])
})

t.test('when GraphQL variables or literals hold control characters, then the error names the field with VALIDATION_FAILED', async (t) => {
  const { app } = await build(t)
  const mutation = 'mutation ($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { feedback { id } } }'
  const cases: [string, Record<string, unknown>, string][] = [
    ['a NUL in a variable', { query: mutation, variables: { input: { ...feedback, body: 'a\u0000b' } } }, '$input.body'],
    ['a NUL in a literal', { query: 'mutation { submitFeedback(input: { agency: "metro", body: "a\\u0000b", language: "en", topic: "other" }) { feedback { id } } }' }, 'input.body'],
    ['a line break in a one-line literal', { query: 'mutation { submitFeedback(input: { agency: "metro\\n", body: "b", language: "en", topic: "other" }) { feedback { id } } }' }, 'input.agency'],
    ['a NUL in a search argument', { query: '{ events(filter: { q: "a\\u0000" }) { nodes { id } } }' }, 'filter.q'],
  ]
  for (const [name, payload, field] of cases) {
    const res = await app.inject({ method: 'POST', url: '/graphql', payload })
    t.equal(res.statusCode, 400, `${name}: 400`)
    const [error] = res.json().errors
    t.equal(error.extensions.code, 'VALIDATION_FAILED', `${name}: VALIDATION_FAILED`)
    t.same(error.extensions.errors.map((e: { field: string }) => e.field), [field], `${name}: names ${field}`)
  }
  const get = await app.inject({ method: 'GET', url: `/graphql?query=${encodeURIComponent('query ($q: String) { events(filter: { q: $q }) { nodes { id } } }')}&variables=${encodeURIComponent(JSON.stringify({ q: 'a\u0000' }))}` })
  t.equal(get.statusCode, 400, 'GET variables: 400')
  t.equal(get.json().errors[0].extensions.code, 'VALIDATION_FAILED')
  const fine = await app.inject({ method: 'POST', url: '/graphql', payload: { query: mutation, variables: { input: { ...feedback, body: 'line one\nline two' } } } })
  t.notOk(fine.json().errors, 'running text with line breaks is accepted')
})

t.test('when a one-line field sits inside a running-text field, then it is still held to one line', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  // A translation's language is one line even though it sits in `description`; its text is running text.
  const schedule = (description: string) =>
    app.inject({
      method: 'POST',
      url: '/graphql',
      headers: staff,
      payload: { query: `mutation { scheduleEvent(input: { title: [{ language: "en", text: "Walk" }], description: [${description}], kind: COMMUNITY_WALK, format: IN_PERSON, venue: { name: "Park" }, startsAt: "2027-05-01T10:00:00Z", endsAt: "2027-05-01T11:00:00Z" }) { event { id } } }` },
    })
  const refused = await schedule('{ language: "en\\nX-Injected: 1", text: "Meet at the park" }')
  t.equal(refused.statusCode, 400)
  t.equal(refused.json().errors[0].extensions.code, 'VALIDATION_FAILED')
  t.same(refused.json().errors[0].extensions.errors, [{ field: 'input.description.language', message: 'must not contain control characters or line breaks' }], 'the language is named as a one-line field')
  const variables = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: staff,
    payload: { query: 'mutation ($d: [TranslationInput!]) { scheduleEvent(input: { title: [{ language: "en", text: "Walk" }], description: $d, kind: COMMUNITY_WALK, format: IN_PERSON, venue: { name: "Park" }, startsAt: "2027-05-01T10:00:00Z", endsAt: "2027-05-01T11:00:00Z" }) { event { id } } }', variables: { d: [{ language: 'en\r\n', text: 'ok' }] } },
  })
  t.same(variables.json().errors?.[0]?.extensions.errors?.map((e: { field: string }) => e.field), ['$d.0.language'], 'in variables too')
  const rest = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ description: { en: { label: 'a\nb' } } }) })
  t.equal(rest.statusCode, 400)
  t.same(rest.json().errors?.map((e: { field: string }) => e.field), ['description.en.label'], 'REST: a field under a translation is named, one line, whatever its own name')
  const fine = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ description: { en: 'Line one\nline two', 'zh-Hant': '第一行\n第二行' } }) })
  t.equal(fine.statusCode, 201, 'translations of running text keep their line breaks')
  const gqlFine = await schedule('{ language: "en", text: "Line one\\nline two" }')
  t.notOk(gqlFine.json().errors, "a GraphQL translation's text keeps its line breaks")
})
