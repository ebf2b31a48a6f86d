// The Open311 GeoReport v2 facade: JSON checked against a JSON Schema written from the spec's field lists, XML read back
// with an independent parser (@xmldom/xmldom), the report round trip, and errors in the spec's shape.
import { DOMParser, type Element as XmlElement } from '@xmldom/xmldom'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { sql } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { testClock } from './helpers/clock.ts'
import { eventBody } from './helpers/fixtures.ts'

const { app, database, fixtures } = await build(t)
const staff = await bearer()
const form = { 'content-type': 'application/x-www-form-urlencoded' }
const encode = (fields: Record<string, string>) => new URLSearchParams(fields).toString()

// JSON Schemas from the spec's field lists (wiki.open311.org/GeoReport_v2): names, types, and the closed status set.
const text = { type: ['string', 'null'] }
const dateTime = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$' }
const ajv = new Ajv2020({ allErrors: true })
const schemas = {
  services: ajv.compile({
    type: 'array',
    items: {
      type: 'object',
      required: ['service_code', 'service_name', 'description', 'metadata', 'type', 'keywords', 'group'],
      additionalProperties: false,
      properties: {
        service_code: { type: 'string', minLength: 1 },
        service_name: { type: 'string', minLength: 1 },
        description: { type: 'string' },
        metadata: { type: 'boolean' },
        type: { enum: ['realtime', 'batch', 'blackbox'] },
        keywords: { type: 'string' },
        group: { type: 'string' },
      },
    },
  }),
  definition: ajv.compile({
    type: 'object',
    required: ['service_code', 'attributes'],
    additionalProperties: false,
    properties: { service_code: { type: 'string' }, attributes: { type: 'array', maxItems: 0 } },
  }),
  requests: ajv.compile({
    type: 'array',
    items: {
      type: 'object',
      required: ['service_request_id', 'status', 'service_code', 'requested_datetime', 'agency_responsible'],
      additionalProperties: false,
      properties: {
        service_request_id: { type: 'string' },
        status: { enum: ['open', 'closed'] },
        status_notes: text,
        service_name: text,
        service_code: { type: 'string' },
        description: text,
        agency_responsible: text,
        service_notice: text,
        requested_datetime: dateTime,
        updated_datetime: { anyOf: [dateTime, { type: 'null' }] },
        expected_datetime: { anyOf: [dateTime, { type: 'null' }] },
        address: text,
        address_id: text,
        zipcode: text,
        lat: { type: ['number', 'null'], minimum: -90, maximum: 90 },
        long: { type: ['number', 'null'], minimum: -180, maximum: 180 },
        media_url: text,
      },
    },
  }),
  created: ajv.compile({
    type: 'array',
    minItems: 1,
    maxItems: 1,
    items: {
      type: 'object',
      required: ['service_request_id'],
      additionalProperties: false,
      properties: { service_request_id: { type: 'string' }, token: text, service_notice: text, account_id: text },
    },
  }),
  errors: ajv.compile({
    type: 'array',
    minItems: 1,
    items: { type: 'object', required: ['code', 'description'], additionalProperties: false, properties: { code: { type: 'integer' }, description: { type: 'string', minLength: 1 } } },
  }),
  discovery: ajv.compile({
    type: 'object',
    required: ['changeset', 'contact', 'key_service', 'endpoints'],
    properties: {
      changeset: dateTime,
      contact: { type: 'string' },
      key_service: { type: 'string' },
      endpoints: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['specification', 'url', 'changeset', 'type', 'formats'],
          properties: { specification: { const: 'http://wiki.open311.org/GeoReport_v2' }, url: { type: 'string' }, type: { enum: ['production', 'test'] }, formats: { type: 'array', items: { enum: ['text/xml', 'application/json'] } } },
        },
      },
    },
  }),
}

function checkJson(t: Test, schema: keyof typeof schemas, body: unknown) {
  const valid = schemas[schema](body)
  t.ok(valid, `${schema} JSON matches the spec's fields${valid ? '' : `: ${ajv.errorsText(schemas[schema].errors)}`}`)
}

