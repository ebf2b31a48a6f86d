// REST JSON bodies are written from openapi.yaml's response schemas: every documented JSON answer has one, nothing the
// contract does not declare leaves the server, and a body the schema would change is an error under the check.
import t from 'tap'
import { compiledWriter, contractResponseSchemas, jsonWrittenElsewhere } from '../src/http/rest/response-schemas.ts'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'
import { documentedOperations, openapiDocument, toFastifyPath } from './helpers/openapi.ts'

type Json = Record<string, any>
const resolve = (node: Json): Json => (typeof node.$ref === 'string' ? resolve(node.$ref.slice(2).split('/').reduce((at: Json, k: string) => at[k], openapiDocument)) : node)

/** The 2xx statuses of an operation that document an application/json body. */
function jsonSuccesses(method: string, path: string): string[] {
  const responses = (openapiDocument.paths[path] as Json)[method.toLowerCase()].responses as Json
  return Object.entries(responses)
    .filter(([status, response]) => /^2\d\d$/.test(status) && resolve(response).content?.['application/json']?.schema)
    .map(([status]) => status)
}

t.test('when a documented operation answers JSON, then its route has a response schema for each such status', async (t) => {
  let withSchemas = 0
  for (const op of documentedOperations()) {
    const statuses = jsonSuccesses(op.method, op.path)
    const schemas = contractResponseSchemas(op.method, toFastifyPath(op.path))
    if (op.operationId in jsonWrittenElsewhere) {
      t.not(statuses.length, 0, `${op.operationId} is listed as writing its JSON elsewhere, and does answer JSON`)
      t.equal(schemas, undefined, `${op.operationId}: ${jsonWrittenElsewhere[op.operationId]}`)
      continue
    }
    if (statuses.length === 0) {
      t.equal(schemas, undefined, `${op.operationId} answers no JSON, so it has no response schema`)
      continue
    }
    withSchemas++
    t.strictSame(Object.keys(schemas ?? {}).sort(), statuses.sort(), `${op.operationId} (${op.method} ${op.path}) has a schema for ${statuses.join(', ')}`)
    for (const status of statuses) {
      t.strictSame(Object.keys(schemas![status]!.content), ['application/json'], `${op.operationId} ${status}: only application/json is written by the schema`)
      // Apps compile a writer on its first body: every one is compiled here, so a schema fast-json-stringify refuses fails CI, not a request.
      t.type(compiledWriter(schemas![status]!.content['application/json'].schema), 'function', `${op.operationId} ${status}: its writer compiles`)
    }
    if (op.method === 'GET') t.equal(contractResponseSchemas('HEAD', toFastifyPath(op.path)), schemas, `HEAD ${op.path} is written as GET is (same Content-Length)`)
  }
  const documentedIds = new Set(documentedOperations().map((o) => o.operationId))
  for (const id of Object.keys(jsonWrittenElsewhere)) t.ok(documentedIds.has(id), `${id} (written elsewhere) is a documented operation`)
  t.ok(withSchemas >= 55, `${withSchemas} operations are written from the contract`)
})

t.test('when the contract has a choice (oneOf/anyOf) in a response, then it is a nullable or an insight figure', async (t) => {
  // fast-json-stringify validates each branch of a choice with Ajv as it writes: slow. "X or null" becomes `nullable`;
  // any other choice is listed here, so a new one is noticed.
  const choices: string[] = []
  const walk = (node: unknown, where: string) => {
    if (!node || typeof node !== 'object') return
    // (Choices within a choice are only looked at once the outer one is being validated.)
    if (Array.isArray((node as Json).anyOf)) return void choices.push(where)
    for (const [k, v] of Object.entries(node as Json)) walk(v, `${where}/${k}`)
  }
  for (const op of documentedOperations()) walk(contractResponseSchemas(op.method, toFastifyPath(op.path)), op.operationId)
  t.strictSame([...new Set(choices.map((c) => c.replace(/\/content\/application\/json\/schema/, '')))], [
    'getInsight/200/properties/cells/items/additionalProperties',
    'getInsight/200/properties/margins/items/additionalProperties',
  ])
})

// The events service builds these bodies only off the read path (which has PostgreSQL write them): READ_PATH=false.
t.test('when a service returns a property the contract does not declare', async (t) => {
  const staff = await bearer({ role: 'staff', agency: 'metro' })

  await t.test('then the answer leaves it out, and keeps every declared one', async (t) => {
    const { app, fixtures } = await build(t, { env: { CHECK_RESPONSE_SERIALIZATION: 'false', READ_PATH: 'false' } })
    const created = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ areaId: fixtures.areas.north.id }) })
    t.equal(created.statusCode, 201)
    const id = created.json().id as string
    const plain = await app.inject({ method: 'GET', url: `/v1/events/${id}`, headers: staff })
    const { events } = app.services
    const get = events.get
    t.teardown(() => void (events.get = get))
    events.get = async (...args) => ({ ...(await get(...args)), internalNotes: 'not for the public' })
    const res = await app.inject({ method: 'GET', url: `/v1/events/${id}`, headers: staff })
    t.equal(res.statusCode, 200)
    t.equal(res.json().internalNotes, undefined, 'the undeclared property is not sent')
    t.strictSame(res.json(), plain.json(), 'the declared ones are all there, unchanged')
    t.equal(res.headers['content-length'], plain.headers['content-length'])
    const head = await app.inject({ method: 'HEAD', url: `/v1/events/${id}`, headers: staff })
    t.equal(head.headers['content-length'], plain.headers['content-length'], 'HEAD announces the length GET sends')

    const ld = await app.inject({ method: 'GET', url: `/v1/events/${id}`, headers: { ...staff, accept: 'application/ld+json' } })
    t.equal(ld.statusCode, 200)
    t.match(ld.headers['content-type'], /^application\/ld\+json/)
    t.equal(ld.json()['@type'], 'Event', 'JSON-LD keeps its own writer (the Event schema would drop @type)')
  })

  await t.test('then, with CHECK_RESPONSE_SERIALIZATION (as in every test), it is a 500', async (t) => {
    const { app, fixtures } = await build(t, { env: { READ_PATH: 'false' } })
    const created = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ areaId: fixtures.areas.north.id }) })
    const { events } = app.services
    const list = events.list
    t.teardown(() => void (events.list = list))
    events.list = async (...args) => {
      const page = await list(...args)
      return { ...page, data: page.data.map((e) => ({ ...e, capacity: String(e.capacity) as never })) }
    }
    const res = await app.inject({ method: 'GET', url: '/v1/events?limit=5', headers: staff })
    t.equal(res.statusCode, 500, 'a number sent as a string would be coerced: refused instead')
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    events.list = list
    t.equal((await app.inject({ method: 'GET', url: '/v1/events?limit=5', headers: staff })).statusCode, 200, 'a conforming page passes the check')
    t.equal((await app.inject({ method: 'GET', url: `/v1/events/${created.json().id}`, headers: staff })).statusCode, 200)
  })
})