/** Parses XML with an independent parser; any parse error fails the test. */
function parseXml(t: Test, body: string) {
  const problems: string[] = []
  const doc = new DOMParser({ onError: (level, message) => problems.push(`${level}: ${message}`) }).parseFromString(body, 'text/xml')
  t.strictSame(problems, [], 'the XML parses')
  t.match(body, /^<\?xml version="1.0" encoding="UTF-8"\?>/, 'with the UTF-8 declaration the spec requires')
  return doc.documentElement as unknown as XmlElement
}
const children = (e: XmlElement) => Array.from(e.childNodes).filter((n) => n.nodeType === 1) as unknown as XmlElement[]
const childNames = (e: XmlElement) => children(e).map((c) => c.tagName)
const childText = (e: XmlElement, name: string) => children(e).find((c) => c.tagName === name)?.textContent ?? undefined

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers })
const post = (url: string, fields: Record<string, string>, headers: Record<string, string> = form) => app.inject({ method: 'POST', url, headers, payload: encode(fields) })

t.test('when a client discovers the endpoint, then discovery.json and .xml describe it', async (t) => {
  const json = await get('/open311/v2/discovery.json')
  t.equal(json.statusCode, 200)
  t.match(json.headers['content-type'], /^application\/json/)
  checkJson(t, 'discovery', json.json())
  t.equal(json.json().endpoints[0].url, 'http://api.example.test/open311/v2')
  const xml = await get('/open311/v2/discovery.xml')
  t.match(xml.headers['content-type'], /^text\/xml; charset=utf-8/)
  const root = parseXml(t, xml.body)
  t.equal(root.tagName, 'discovery')
  t.strictSame(childNames(root), ['changeset', 'contact', 'key_service', 'endpoints'])
  const endpoint = children(children(root).find((c) => c.tagName === 'endpoints')!)[0]!
  t.equal(endpoint.tagName, 'endpoint')
  t.strictSame(children(children(endpoint).find((c) => c.tagName === 'formats')!).map((f) => f.textContent), ['text/xml', 'application/json'])
})

t.test('when a client lists services, then they are the jurisdiction\'s current topics', async (t) => {
  const res = await get('/open311/v2/services.json?jurisdiction_id=metro')
  t.equal(res.statusCode, 200)
  const list = res.json()
  checkJson(t, 'services', list)
  const safety = list.find((s: { service_code: string }) => s.service_code === 'community_safety')
  t.ok(safety, 'a standard topic is a service')
  t.equal(safety.metadata, false)
  t.equal(safety.type, 'realtime')
  t.equal(safety.group, 'Standard topics')

  const xml = await get('/open311/v2/services.xml?jurisdiction_id=metro')
  const root = parseXml(t, xml.body)
  t.equal(root.tagName, 'services')
  t.equal(children(root).length, list.length, 'one <service> per service')
  t.ok(childNames(root).every((n) => n === 'service'))
  const first = children(root)[0]!
  t.strictSame(childNames(first), ['service_code', 'service_name', 'description', 'metadata', 'type', 'keywords', 'group'])
  t.equal(childText(first, 'metadata'), 'false')

  const def = await get('/open311/v2/services/community_safety.json?jurisdiction_id=metro')
  t.equal(def.statusCode, 200)
  checkJson(t, 'definition', def.json())
  const defXml = parseXml(t, (await get('/open311/v2/services/community_safety.xml?jurisdiction_id=metro')).body)
  t.equal(defXml.tagName, 'service_definition')
  t.strictSame(childNames(defXml), ['service_code', 'attributes'])

  const missing = await get('/open311/v2/services/potholes.json?jurisdiction_id=metro')
  t.equal(missing.statusCode, 404, 'an unknown service_code is a 404, as the spec says')
  checkJson(t, 'errors', missing.json())
  t.equal(missing.json()[0].code, 404)
  const missingXml = await get('/open311/v2/services/potholes.xml?jurisdiction_id=metro')
  t.equal(missingXml.statusCode, 404)
  const errors = parseXml(t, missingXml.body)
  t.equal(errors.tagName, 'errors')
  t.strictSame(childNames(children(errors)[0]!), ['code', 'description'])
  t.equal(childText(children(errors)[0]!, 'code'), '404')
})

t.test('when the jurisdiction is missing or unknown, then 400 or 404 in the spec\'s error shape', async (t) => {
  const missing = await get('/open311/v2/services.json')
  t.equal(missing.statusCode, 400, 'two agencies are hosted here, so jurisdiction_id is required')
  checkJson(t, 'errors', missing.json())
  t.match(missing.json()[0].description, /jurisdiction_id/)
  for (const url of ['/open311/v2/services.json?jurisdiction_id=nowhere', '/open311/v2/requests.json?jurisdiction_id=nowhere', '/open311/v2/services.xml?jurisdiction_id=NOT%20A%20SLUG']) {
    const res = await get(url)
    t.equal(res.statusCode, 404, url)
  }
  const xml = await get('/open311/v2/requests.xml?jurisdiction_id=nowhere')
  t.equal(parseXml(t, xml.body).tagName, 'errors')
  const badPost = await post('/open311/v2/requests.json', { jurisdiction_id: 'nowhere', service_code: 'other', description: 'x', address_string: 'Main St' })
  t.equal(badPost.statusCode, 404)
  const format = await get('/open311/v2/services.html?jurisdiction_id=metro')
  t.equal(format.statusCode, 404, 'only .json and .xml are served')
  checkJson(t, 'errors', format.json())
})

t.test('when a concern is reported, then staff see it at once and requests list it only once published', async (t) => {
  const event = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ areaId: fixtures.areas.north.id }) })).json()
  const res = await post('/open311/v2/requests.json', {
    jurisdiction_id: 'metro',
    service_code: 'community_safety',
    description: 'Cars speed past the school, «danger» & <risk> — 学校',
    address_string: '12 Main Street',
    email: 'reporter@example.org',
    first_name: 'Ana',
    last_name: 'Diaz',
    device_id: 'device-123',
  })
  t.equal(res.statusCode, 201, res.body)
  checkJson(t, 'created', res.json())
  const id = res.json()[0].service_request_id as string

  const asStaff = await app.inject({ method: 'GET', url: `/v1/feedback/${id}`, headers: staff })
  t.equal(asStaff.statusCode, 200, 'the report is a feedback item the agency\'s staff see')
  const item = asStaff.json()
  t.equal(item.topic, 'community_safety')
  t.equal(item.channel, 'online_form')
  t.equal(item.visibility, 'pending_moderation', 'the reporter asked for it to be listed, so it awaits moderation')
  t.match(item.body, /Location: 12 Main Street/)
  t.ok(item.participantId, 'an email means: contact me back')
  t.notMatch(JSON.stringify(item), /device-123/, 'device ids are not stored')

  const list = async (query = '') => (await get(`/open311/v2/requests.json?jurisdiction_id=metro${query}`)).json() as { service_request_id: string; [k: string]: unknown }[]
  t.notOk((await list()).some((r) => r.service_request_id === id), 'not listed before it is published')
  t.equal((await get(`/open311/v2/requests/${id}.json?jurisdiction_id=metro`)).statusCode, 404, 'nor readable on its own')

  t.equal((await app.inject({ method: 'POST', url: `/v1/feedback/${id}/moderation`, headers: { ...staff, 'if-match': '"1"' }, payload: { action: 'publish' } })).statusCode, 200)
  const listed = (await list()).filter((r) => r.service_request_id === id)
  t.equal(listed.length, 1, 'listed once published')
  checkJson(t, 'requests', await list())
  const request = listed[0]!
  t.equal(request.status, 'open')
  t.equal(request.service_code, 'community_safety')
  t.equal(request.agency_responsible, 'Metro Police Department')
  t.match(request.description, /\[address removed\]/, 'the published text, street address redacted')
  t.notMatch(request.description, /12 Main Street|reporter@example\.org/)
  t.equal(request.status_notes, null)

  // A decision answers it: closed, with the decision as the status note.
  const decision = await app.inject({ method: 'POST', url: '/v1/decisions', headers: staff, payload: { title: { en: 'Speed cameras near schools' }, summary: { en: 'Installed by June.' }, publication: 'published', feedbackIds: [id], eventIds: [event.id] } })
  t.equal(decision.statusCode, 201, decision.body)
  const [closed] = (await get(`/open311/v2/requests/${id}.json?jurisdiction_id=metro`)).json()
  checkJson(t, 'requests', [closed])
  t.equal(closed.status, 'closed')
  t.equal(closed.status_notes, 'Speed cameras near schools: Installed by June.')
  t.equal((await list('&status=closed')).filter((r) => r.service_request_id === id).length, 1)
  t.equal((await list('&status=open')).filter((r) => r.service_request_id === id).length, 0)
  t.equal((await list('&service_code=other')).filter((r) => r.service_request_id === id).length, 0)
  t.equal((await list(`&service_request_id=${id}`)).length, 1)

  const xml = await get(`/open311/v2/requests.xml?jurisdiction_id=metro&service_request_id=${id}`)
  const root = parseXml(t, xml.body)
  t.equal(root.tagName, 'service_requests')
  t.strictSame(childNames(root), ['request'])
  const element = children(root)[0]!
  t.strictSame(childNames(element), Object.keys(closed), 'the same fields, in the same order, as elements')
  t.equal(childText(element, 'description'), closed.description, 'escaped text (« & < — 学校) reads back the same')
  t.equal(childText(element, 'status'), 'closed')

  const postedXml = await post('/open311/v2/requests.xml', { jurisdiction_id: 'metro', service_code: 'other', description: 'Noise at night', lat: '40.75', long: '-73.99' })
  t.equal(postedXml.statusCode, 201, postedXml.body)
  const created = parseXml(t, postedXml.body)
  t.equal(created.tagName, 'service_requests')
  t.strictSame(childNames(children(created)[0]!), ['service_request_id', 'service_notice', 'token'])
})

t.test('when a point or an area code is given, then the report lands in that area', async (t) => {
  const byCode = await post('/open311/v2/requests.json', { jurisdiction_id: 'metro', service_code: 'other', description: 'By area code', address_id: 'D2' })
  t.equal(byCode.statusCode, 201, byCode.body)
  const item = (await app.inject({ method: 'GET', url: `/v1/feedback/${byCode.json()[0].service_request_id}`, headers: staff })).json()
  t.equal(item.areaId, fixtures.areas.south.id)
  t.equal(item.participantId, null, 'no email or phone: anonymous')
  // District 1 covers a square; a point inside it is placed there, a point outside in no area.
  const square = { type: 'Polygon', coordinates: [[[-74.1, 40.7], [-73.9, 40.7], [-73.9, 40.8], [-74.1, 40.8], [-74.1, 40.7]]] }
  await database.db.execute(sql`update areas set boundary = ${JSON.stringify(square)}::jsonb where id = ${fixtures.areas.north.id}::uuid`)
  const areaOf = async (lat: string, long: string) => {
    const res = await post('/open311/v2/requests.json', { jurisdiction_id: 'metro', service_code: 'other', description: 'By point', lat, long })
    t.equal(res.statusCode, 201, res.body)
    return (await app.inject({ method: 'GET', url: `/v1/feedback/${res.json()[0].service_request_id}`, headers: staff })).json().areaId
  }
  t.equal(await areaOf('40.75', '-73.99'), fixtures.areas.north.id, 'inside the boundary')
  t.equal(await areaOf('41.5', '-73.99'), null, 'outside every boundary')
  const unknown = await post('/open311/v2/requests.json', { jurisdiction_id: 'metro', service_code: 'other', description: 'x', address_id: 'E' })
  t.equal(unknown.statusCode, 400, 'another agency\'s area is not an address here')
})

t.test('when a report is incomplete or malformed, then 400 in the format asked for, never a 500', async (t) => {
  const base = { jurisdiction_id: 'metro', service_code: 'other', description: 'Something' }
  const noLocation = await post('/open311/v2/requests.json', base)
  t.equal(noLocation.statusCode, 400, 'a location is required')
  checkJson(t, 'errors', noLocation.json())
  t.equal(noLocation.json()[0].code, 400)
  t.match(noLocation.json()[0].description, /location is required/)
  const noLocationXml = await post('/open311/v2/requests.xml', base)
  t.equal(noLocationXml.statusCode, 400)
  const errors = parseXml(t, noLocationXml.body)
  t.equal(errors.tagName, 'errors')
  t.strictSame(childNames(errors), ['error'])
  t.equal(childText(children(errors)[0]!, 'code'), '400')

  const cases: [string, Record<string, string>][] = [
    ['an unknown service_code', { ...base, service_code: 'potholes', address_string: 'x' }],
    ['a malformed service_code', { ...base, service_code: 'Pot Holes!', address_string: 'x' }],
    ['lat without long', { ...base, lat: '40.7' }],
    ['a latitude out of range', { ...base, lat: '91', long: '0' }],
    ['a latitude that is not a number', { ...base, lat: 'north', long: '0' }],
    ['no description', { jurisdiction_id: 'metro', service_code: 'other', address_string: 'x' }],
    ['a bad email', { ...base, address_string: 'x', email: 'not-an-email' }],
    ['an attribute this service does not define', { ...base, address_string: 'x', 'attribute[WHISPER]': 'yes' }],
    ['a media_url (no media is accepted)', { ...base, address_string: 'x', media_url: 'http://evil.example/x.jpg' }],
  ]
  for (const [what, fields] of cases) {
    const res = await post('/open311/v2/requests.json', fields)
    t.equal(res.statusCode, 400, what)
    checkJson(t, 'errors', res.json())
  }
  const repeated = await app.inject({ method: 'POST', url: '/open311/v2/requests.json', headers: form, payload: 'service_code=other&service_code=x&description=a&address_string=b&jurisdiction_id=metro' })
  t.equal(repeated.statusCode, 400, 'a field given twice')
  const asJson = await app.inject({ method: 'POST', url: '/open311/v2/requests.xml', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(base) })
  t.equal(asJson.statusCode, 415, 'the spec posts forms')
  t.equal(parseXml(t, asJson.body).tagName, 'errors')
  const empty = await app.inject({ method: 'POST', url: '/open311/v2/requests.json' })
  t.equal(empty.statusCode, 400, 'no body at all')

  for (const query of ['start_date=yesterday', 'status=pending', 'service_code=potholes', 'start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z', 'end_date=2026-01-01T00:00:00Z&start_date=2026-02-01T00:00:00Z', 'service_request_id=42', 'colour=blue']) {
    const res = await get(`/open311/v2/requests.json?jurisdiction_id=metro&${query}`)
    t.equal(res.statusCode, 400, query)
    checkJson(t, 'errors', res.json())
  }
  t.equal((await get('/open311/v2/requests/not-a-uuid.json?jurisdiction_id=metro')).statusCode, 404)
})

t.test('when requests are listed without dates, then only the last 90 days are, newest first', async (t) => {
  const publish = async (receivedAt: string) => {
    const res = await app.inject({ method: 'POST', url: '/v1/feedback', headers: staff, payload: { body: `Received ${receivedAt}`, language: 'en', topic: 'other', receivedAt, publish: true } })
    const id = res.json().id as string
    await app.inject({ method: 'POST', url: `/v1/feedback/${id}/moderation`, headers: { ...staff, 'if-match': '"1"' }, payload: { action: 'publish' } })
    return id
  }
  const day = 86_400_000
  const old = await publish(new Date(testClock.now().getTime() - 120 * day).toISOString())
  const recent = await publish(new Date(testClock.now().getTime() - 10 * day).toISOString())
  const newest = await publish(new Date(testClock.now().getTime() - 1 * day).toISOString())
  const ids = ((await get('/open311/v2/requests.json?jurisdiction_id=metro')).json() as { service_request_id: string }[]).map((r) => r.service_request_id)
  t.notOk(ids.includes(old), 'older than 90 days is left out by default')
  t.ok(ids.indexOf(newest) < ids.indexOf(recent) && ids.indexOf(newest) >= 0, 'newest first')
  const start = new Date(testClock.now().getTime() - 130 * day).toISOString()
  const windowed = ((await get(`/open311/v2/requests.json?jurisdiction_id=metro&start_date=${encodeURIComponent(start)}`)).json() as { service_request_id: string }[]).map((r) => r.service_request_id)
  t.ok(windowed.includes(old), 'start_date reaches further back')
  t.notOk(windowed.includes(newest), 'for 90 days from start_date')
  const lakeside = (await get('/open311/v2/requests.json?jurisdiction_id=lakeside')).json()
  t.strictSame(lakeside, [], 'another jurisdiction lists none of these')
})
