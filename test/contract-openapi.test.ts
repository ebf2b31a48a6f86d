// Holds the running server to openapi.yaml: every route documented, every operation exercised, every response checked.
import { readFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { parse } from 'yaml'
import { buildApp } from '../src/app.ts'
import { accommodations, areaKinds, eventFormats, eventKinds, eventStatuses, organizationKinds, partnershipStatuses, seriesStatuses } from '../src/db/schema/index.ts'
import { catalogue } from '../src/errors.ts'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'
import { insightStory } from './helpers/insights-data.ts'
import { loopContract, loopOperations } from './helpers/contract-loop.ts'
import { prioritiesContract, priorityOperations } from './helpers/contract-priorities.ts'
import { liaisonOperations, liaisonsContract } from './helpers/contract-liaisons.ts'
import { contactOperations, contactsContract } from './helpers/contract-contacts.ts'
import { benchmarkOperations, benchmarksContract } from './helpers/contract-benchmarks.ts'
import { dateAfterNow } from './helpers/clock.ts'
import {
  checkRequestBody,
  checkResponse,
  documentedOperations,
  matchPath,
  openapiDocument,
  openapiFile,
  toFastifyPath,
  type ContractResponse,
} from './helpers/openapi.ts'

type Res = ContractResponse & { json<T = any>(): T }

const { app, database, fixtures, config } = await build(t)
const staff = await bearer({ role: 'staff', agency: 'metro' })
const analyst = await bearer({ role: 'analyst', agency: 'metro' })

// Every response in this file goes through here: it must conform, and it counts towards coverage.
const seen = new Map<string, Set<number>>()
async function call(t: Test, options: InjectOptions & { method: string; url: string }, on: FastifyInstance = app): Promise<Res> {
  const res = (await on.inject(options)) as unknown as Res
  t.strictSame(checkResponse(options.method, options.url, res), [], `${options.method} ${options.url} → ${res.statusCode} conforms to openapi.yaml`)
  const path = matchPath(options.url)
  const op = documentedOperations().find((o) => o.path === path && (o.method === options.method.toUpperCase() || (options.method.toUpperCase() === 'HEAD' && o.method === 'GET')))
  if (op) (seen.get(op.operationId) ?? seen.set(op.operationId, new Set()).get(op.operationId)!).add(res.statusCode)
  return res
}

/** Asserts the status and, for problems, the code. */
function expectStatus(t: Test, res: Res, status: number, code?: string) {
  t.equal(res.statusCode, status, `status ${status}${code ? ` ${code}` : ''}`)
  if (code) t.equal(res.json().code, code, `problem code ${code}`)
}

const json = (extra: Record<string, string> = {}) => ({ ...staff, 'content-type': 'application/json', ...extra })
const ifMatch = (version: number | string) => ({ ...staff, 'if-match': typeof version === 'number' ? `"${version}"` : version })
const futureEvent = (overrides: Record<string, unknown> = {}) => eventBody({ areaId: fixtures.areas.north.id, hostUnit: 'District 1 Community Policing Unit', ...overrides })
const seriesBody = (overrides: Record<string, unknown> = {}) => ({
  title: { en: 'Beat 12 community meeting', vi: 'Họp cộng đồng khu vực 12' },
  kind: 'listening_session',
  format: 'hybrid',
  areaId: fixtures.areas.north.id,
  online: { joinUrl: 'https://meet.example.org/j/81234567890', dialIn: { number: '+1 646 555 0142', accessCode: '8123#' } },
  venue: { name: 'Hillcrest Library, Community Room', address: { street: '1450 Hillcrest Ave', locality: 'Metro', country: 'us' } },
  languages: ['en', 'vi'],
  accommodations: ['step_free_access', 'live_captioning'],
  recurrence: { rule: 'RRULE:FREQ=MONTHLY;BYDAY=2TU;COUNT=6', start: '2027-01-12T18:30', durationMinutes: 90, exceptions: ['2027-02-09T18:30'] },
  ...overrides,
})

// Routes that are not REST operations: the docs page and its assets, and GraphQL (held to schema.graphql elsewhere).
const notRest = (path: string) => /^\/(docs|graphql|graphiql)(\/|\*|$)/.test(path)

/** Parses `app.printRoutes({ commonPrefix: false })` into (path, methods) pairs. */
function registeredRoutes(tree: string): { path: string; methods: string[] }[] {
  const out: { path: string; methods: string[] }[] = []
  const stack: string[] = []
  for (const line of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([^)]*)\))?$/.exec(line)
    if (!m) continue
    const depth = m[1]!.length / 4
    const path = (stack[depth - 1] ?? '') + m[2]!
    stack[depth] = path
    stack.length = depth + 1
    if (m[3]) out.push({ path, methods: m[3].split(',').map((s) => s.trim().toUpperCase()) })
  }
  return out
}

t.test('when the app is built, then every route is documented and every documented operation is served', async (t) => {
  const operations = documentedOperations()
  for (const op of operations) t.ok(app.hasRoute({ method: op.method as 'GET', url: toFastifyPath(op.path) }), `${op.method} ${op.path} (${op.operationId}) is registered`)

  const routes = registeredRoutes(app.printRoutes({ commonPrefix: false }))
  t.ok(routes.some((r) => r.path === '/v1/events/:id/publish' && r.methods.includes('POST')), 'the route tree was parsed, nested routes included')
  const documented = new Set(operations.map((o) => `${o.method} ${o.path}`))
  for (const route of routes.filter((r) => !notRest(r.path))) {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
    // HEAD is answered wherever GET is, and OPTIONS is the CORS preflight (info.description says so): not operations of their own.
    for (const method of route.methods.filter((m) => m !== 'HEAD' && m !== 'OPTIONS'))
      t.ok(documented.has(`${method} ${path}`), `${method} ${route.path} is documented in openapi.yaml`)
  }

  const expected = [
    'listEvents', 'scheduleEvent', 'getEvent', 'updateEvent', 'publishEvent', 'rescheduleEvent', 'postponeEvent', 'cancelEvent',
    'completeEvent', 'listEventsCalendar', 'getEventCalendar', 'exportEventsCsv', 'listSeries', 'createSeries', 'getSeries', 'updateSeries', 'publishSeries', 'cancelSeries', 'listSeriesOccurrences',
    'listAgencies', 'getAgency', 'listAreas', 'createAgency', 'updateAgency', 'createArea', 'getArea', 'updateArea', 'removeArea', 'listOrganizations', 'createOrganization', 'getOrganization', 'updateOrganization',
    'createApiClient', 'listApiClients', 'revokeApiClient', 'issueToken', 'getLiveness', 'getReadiness', 'getOpenApiJson', 'getOpenApiYaml', 'getGraphqlSchema', 'getGraphqlIntrospection',
    'listParticipants', 'createParticipant', 'getParticipant', 'updateParticipant', 'withdrawConsent', 'recordDemographics', 'eraseParticipant',
    'getEventAttendance', 'listRegistrations', 'registerForEvent', 'cancelRegistration', 'checkIn', 'recordHeadCount', 'listSurveyResponses', 'submitSurveyResponse',
    'getInsight', 'getCommunityTrust',
    ...loopOperations,
    ...priorityOperations,
    ...liaisonOperations,
    ...contactOperations,
    ...benchmarkOperations,
    'getFollowUp', 'getOwnRegistration', 'cancelOwnRegistration', 'requestAccommodations', 'requestSurveyToken', 'listAccommodationRequests',
    'exportFeedbackCsv', 'exportDecisionsCsv',
    'getOpen311Discovery', 'listOpen311Services', 'getOpen311ServiceDefinition', 'listOpen311Requests', 'createOpen311Request', 'getOpen311Request',
    'listWebhookSubscriptions', 'createWebhookSubscription', 'getWebhookSubscription', 'updateWebhookSubscription', 'deleteWebhookSubscription',
    'rotateWebhookSecret', 'enableWebhookSubscription', 'listWebhookDeliveries', 'replayWebhookDeliveries', 'replayWebhookDelivery',
  ]
  t.strictSame(operations.map((o) => o.operationId).sort(), [...expected].sort(), 'operationIds are the domain names, each once')
})

t.test('when a route is under the rate limiter or refuses control characters, then openapi.yaml says so', async (t) => {
  const paths = openapiDocument.paths as Record<string, Record<string, { operationId?: string; responses?: Record<string, unknown> }>>
  for (const op of documentedOperations()) {
    // Only /health/* is left out of the limiter (src/app.ts): every other operation can answer 429.
    if (op.path.startsWith('/health/')) continue
    const responses = paths[op.path]![op.method.toLowerCase()]!.responses ?? {}
    // Open311 answers errors in the spec's own shape, documented by range ('4XX', naming 429).
    t.ok(responses['429'] ?? (op.path.startsWith('/open311/') && /429/.test(String((responses['4XX'] as { description?: string })?.description))), `${op.operationId} documents 429`)
  }
  const info = String((openapiDocument.info as { description?: string }).description)
  t.match(info, /answered for any path[\s\S]*`400 VALIDATION_FAILED`[^.]*control character/, 'the info lists the control-character 400 among the answers for any path')
  const schemaRes = await app.inject({ method: 'GET', url: '/schema.graphql?x=%00' })
  t.equal(schemaRes.statusCode, 400, 'as any path does')
})

t.test('when the spec names codes and enums, then they are the ones the code uses', async (t) => {
  const schemas = (openapiDocument.components as any).schemas
  t.strictSame([...schemas.Problem.properties.code.enum].sort(), Object.keys(catalogue).sort(), 'Problem.code lists every code in src/errors.ts')
  t.strictSame(schemas.EventKind.enum, [...eventKinds], 'EventKind')
  t.strictSame(schemas.EventStatus.enum, [...eventStatuses], 'EventStatus')
  t.strictSame(schemas.EventFormat.enum, [...eventFormats], 'EventFormat')
  t.strictSame(schemas.Accommodation.enum, [...accommodations], 'Accommodation')
  t.strictSame(schemas.AreaKind.enum, [...areaKinds], 'AreaKind')
  t.strictSame(schemas.SeriesStatus.enum, [...seriesStatuses], 'SeriesStatus')
  t.strictSame(schemas.OrganizationKind.enum, [...organizationKinds], 'OrganizationKind')
  t.strictSame(schemas.PartnershipStatus.enum, [...partnershipStatuses], 'PartnershipStatus')
  // Each reusable problem response may only name codes whose catalogue status is its own.
  for (const [name, response] of Object.entries((openapiDocument.components as any).responses as Record<string, any>)) {
    const schema = response.content?.['application/problem+json']?.schema
    if (!schema) continue
    const narrowed = schema.allOf[1].properties
    const codes: string[] = narrowed.code.enum ?? [narrowed.code.const]
    for (const code of codes) t.equal(catalogue[code as keyof typeof catalogue]?.status, narrowed.status.const, `${name}: ${code} is a ${narrowed.status.const}`)
  }
})

t.test('when a response breaks the contract, then the checker says so', async (t) => {
  const created = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: futureEvent() })) as unknown as Res
  const url = `/v1/events/${created.json().id}`
  const good = (await app.inject({ method: 'GET', url })) as unknown as Res
  t.strictSame(checkResponse('GET', url, good), [], 'the real response conforms')
  const withBody = (body: unknown, extra: Partial<ContractResponse> = {}): ContractResponse => ({ ...good, body: JSON.stringify(body), ...extra })
  const event = good.json()
  const cases: [string, ContractResponse][] = [
    ['an undocumented status', { ...good, statusCode: 418 }],
    ['an undeclared property', withBody({ ...event, internalNotes: 'x' })],
    ['an undeclared nested property', withBody({ ...event, venue: { ...event.venue, secret: 1 } })],
    ['a wrong type', withBody({ ...event, capacity: '40' })],
    ['a value outside the enum', withBody({ ...event, status: 'archived' })],
    ['a missing required field', withBody(Object.fromEntries(Object.entries(event).filter(([k]) => k !== 'startsAt')))],
    ['null where null is not allowed', withBody({ ...event, title: null })],
    ['a bad date-time', withBody({ ...event, startsAt: 'next Tuesday' })],
    ['an undocumented media type', { ...good, headers: { ...good.headers, 'content-type': 'text/html' } }],
    ['a missing required header (ETag)', { ...good, headers: Object.fromEntries(Object.entries(good.headers).filter(([k]) => k !== 'etag')) }],
    ['a malformed header (ETag)', { ...good, headers: { ...good.headers, etag: 'W/"1"' } }],
    ['a body that is not JSON', { ...good, body: '<html>' }],
  ]
  for (const [what, res] of cases) t.not(checkResponse('GET', url, res).length, 0, `fails on ${what}`)

  const problem = (await app.inject({ method: 'GET', url: '/v1/events/3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14' })) as unknown as Res
  t.strictSame(checkResponse('GET', '/v1/events/3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14', problem), [], 'a real 404 conforms')
  t.not(checkResponse('GET', '/v1/events/x', { ...problem, body: JSON.stringify({ ...problem.json(), code: 'VALIDATION_FAILED' }) }).length, 0, 'fails on a code that does not belong to the status')
  t.not(checkResponse('GET', '/v1/events/x', { ...problem, body: JSON.stringify({ ...problem.json(), stack: 'at x' }) }).length, 0, 'fails on a stack trace in a problem')
  t.not(checkResponse('GET', '/v1/events/x', { ...problem, headers: { ...problem.headers, 'content-type': 'application/json' } }).length, 0, 'fails on a problem sent as plain JSON')
  t.not(checkResponse('DELETE', '/v1/events', { ...problem, statusCode: 405 }).length, 0, 'fails on a 405 without Allow')
  t.not(checkResponse('GET', '/v1/nowhere', { ...good }).length, 0, 'fails on a 200 from an undocumented path')
  t.not(checkResponse('POST', '/v1/events', { ...created, headers: Object.fromEntries(Object.entries(created.headers).filter(([k]) => k !== 'location')) }).length, 0, 'fails on a 201 without Location')

  t.strictSame(checkRequestBody('POST', '/v1/events', futureEvent()), [], 'the spec accepts a valid schedule body')
  t.not(checkRequestBody('POST', '/v1/events', futureEvent({ colour: 'blue' })).length, 0, 'the spec refuses an unknown field')
  t.not(checkRequestBody('POST', '/v1/events', futureEvent({ capacity: 'forty' })).length, 0, 'the spec refuses a wrong type')
})

t.test('events: schedule, read, change and every command, valid and invalid', async (t) => {
  let id = ''
  let version = 1

  await t.test('scheduleEvent', async (t) => {
    const body = futureEvent()
    t.strictSame(checkRequestBody('POST', '/v1/events', body), [], 'the body is valid by the spec too')
    const created = await call(t, { method: 'POST', url: '/v1/events', headers: { ...staff, 'idempotency-key': 'evt-create-1' }, payload: body })
    expectStatus(t, created, 201)
    id = created.json().id
    t.equal(created.headers.location, `/v1/events/${id}`, 'Location names the event')
    t.equal(created.headers.etag, '"1"', 'ETag is the version')
    t.equal(created.headers['idempotent-replayed'], undefined, 'not a replay')

    const replay = await call(t, { method: 'POST', url: '/v1/events', headers: { ...staff, 'idempotency-key': 'evt-create-1' }, payload: body })
    expectStatus(t, replay, 201)
    t.equal(replay.headers['idempotent-replayed'], 'true', 'a replay says so')
    t.equal(replay.json().id, id, 'and answers the same event')

    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events', headers: { ...staff, 'idempotency-key': 'evt-create-1' }, payload: { ...body, capacity: 41 } }), 422, 'IDEMPOTENCY_KEY_REUSED')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events', headers: { ...staff, 'idempotency-key': 'not a key' }, payload: body }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events', payload: body }), 401, 'UNAUTHENTICATED')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events', headers: analyst, payload: body }), 403, 'FORBIDDEN')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events', headers: { authorization: 'Bearer not.a.jwt' }, payload: body }), 401, 'UNAUTHENTICATED')

    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events', headers: json(), payload: '{"title": {"en": "Coffee"' }), 400, 'MALFORMED_JSON')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events', headers: json(), payload: '' }), 400, 'MALFORMED_JSON')
    const unknown = await call(t, { method: 'POST', url: '/v1/events', headers: staff, payload: futureEvent({ colour: 'blue' }) })
    expectStatus(t, unknown, 400, 'VALIDATION_FAILED')
    t.match(unknown.json().errors, [{ field: 'colour' }], 'the unknown field is named')
    t.not(checkRequestBody('POST', '/v1/events', futureEvent({ colour: 'blue' })).length, 0, 'the spec refuses it too')
    const wrongType = await call(t, { method: 'POST', url: '/v1/events', headers: staff, payload: futureEvent({ capacity: 'forty' }) })
    expectStatus(t, wrongType, 400, 'VALIDATION_FAILED')
    t.match(wrongType.json().errors, [{ field: 'capacity' }], 'the bad field is named')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events', headers: staff, payload: futureEvent({ kind: 'rally' }) }), 400, 'VALIDATION_FAILED')
    const impossible = await call(t, { method: 'POST', url: '/v1/events', headers: staff, payload: futureEvent({ startsAt: '2027-02-30T09:00:00-05:00' }) })
    expectStatus(t, impossible, 400, 'VALIDATION_FAILED')
    t.match(impossible.json().errors, [{ field: 'startsAt' }], 'an impossible date is refused, not rolled over')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events', headers: staff, payload: futureEvent({ endsAt: '2027-03-10T08:00:00-05:00' }) }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events', headers: staff, payload: futureEvent({ format: 'virtual' }) }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events', headers: staff, payload: futureEvent({ areaId: fixtures.areas.lakeArea.id }) }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events', headers: staff, payload: [futureEvent()] }), 400, 'VALIDATION_FAILED')

    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events', headers: { ...staff, 'content-type': 'application/xml' }, payload: '<event/>' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events', headers: { ...staff, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'title=x' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
    const huge = JSON.stringify(futureEvent({ description: { en: 'x'.repeat(config.bodyLimitBytes + 1) } }))
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events', headers: json(), payload: huge }), 413, 'PAYLOAD_TOO_LARGE')
  })

  await t.test('getEvent', async (t) => {
    const res = await call(t, { method: 'GET', url: `/v1/events/${id}` })
    expectStatus(t, res, 200)
    t.equal(res.headers.etag, '"1"')
    t.equal(res.headers['content-language'], 'en', 'the default language without Accept-Language')
    const es = await call(t, { method: 'GET', url: `/v1/events/${id}`, headers: { 'accept-language': 'es-MX, en;q=0.5' } })
    t.equal(es.headers['content-language'], 'es, en', 'Accept-Language picks the translation (the description exists only in English)')
    t.equal(es.json().title, 'Café con un policía')
    await call(t, { method: 'HEAD', url: `/v1/events/${id}` })
    expectStatus(t, await call(t, { method: 'GET', url: '/v1/events/3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14' }), 404, 'EVENT_NOT_FOUND')
    expectStatus(t, await call(t, { method: 'GET', url: '/v1/events/not-a-uuid' }), 404, 'EVENT_NOT_FOUND')
    expectStatus(t, await call(t, { method: 'GET', url: `/v1/events/${id}?access_token=abc` }), 401, 'UNAUTHENTICATED')
    const ld = await call(t, { method: 'GET', url: `/v1/events/${id}`, headers: { accept: 'application/ld+json' } })
    expectStatus(t, ld, 200)
    t.equal(ld.json()['@type'], 'Event', 'JSON-LD on request')
  })

  await t.test('getEventCalendar', async (t) => {
    const res = await call(t, { method: 'GET', url: `/v1/events/${id}.ics` })
    expectStatus(t, res, 200)
    t.match(res.body, /\r\nUID:/)
    expectStatus(t, await call(t, { method: 'GET', url: '/v1/events/3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14.ics' }), 404, 'EVENT_NOT_FOUND')
    expectStatus(t, await call(t, { method: 'GET', url: `/v1/events/${id}.ics`, headers: { authorization: 'Bearer not.a.jwt' } }), 401, 'UNAUTHENTICATED')
  })

  await t.test('updateEvent', async (t) => {
    const url = `/v1/events/${id}`
    const change = { capacity: 60, hostUnit: null, accommodations: ['step_free_access', 'live_captioning', 'childcare'] }
    t.strictSame(checkRequestBody('PATCH', url, change), [], 'the body is valid by the spec too')
    expectStatus(t, await call(t, { method: 'PATCH', url, headers: staff, payload: change }), 428, 'PRECONDITION_REQUIRED')
    expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(7), payload: change }), 412, 'PRECONDITION_FAILED')
    expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch('W/"1"'), payload: change }), 412, 'PRECONDITION_FAILED')
    const res = await call(t, { method: 'PATCH', url, headers: ifMatch(version), payload: change })
    expectStatus(t, res, 200)
    version = res.json().version
    t.equal(res.headers.etag, `"${version}"`, 'the ETag moves on')
    t.equal(res.json().hostUnit, null, 'null clears a field')
    expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(version), payload: { colour: 'blue' } }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(version), payload: { capacity: 0 } }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(version), payload: { startsAt: '2027-03-11T09:00:00-05:00' } }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(version), payload: {} }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(version), payload: { venue: null } }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'PATCH', url, headers: { ...ifMatch(version), 'content-type': 'application/merge-patch+json' }, payload: '{"capacity":5}' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
    expectStatus(t, await call(t, { method: 'PATCH', url, headers: { ...ifMatch(version), 'content-type': 'application/json' }, payload: '{capacity:5}' }), 400, 'MALFORMED_JSON')
    expectStatus(t, await call(t, { method: 'PATCH', url, headers: { 'if-match': `"${version}"` }, payload: change }), 401, 'UNAUTHENTICATED')
    expectStatus(t, await call(t, { method: 'PATCH', url, headers: { ...analyst, 'if-match': `"${version}"` }, payload: change }), 403, 'FORBIDDEN')
    expectStatus(t, await call(t, { method: 'PATCH', url: '/v1/events/3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14', headers: ifMatch(1), payload: change }), 404, 'EVENT_NOT_FOUND')
  })

  await t.test('publishEvent', async (t) => {
    const draft = await call(t, { method: 'POST', url: '/v1/events', headers: staff, payload: futureEvent({ draft: true, title: { en: 'Draft walk' }, kind: 'community_walk' }) })
    expectStatus(t, draft, 201)
    t.equal(draft.json().status, 'draft')
    const url = `/v1/events/${draft.json().id}/publish`
    expectStatus(t, await call(t, { method: 'GET', url: `/v1/events/${draft.json().id}` }), 404, 'EVENT_NOT_FOUND')
    expectStatus(t, await call(t, { method: 'GET', url: `/v1/events/${draft.json().id}`, headers: staff }), 200)
    expectStatus(t, await call(t, { method: 'POST', url, headers: staff }), 428, 'PRECONDITION_REQUIRED')
    expectStatus(t, await call(t, { method: 'POST', url, headers: ifMatch(2) }), 412, 'PRECONDITION_FAILED')
    expectStatus(t, await call(t, { method: 'POST', url, headers: { 'if-match': '"1"' } }), 401, 'UNAUTHENTICATED')
    expectStatus(t, await call(t, { method: 'POST', url, headers: { ...analyst, 'if-match': '"1"' } }), 403, 'FORBIDDEN')
    const published = await call(t, { method: 'POST', url, headers: ifMatch(1) })
    expectStatus(t, published, 200)
    t.equal(published.json().status, 'scheduled')
    t.equal(published.headers.etag, '"2"')
    expectStatus(t, await call(t, { method: 'POST', url, headers: ifMatch(2) }), 409, 'INVALID_TRANSITION')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events/3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14/publish', headers: ifMatch(1) }), 404, 'EVENT_NOT_FOUND')
    expectStatus(t, await call(t, { method: 'POST', url, headers: { ...ifMatch(2), 'content-type': 'application/json' }, payload: '{' }), 400, 'MALFORMED_JSON')
  })

  await t.test('postponeEvent, rescheduleEvent, cancelEvent', async (t) => {
    const base = `/v1/events/${id}`
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/postpone`, headers: staff, payload: {} }), 428, 'PRECONDITION_REQUIRED')
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/postpone`, headers: ifMatch(version + 5), payload: {} }), 412, 'PRECONDITION_FAILED')
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/postpone`, headers: ifMatch(version), payload: { reason: '' } }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/postpone`, headers: ifMatch(version), payload: { reason: 'Storm', until: 'later' } }), 400, 'VALIDATION_FAILED')
    const postponed = await call(t, { method: 'POST', url: `${base}/postpone`, headers: ifMatch(version), payload: { reason: 'Severe weather warning for the evening.' } })
    expectStatus(t, postponed, 200)
    t.equal(postponed.json().status, 'postponed')
    t.equal(postponed.json().statusReason, 'Severe weather warning for the evening.')
    version = postponed.json().version
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/postpone`, headers: ifMatch(version) }), 409, 'INVALID_TRANSITION')

    const times = { startsAt: '2027-03-17T09:00:00-04:00', endsAt: '2027-03-17T10:30:00-04:00', reason: 'The café is closed on the 10th.' }
    t.strictSame(checkRequestBody('POST', `${base}/reschedule`, times), [], 'the body is valid by the spec too')
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/reschedule`, headers: staff, payload: times }), 428, 'PRECONDITION_REQUIRED')
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/reschedule`, headers: ifMatch(1), payload: times }), 412, 'PRECONDITION_FAILED')
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/reschedule`, headers: ifMatch(version), payload: { ...times, endsAt: '2027-03-17T08:00:00-04:00' } }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/reschedule`, headers: ifMatch(version), payload: { ...times, startsAt: '2027-04-31T09:00:00-04:00' } }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/reschedule`, headers: ifMatch(version), payload: { ...times, startsAt: '2027-03-17 09:00' } }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/reschedule`, headers: ifMatch(version) }), 400, 'VALIDATION_FAILED')
    const moved = await call(t, { method: 'POST', url: `${base}/reschedule`, headers: ifMatch(version), payload: times })
    expectStatus(t, moved, 200)
    t.equal(moved.json().status, 'scheduled', 'a postponed event is scheduled again')
    t.equal(moved.json().startsAt, '2027-03-17T09:00:00-04:00', 'shown with the offset of its zone (after the DST change)')
    t.ok(moved.json().sequence > 0, 'SEQUENCE rose')
    version = moved.json().version

    expectStatus(t, await call(t, { method: 'POST', url: `${base}/cancel`, headers: staff }), 428, 'PRECONDITION_REQUIRED')
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/cancel`, headers: ifMatch(1) }), 412, 'PRECONDITION_FAILED')
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/cancel`, headers: { 'if-match': `"${version}"` } }), 401, 'UNAUTHENTICATED')
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/cancel`, headers: ifMatch(version), payload: { reason: 42 } }), 400, 'VALIDATION_FAILED')
    const cancelled = await call(t, { method: 'POST', url: `${base}/cancel`, headers: ifMatch(version), payload: { reason: 'The hosting unit was redeployed.' } })
    expectStatus(t, cancelled, 200)
    t.equal(cancelled.json().status, 'cancelled')
    version = cancelled.json().version
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/cancel`, headers: ifMatch(version) }), 409, 'INVALID_TRANSITION')
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/reschedule`, headers: ifMatch(version), payload: times }), 409, 'INVALID_TRANSITION')
    expectStatus(t, await call(t, { method: 'PATCH', url: base, headers: ifMatch(version), payload: { capacity: 10 } }), 409, 'INVALID_TRANSITION')
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/postpone`, headers: { ...ifMatch(version), 'content-type': 'text/csv' }, payload: 'a,b' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/cancel`, headers: json({ 'if-match': `"${version}"` }), payload: JSON.stringify({ reason: 'x'.repeat(config.bodyLimitBytes) }) }), 413, 'PAYLOAD_TOO_LARGE')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events/3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14/cancel', headers: ifMatch(1) }), 404, 'EVENT_NOT_FOUND')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events/3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14/reschedule', headers: ifMatch(1), payload: times }), 404, 'EVENT_NOT_FOUND')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events/3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14/postpone', headers: ifMatch(1) }), 404, 'EVENT_NOT_FOUND')
    expectStatus(t, await call(t, { method: 'POST', url: `${base}/postpone`, headers: { ...analyst, 'if-match': `"${version}"` } }), 403, 'FORBIDDEN')
  })

  await t.test('completeEvent', async (t) => {
    const past = await call(t, {
      method: 'POST',
      url: '/v1/events',
      headers: staff,
      payload: futureEvent({ title: { en: 'Winter town hall' }, kind: 'town_hall', startsAt: '2025-01-15T18:00:00-05:00', endsAt: '2025-01-15T20:00:00-05:00' }),
    })
    expectStatus(t, past, 201)
    const url = `/v1/events/${past.json().id}/complete`
    expectStatus(t, await call(t, { method: 'POST', url, headers: staff }), 428, 'PRECONDITION_REQUIRED')
    expectStatus(t, await call(t, { method: 'POST', url, headers: ifMatch(3) }), 412, 'PRECONDITION_FAILED')
    expectStatus(t, await call(t, { method: 'POST', url, headers: { 'if-match': '"1"' } }), 401, 'UNAUTHENTICATED')
    expectStatus(t, await call(t, { method: 'POST', url, headers: { ...analyst, 'if-match': '"1"' } }), 403, 'FORBIDDEN')
    const done = await call(t, { method: 'POST', url, headers: ifMatch(1) })
    expectStatus(t, done, 200)
    t.equal(done.json().status, 'completed')
    expectStatus(t, await call(t, { method: 'POST', url, headers: ifMatch(2) }), 409, 'INVALID_TRANSITION')

    const upcoming = await call(t, { method: 'POST', url: '/v1/events', headers: staff, payload: futureEvent({ title: { en: 'Spring walk' }, kind: 'community_walk' }) })
    expectStatus(t, await call(t, { method: 'POST', url: `/v1/events/${upcoming.json().id}/complete`, headers: ifMatch(1) }), 409, 'INVALID_TRANSITION')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events/3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14/complete', headers: ifMatch(1) }), 404, 'EVENT_NOT_FOUND')
    expectStatus(t, await call(t, { method: 'POST', url: `/v1/events/${upcoming.json().id}/complete`, headers: { ...ifMatch(1), 'content-type': 'application/xml' }, payload: '<x/>' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
  })
})

t.test('listEventsCalendar and exportEventsCsv: the list in open formats, valid and invalid', async (t) => {
  const feed = await call(t, { method: 'GET', url: '/v1/events.ics?language=es&from=2027-01-01T00:00:00Z&to=2028-01-01T00:00:00Z' })
  expectStatus(t, feed, 200)
  t.match(feed.headers['content-type'], /^text\/calendar/)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/events.ics?limit=5' }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/events.ics?format=teleport' }), 400, 'VALIDATION_FAILED')
  const csv = await call(t, { method: 'GET', url: '/v1/events.csv?language=es' })
  expectStatus(t, csv, 200)
  t.match(csv.headers['content-type'], /^text\/csv/)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/events.csv?limit=5' }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/events.csv', headers: { authorization: 'Bearer not.a.jwt' } }), 401, 'UNAUTHENTICATED')
  const ld = await call(t, { method: 'GET', url: '/v1/events?limit=2', headers: { accept: 'application/ld+json' } })
  expectStatus(t, ld, 200)
  t.equal(ld.json()['@type'], 'ItemList')
})

t.test('listEvents: filters, paging and invalid queries', async (t) => {
  // A few more events so paging has pages: different formats, languages and accommodations.
  for (const [i, extra] of [
    { format: 'virtual', venue: undefined, online: { joinUrl: 'https://meet.example.org/j/1' }, languages: ['vi'], interpretation: [] },
    { format: 'hybrid', online: { dialIn: { number: '+1 646 555 0100' } }, accommodations: ['live_captioning'], topics: ['wellness'] },
    { kind: 'youth_event', areaId: fixtures.areas.south.id, startsAt: '2027-05-01T15:00:00-04:00', endsAt: '2027-05-01T17:00:00-04:00' },
  ].entries()) {
    const body = futureEvent({ title: { en: `Neighbourhood meeting ${i + 1}` }, ...extra })
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/events', headers: staff, payload: JSON.parse(JSON.stringify(body)) }), 201)
  }

  const all = await call(t, { method: 'GET', url: '/v1/events' })
  expectStatus(t, all, 200)
  t.equal(all.json().nextCursor, null, 'one page holds them all')
  t.equal(all.headers.link, undefined, 'so there is no Link')
  const total = all.json().data.length
  t.ok(total >= 5, 'the events are listed')

  // Walk the pages one event at a time, following Link.
  const ids: string[] = []
  let url: string | undefined = '/v1/events?limit=1'
  while (url) {
    const page: Res = await call(t, { method: 'GET', url })
    expectStatus(t, page, 200)
    ids.push(...page.json().data.map((e: { id: string }) => e.id))
    url = /^<([^>]+)>; rel="next"$/.exec(String(page.headers.link ?? ''))?.[1]
    if (url) t.match(url, /cursor=/, 'Link carries the cursor')
    if (ids.length > total + 1) break
  }
  t.equal(ids.length, total, 'paging returns every event')
  t.equal(new Set(ids).size, total, 'exactly once')

  const filters = [
    'status=scheduled,postponed',
    'status=scheduled&status=cancelled',
    'format=in_person&format=hybrid',
    'format=virtual',
    'language=vi',
    'language=es,ase',
    'accommodation=step_free_access',
    'accommodation=step_free_access,sign_language_interpretation',
    `areaId=${fixtures.areas.south.id}`,
    'kind=youth_event,town_hall',
    'topic=community_safety',
    'agency=metro',
    'agency=nowhere',
    'from=2027-04-01T00:00:00-04:00',
    'from=2027-01-01T00:00:00Z&to=2027-04-01T00:00:00Z',
    'q=coffee',
    'updatedSince=2020-01-01T00:00:00Z&limit=2',
    `seriesId=${fixtures.areas.north.id}`,
  ]
  for (const query of filters) expectStatus(t, await call(t, { method: 'GET', url: `/v1/events?${query}` }), 200)
  const staffList = await call(t, { method: 'GET', url: '/v1/events?status=draft', headers: staff })
  expectStatus(t, staffList, 200)

  const second = await call(t, { method: 'GET', url: '/v1/events?updatedSince=2020-01-01T00:00:00Z&limit=2' })
  const syncCursor = second.json().nextCursor as string
  t.ok(syncCursor, 'a sync listing pages too')

  const invalid: [string, string][] = [
    ['cursor=garbage', 'INVALID_CURSOR'],
    [`cursor=${syncCursor}`, 'INVALID_CURSOR'], // a sync cursor on the start-time listing
    ['limit=100000', 'VALIDATION_FAILED'],
    ['limit=0', 'VALIDATION_FAILED'],
    ['limit=ten', 'VALIDATION_FAILED'],
    ['from=2027-02-30T00:00:00Z', 'VALIDATION_FAILED'],
    ['from=yesterday', 'VALIDATION_FAILED'],
    ['status=archived', 'VALIDATION_FAILED'],
    ['accommodation=valet', 'VALIDATION_FAILED'],
    ['areaId=district-1', 'VALIDATION_FAILED'],
    ['q=a&q=b', 'VALIDATION_FAILED'],
    ['colour=blue', 'VALIDATION_FAILED'],
  ]
  for (const [query, code] of invalid) expectStatus(t, await call(t, { method: 'GET', url: `/v1/events?${query}` }), 400, code)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/events?access_token=abc' }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/events', headers: { authorization: 'Basic dXNlcjpwYXNz' } }), 401, 'UNAUTHENTICATED')
  await call(t, { method: 'HEAD', url: '/v1/events' })
})

t.test('series: create, read, list, occurrences, change and cancel', async (t) => {
  let id = ''
  await t.test('createSeries', async (t) => {
    const body = seriesBody({
      rotation: [
        { venue: { name: 'Hillcrest Library, Community Room', address: { street: '1450 Hillcrest Ave', locality: 'Metro', country: 'US' } } },
        { venue: { name: 'Riverside Recreation Center' }, areaId: fixtures.areas.south.id },
      ],
      overrides: [{ occurrence: '2027-04-13T18:30', start: '2027-04-14T18:30', durationMinutes: 60, format: 'virtual', online: { joinUrl: 'https://meet.example.org/j/2' } }],
    })
    t.strictSame(checkRequestBody('POST', '/v1/series', body), [], 'the body is valid by the spec too')
    const created = await call(t, { method: 'POST', url: '/v1/series', headers: { ...staff, 'idempotency-key': 'series-create-1' }, payload: body })
    expectStatus(t, created, 201)
    id = created.json().id
    t.equal(created.headers.location, `/v1/series/${id}`)
    t.equal(created.json().recurrence.rule, 'FREQ=MONTHLY;BYDAY=2TU;COUNT=6', 'the RRULE: prefix is dropped')
    const replay = await call(t, { method: 'POST', url: '/v1/series', headers: { ...staff, 'idempotency-key': 'series-create-1' }, payload: body })
    expectStatus(t, replay, 201)
    t.equal(replay.headers['idempotent-replayed'], 'true')
    t.equal(replay.json().id, id)
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/series', headers: { ...staff, 'idempotency-key': 'series-create-1' }, payload: seriesBody() }), 422, 'IDEMPOTENCY_KEY_REUSED')

    const badRules: [string, Record<string, unknown>][] = [
      ['an unsupported frequency', { rule: 'FREQ=SECONDLY', start: '2027-01-12T18:30', durationMinutes: 90 }],
      ['an invalid BYDAY', { rule: 'FREQ=WEEKLY;BYDAY=XX', start: '2027-01-12T18:30', durationMinutes: 90 }],
      ['text that is no rule', { rule: 'every second tuesday', start: '2027-01-12T18:30', durationMinutes: 90 }],
      ['an impossible start', { rule: 'FREQ=WEEKLY', start: '2027-02-30T18:30', durationMinutes: 90 }],
      ['a start with an offset', { rule: 'FREQ=WEEKLY', start: '2027-01-12T18:30:00Z', durationMinutes: 90 }],
      ['too short a meeting', { rule: 'FREQ=WEEKLY', start: '2027-01-12T18:30', durationMinutes: 1 }],
    ]
    for (const [what, recurrence] of badRules) {
      const res = await call(t, { method: 'POST', url: '/v1/series', headers: staff, payload: seriesBody({ recurrence }) })
      expectStatus(t, res, 400, 'VALIDATION_FAILED')
      t.match(res.json().errors, [{ field: /^recurrence/ }], `${what} is refused`)
    }
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/series', headers: staff, payload: seriesBody({ overrides: [{ occurrence: '2027-01-13T18:30' }] }) }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/series', headers: staff, payload: seriesBody({ rotation: [{ venue: { name: 'Somewhere' }, capacity: 5 }] }) }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/series', headers: staff, payload: seriesBody({ recurrence: undefined }) }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/series', headers: json(), payload: '{"title":' }), 400, 'MALFORMED_JSON')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/series', payload: seriesBody() }), 401, 'UNAUTHENTICATED')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/series', headers: analyst, payload: seriesBody() }), 403, 'FORBIDDEN')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/series', headers: { ...staff, 'content-type': 'application/yaml' }, payload: 'title: x' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
    expectStatus(t, await call(t, { method: 'POST', url: '/v1/series', headers: json(), payload: JSON.stringify(seriesBody({ description: { en: 'x'.repeat(config.bodyLimitBytes) } })) }), 413, 'PAYLOAD_TOO_LARGE')
  })

  await t.test('getSeries', async (t) => {
    const res = await call(t, { method: 'GET', url: `/v1/series/${id}`, headers: { 'accept-language': 'vi' } })
    expectStatus(t, res, 200)
    t.equal(res.headers['content-language'], 'vi')
    t.equal(res.json().rotation.length, 2)
    expectStatus(t, await call(t, { method: 'GET', url: '/v1/series/7c9e6679-7425-40de-944b-e07fc1f90ae7' }), 404, 'SERIES_NOT_FOUND')
    expectStatus(t, await call(t, { method: 'GET', url: '/v1/series/beat-12' }), 404, 'SERIES_NOT_FOUND')
  })

  await t.test('listSeriesOccurrences', async (t) => {
    const first = await call(t, { method: 'GET', url: `/v1/series/${id}/occurrences?limit=2` })
    expectStatus(t, first, 200)
    t.equal(first.json().data.length, 2)
    t.match(String(first.headers.link), /rel="next"/)
    const rest = await call(t, { method: 'GET', url: `/v1/series/${id}/occurrences?limit=10&cursor=${first.json().nextCursor}` })
    expectStatus(t, rest, 200)
    t.equal(first.json().data.length + rest.json().data.length, 5, 'six monthly meetings, one excepted')
    expectStatus(t, await call(t, { method: 'GET', url: `/v1/series/${id}/occurrences?format=virtual&status=scheduled` }), 200)
    expectStatus(t, await call(t, { method: 'GET', url: `/v1/series/${id}/occurrences?cursor=garbage` }), 400, 'INVALID_CURSOR')
    expectStatus(t, await call(t, { method: 'GET', url: `/v1/series/${id}/occurrences?limit=100000` }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'GET', url: `/v1/series/${id}/occurrences?to=2027-13-01T00:00:00Z` }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'GET', url: '/v1/series/7c9e6679-7425-40de-944b-e07fc1f90ae7/occurrences' }), 404, 'SERIES_NOT_FOUND')
    expectStatus(t, await call(t, { method: 'GET', url: `/v1/series/${id}/occurrences?token=abc` }), 401, 'UNAUTHENTICATED')
  })

  await t.test('listSeries', async (t) => {
    // A second, simpler series (no rotation), so the list has two pages at limit=1.
    const other = await call(t, { method: 'POST', url: '/v1/series', headers: staff, payload: seriesBody({ title: { en: 'Youth advisory board' }, kind: 'advisory_board', recurrence: { rule: 'FREQ=WEEKLY;BYDAY=WE;COUNT=3', start: '2027-02-03T16:00', durationMinutes: 60 } }) })
    expectStatus(t, other, 201)
    const page = await call(t, { method: 'GET', url: '/v1/series?limit=1' })
    expectStatus(t, page, 200)
    const next = /^<([^>]+)>; rel="next"$/.exec(String(page.headers.link))?.[1]
    t.ok(next, 'a Link to the next page')
    const page2 = await call(t, { method: 'GET', url: next! })
    expectStatus(t, page2, 200)
    t.not(page2.json().data[0].id, page.json().data[0].id, 'the next page moves on')
    expectStatus(t, await call(t, { method: 'GET', url: '/v1/series?agency=metro' }), 200)
    const none = await call(t, { method: 'GET', url: '/v1/series?agency=nowhere' })
    t.strictSame(none.json(), { data: [], nextCursor: null }, 'an unknown agency lists nothing')
    const eventsCursor = (await app.inject({ method: 'GET', url: '/v1/events?limit=1' })).json().nextCursor
    expectStatus(t, await call(t, { method: 'GET', url: `/v1/series?cursor=${eventsCursor}` }), 400, 'INVALID_CURSOR')
    expectStatus(t, await call(t, { method: 'GET', url: '/v1/series?limit=100000' }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'GET', url: '/v1/series?status=active' }), 400, 'VALIDATION_FAILED')
    expectStatus(t, await call(t, { method: 'GET', url: '/v1/series?access_token=abc' }), 401, 'UNAUTHENTICATED')

    await t.test('updateSeries and cancelSeries', async (t) => {
      const sid = other.json().id
      const url = `/v1/series/${sid}`
      const change = { capacity: 25, interpretation: ['ase'], accommodations: ['step_free_access', 'sign_language_interpretation'] }
      t.strictSame(checkRequestBody('PATCH', url, change), [], 'the body is valid by the spec too')
      expectStatus(t, await call(t, { method: 'PATCH', url, headers: staff, payload: change }), 428, 'PRECONDITION_REQUIRED')
      expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(9), payload: change }), 412, 'PRECONDITION_FAILED')
      expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(1), payload: { colour: 'blue' } }), 400, 'VALIDATION_FAILED')
      expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(1), payload: {} }), 400, 'VALIDATION_FAILED')
      t.not(checkRequestBody('PATCH', url, {}).length, 0, 'the spec refuses an empty change too')
      expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(1), payload: { recurrence: { rule: 'FREQ=HOURLY', start: '2027-02-03T16:00', durationMinutes: 60 } } }), 400, 'VALIDATION_FAILED')
      expectStatus(t, await call(t, { method: 'PATCH', url, headers: { 'if-match': '"1"' }, payload: change }), 401, 'UNAUTHENTICATED')
      expectStatus(t, await call(t, { method: 'PATCH', url, headers: { ...analyst, 'if-match': '"1"' }, payload: change }), 403, 'FORBIDDEN')
      expectStatus(t, await call(t, { method: 'PATCH', url, headers: { ...ifMatch(1), 'content-type': 'text/xml' }, payload: '<x/>' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
      expectStatus(t, await call(t, { method: 'PATCH', url: '/v1/series/7c9e6679-7425-40de-944b-e07fc1f90ae7', headers: ifMatch(1), payload: change }), 404, 'SERIES_NOT_FOUND')
      const updated = await call(t, { method: 'PATCH', url, headers: ifMatch(1), payload: change })
      expectStatus(t, updated, 200)
      t.equal(updated.headers.etag, '"2"')
      const occurrences = await call(t, { method: 'GET', url: `${url}/occurrences` })
      t.ok(occurrences.json().data.every((e: { capacity: number }) => e.capacity === 25), 'future occurrences follow the series')

      expectStatus(t, await call(t, { method: 'POST', url: `${url}/cancel`, headers: staff }), 428, 'PRECONDITION_REQUIRED')
      expectStatus(t, await call(t, { method: 'POST', url: `${url}/cancel`, headers: ifMatch(1) }), 412, 'PRECONDITION_FAILED')
      expectStatus(t, await call(t, { method: 'POST', url: `${url}/cancel`, headers: ifMatch(2), payload: { reason: '' } }), 400, 'VALIDATION_FAILED')
      expectStatus(t, await call(t, { method: 'POST', url: `${url}/cancel`, headers: { 'if-match': '"2"' } }), 401, 'UNAUTHENTICATED')
      expectStatus(t, await call(t, { method: 'POST', url: `${url}/cancel`, headers: { ...analyst, 'if-match': '"2"' } }), 403, 'FORBIDDEN')
      expectStatus(t, await call(t, { method: 'POST', url: '/v1/series/7c9e6679-7425-40de-944b-e07fc1f90ae7/cancel', headers: ifMatch(1) }), 404, 'SERIES_NOT_FOUND')
      const cancelled = await call(t, { method: 'POST', url: `${url}/cancel`, headers: ifMatch(2), payload: { reason: 'The board now meets at City Hall.' } })
      expectStatus(t, cancelled, 200)
      t.equal(cancelled.json().status, 'cancelled')
      const after = await call(t, { method: 'GET', url: `${url}/occurrences` })
      t.ok(after.json().data.every((e: { status: string }) => e.status === 'cancelled'), 'its future occurrences are cancelled')
      expectStatus(t, await call(t, { method: 'POST', url: `${url}/cancel`, headers: ifMatch(3) }), 409, 'INVALID_TRANSITION')
      expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(3), payload: change }), 409, 'INVALID_TRANSITION')
      expectStatus(t, await call(t, { method: 'POST', url: `${url}/cancel`, headers: { ...ifMatch(3), 'content-type': 'multipart/form-data; boundary=x' }, payload: '--x--' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
      expectStatus(t, await call(t, { method: 'PATCH', url, headers: json({ 'if-match': '"3"' }), payload: JSON.stringify({ description: { en: 'x'.repeat(config.bodyLimitBytes) } }) }), 413, 'PAYLOAD_TOO_LARGE')
    })

    await t.test('publishSeries: a partner proposes a draft series, staff publish it', async (t) => {
      const org = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Contract Partners', kind: 'faith' } })).json()
      const partner = await bearer({ role: 'partner', agency: 'metro', sub: 'contract-partner', claims: { org: org.id } })
      const proposal = { title: { en: 'Faith leaders forum' }, kind: 'listening_session', format: 'in_person', venue: { name: 'Hall' }, recurrence: { rule: 'FREQ=MONTHLY;COUNT=2', start: `${dateAfterNow(88)}T18:00`, durationMinutes: 60 } }
      const proposed = await call(t, { method: 'POST', url: '/v1/series', headers: partner, payload: proposal })
      expectStatus(t, proposed, 201)
      t.equal(proposed.json().status, 'draft')
      const url = `/v1/series/${proposed.json().id}/publish`
      expectStatus(t, await call(t, { method: 'POST', url, headers: staff }), 428, 'PRECONDITION_REQUIRED')
      expectStatus(t, await call(t, { method: 'POST', url, headers: ifMatch(9) }), 412, 'PRECONDITION_FAILED')
      expectStatus(t, await call(t, { method: 'POST', url, headers: { 'if-match': '"1"' } }), 401, 'UNAUTHENTICATED')
      expectStatus(t, await call(t, { method: 'POST', url, headers: { ...partner, 'if-match': '"1"' } }), 403, 'FORBIDDEN')
      expectStatus(t, await call(t, { method: 'POST', url: '/v1/series/7c9e6679-7425-40de-944b-e07fc1f90ae7/publish', headers: ifMatch(1) }), 404, 'SERIES_NOT_FOUND')
      const published = await call(t, { method: 'POST', url, headers: ifMatch(1) })
      expectStatus(t, published, 200)
      t.equal(published.json().status, 'active')
      expectStatus(t, await call(t, { method: 'POST', url, headers: ifMatch(2) }), 409, 'INVALID_TRANSITION')
    })
  })
})

t.test('agencies and areas', async (t) => {
  const list = await call(t, { method: 'GET', url: '/v1/agencies' })
  expectStatus(t, list, 200)
  t.equal(list.json().data.length, 2)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/agencies/metro' }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/agencies/nowhere' }), 404, 'AGENCY_NOT_FOUND')
  const areas = await call(t, { method: 'GET', url: '/v1/agencies/metro/areas' })
  expectStatus(t, areas, 200)
  t.strictSame(areas.json().data.map((a: { code: string }) => a.code), ['D1', 'D2'])
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/agencies/nowhere/areas' }), 404, 'AGENCY_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/agencies?access_token=abc' }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/agencies/metro', headers: { authorization: 'Bearer x.y.z' } }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/agencies/metro/areas?token=abc' }), 401, 'UNAUTHENTICATED')
})

t.test('organizations: register, read, list and change, valid and invalid', async (t) => {
  const body = { name: 'Eastside Neighbours', kind: 'neighbourhood_association', areaIds: [fixtures.areas.north.id], languages: ['en', 'es'], contact: { name: 'Ana Ruiz', email: 'ana@example.org' } }
  const created = await call(t, { method: 'POST', url: '/v1/organizations', headers: json({ 'idempotency-key': 'org-contract' }), payload: body })
  expectStatus(t, created, 201)
  const { id } = created.json()
  const replayed = await call(t, { method: 'POST', url: '/v1/organizations', headers: json({ 'idempotency-key': 'org-contract' }), payload: body })
  t.equal(replayed.headers['idempotent-replayed'], 'true')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/organizations', headers: json({ 'idempotency-key': 'org-contract' }), payload: { ...body, name: 'Other' } }), 422, 'IDEMPOTENCY_KEY_REUSED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/organizations', headers: json(), payload: { ...body, kind: 'club' } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/organizations', payload: body }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/organizations', headers: analyst, payload: body }), 403, 'FORBIDDEN')

  const read = await call(t, { method: 'GET', url: `/v1/organizations/${id}`, headers: staff })
  expectStatus(t, read, 200)
  t.equal(read.json().contact.email, 'ana@example.org')
  t.equal((await call(t, { method: 'GET', url: `/v1/organizations/${id}` })).json().contact, null, 'the public sees no contact')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/organizations/not-a-uuid' }), 404, 'ORGANIZATION_NOT_FOUND')

  const list = await call(t, { method: 'GET', url: `/v1/organizations?agency=metro&kind=neighbourhood_association&language=es&status=active&areaId=${fixtures.areas.north.id}&limit=1` })
  expectStatus(t, list, 200)
  t.equal(list.json().data.length, 1)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/organizations?kind=club' }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/organizations?cursor=nope' }), 400, 'INVALID_CURSOR')

  const url = `/v1/organizations/${id}`
  expectStatus(t, await call(t, { method: 'PATCH', url, headers: json(), payload: { partnershipStatus: 'paused' } }), 428, 'PRECONDITION_REQUIRED')
  expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(5), payload: { partnershipStatus: 'paused' } }), 412, 'PRECONDITION_FAILED')
  expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(1), payload: {} }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'PATCH', url, headers: { ...analyst, 'if-match': '"1"' }, payload: { name: 'X' } }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'PATCH', url: '/v1/organizations/00000000-0000-4000-8000-000000000000', headers: ifMatch(1), payload: { name: 'X' } }), 404, 'ORGANIZATION_NOT_FOUND')
  const changed = await call(t, { method: 'PATCH', url, headers: ifMatch(1), payload: { partnershipStatus: 'paused', contact: null } })
  expectStatus(t, changed, 200)
  t.equal(changed.headers.etag, '"2"')

  // Events carry their co-hosts and list by them.
  const hosted = await call(t, { method: 'POST', url: '/v1/events', headers: json(), payload: futureEvent({ coHostIds: [id] }) })
  expectStatus(t, hosted, 201)
  t.strictSame(hosted.json().coHostIds, [id])
  const byHost = await call(t, { method: 'GET', url: `/v1/events?organizationId=${id}` })
  t.strictSame(byHost.json().data.map((e: { id: string }) => e.id), [hosted.json().id])
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/events', headers: json(), payload: futureEvent({ coHostIds: ['00000000-0000-4000-8000-000000000000'] }) }), 400, 'VALIDATION_FAILED')
})

t.test('credentials: issue, list, exchange and revoke, valid and invalid', async (t) => {
  const admin = await bearer({ role: 'admin', agency: 'metro' })
  const org = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Credentialed', kind: 'other' } })).json()
  const url = `/v1/organizations/${org.id}/api-clients`
  const created = await call(t, { method: 'POST', url, headers: admin, payload: { name: 'Sync' } })
  expectStatus(t, created, 201)
  const client = created.json()
  expectStatus(t, await call(t, { method: 'POST', url, headers: staff, payload: { name: 'Sync' } }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'POST', url, headers: admin, payload: { name: '' } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/organizations/00000000-0000-4000-8000-000000000000/api-clients', headers: admin, payload: { name: 'x' } }), 404, 'ORGANIZATION_NOT_FOUND')

  const listed = await call(t, { method: 'GET', url, headers: admin })
  expectStatus(t, listed, 200)
  t.equal(listed.json().data.length, 1)
  expectStatus(t, await call(t, { method: 'GET', url }), 401, 'UNAUTHENTICATED')

  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  const token = await call(t, { method: 'POST', url: '/oauth/token', headers: form, payload: `grant_type=client_credentials&client_id=${client.clientId}&client_secret=${client.clientSecret}` })
  expectStatus(t, token, 200)
  expectStatus(t, await call(t, { method: 'POST', url: '/oauth/token', headers: form, payload: `grant_type=client_credentials&client_id=${client.clientId}&client_secret=wrong` }), 401, 'INVALID_CLIENT')
  expectStatus(t, await call(t, { method: 'POST', url: '/oauth/token', headers: form, payload: 'grant_type=authorization_code' }), 400, 'UNSUPPORTED_GRANT_TYPE')
  expectStatus(t, await call(t, { method: 'POST', url: '/oauth/token', headers: { 'content-type': 'text/plain' }, payload: 'grant_type=client_credentials' }), 415, 'UNSUPPORTED_MEDIA_TYPE')

  const revoked = await call(t, { method: 'POST', url: `/v1/api-clients/${client.id}/revoke`, headers: admin })
  expectStatus(t, revoked, 200)
  t.ok(revoked.json().revokedAt)
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/api-clients/00000000-0000-4000-8000-000000000000/revoke', headers: admin }), 404, 'API_CLIENT_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/api-clients/${client.id}/revoke`, headers: analyst }), 403, 'FORBIDDEN')
})

t.test('participants, attendance and surveys: every operation, valid and invalid', async (t) => {
  const admin = await bearer({ role: 'admin', agency: 'metro' })
  const missing = '00000000-0000-4000-8000-000000000000'
  const person = { displayName: 'Mai Nguyen', contact: { email: 'mai@example.org' }, preferredLanguage: 'vi', consents: { contact: true, dataUse: true }, areaId: fixtures.areas.north.id }
  const created = await call(t, { method: 'POST', url: '/v1/participants', headers: json({ 'idempotency-key': 'person-1' }), payload: person })
  expectStatus(t, created, 201)
  const { id } = created.json()
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/participants', headers: json(), payload: { ...person, consents: { contact: false } } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/participants', headers: staff }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/participants?language=vi&consent=contact&purpose=report_back&limit=1', headers: staff }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/participants', headers: analyst }), 403, 'FORBIDDEN')
  const shown = await call(t, { method: 'GET', url: `/v1/participants/${id}?purpose=event_logistics`, headers: staff })
  expectStatus(t, shown, 200)
  t.equal(shown.json().contact.email, 'mai@example.org')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/participants/${id}`, headers: analyst }), 404, 'PARTICIPANT_NOT_FOUND')
  const url = `/v1/participants/${id}`
  expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(1), payload: { preferredLanguage: 'es' } }), 200)
  expectStatus(t, await call(t, { method: 'PATCH', url, headers: ifMatch(1), payload: { preferredLanguage: 'es' } }), 412, 'PRECONDITION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: `${url}/withdraw-consent`, headers: ifMatch(2), payload: { dataUse: true } }), 200)
  expectStatus(t, await call(t, { method: 'POST', url: `${url}/withdraw-consent`, headers: ifMatch(3), payload: {} }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'PUT', url: `${url}/demographics`, headers: staff, payload: { ageBand: 'age_35_44', raceEthnicity: ['white'] } }), 204)
  expectStatus(t, await call(t, { method: 'PUT', url: `/v1/participants/${missing}/demographics`, headers: staff, payload: {} }), 404, 'PARTICIPANT_NOT_FOUND')

  const event = (await call(t, { method: 'POST', url: '/v1/events', headers: json(), payload: futureEvent({ registrationRequired: true, capacity: 1 }) })).json()
  const registered = await call(t, { method: 'POST', url: `/v1/events/${event.id}/registrations`, payload: { displayName: 'Luis', consents: { contact: true }, contact: { phone: '+1 555 0100' } } })
  expectStatus(t, registered, 201)
  const waitlisted = await call(t, { method: 'POST', url: `/v1/events/${event.id}/registrations`, headers: json(), payload: { participantId: id, role: 'speaker' } })
  t.equal(waitlisted.json().status, 'waitlisted')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/events/${event.id}/registrations`, headers: json(), payload: { participantId: id } }), 409, 'ALREADY_REGISTERED')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/events/${event.id}/registrations?status=registered,waitlisted&limit=1`, headers: staff }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/events/${event.id}/registrations`, headers: analyst }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/events/${event.id}/attendance` }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/events/${missing}/attendance` }), 404, 'EVENT_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/registrations/${registered.json().id}/cancel`, headers: ifMatch(1) }), 200)
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/registrations/${missing}/cancel`, headers: ifMatch(1) }), 404, 'REGISTRATION_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/events/${event.id}/check-ins`, headers: json(), payload: { participantId: id, role: 'speaker' } }), 200)
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/events/${event.id}/check-ins`, headers: json(), payload: { participantId: missing } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/events/${event.id}/head-counts`, headers: json(), payload: { count: 12, note: 'Hall' } }), 201)
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/events/${event.id}/head-counts`, payload: { count: 12 } }), 401, 'UNAUTHENTICATED')

  const held = (await call(t, { method: 'POST', url: '/v1/events', headers: json(), payload: futureEvent({ startsAt: `${dateAfterNow(-2)}T09:00:00-05:00`, endsAt: `${dateAfterNow(-2)}T10:00:00-05:00` }) })).json()
  const checkedIn = await call(t, { method: 'POST', url: `/v1/events/${held.id}/check-ins`, headers: json(), payload: { participantId: id } })
  expectStatus(t, checkedIn, 200)
  const { surveyToken } = checkedIn.json()
  t.match(surveyToken, /^[A-Za-z0-9_-]{43}$/, 'the check-in hands out a survey token')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/events/${held.id}/survey-responses`, payload: { dignity: 5 } }), 400, 'SURVEY_TOKEN_REQUIRED')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/events/${held.id}/survey-responses`, payload: { token: 'A'.repeat(43), dignity: 5 } }), 403, 'SURVEY_TOKEN_INVALID')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/events/${held.id}/survey-responses`, payload: { token: surveyToken, dignity: 5, voice: 4, neutrality: 3, trust: 4, language: 'es' } }), 201)
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/events/${held.id}/survey-responses`, payload: { token: surveyToken, dignity: 5 } }), 409, 'SURVEY_TOKEN_USED')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/events/${event.id}/survey-responses`, payload: { token: surveyToken, dignity: 5 } }), 409, 'SURVEY_NOT_OPEN')
  const open = (await call(t, { method: 'POST', url: '/v1/events', headers: json(), payload: futureEvent({ registrationRequired: true }) })).json()
  const own = await call(t, { method: 'POST', url: `/v1/events/${open.id}/registrations`, payload: { displayName: 'Ana', consents: { dataUse: false } } })
  expectStatus(t, own, 201)
  t.match(own.json().surveyToken, /^[A-Za-z0-9_-]{43}$/, 'a registration hands out a survey token')
  const grant = await call(t, { method: 'POST', url: `/v1/my-registrations/${own.json().registrationCode}/survey-token` })
  expectStatus(t, grant, 201)
  t.equal(grant.json().eventId, open.id)
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/my-registrations/${registered.json().registrationCode}/survey-token` }), 409, 'INVALID_TRANSITION')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/my-registrations/${'x'.repeat(43)}/survey-token` }), 404, 'REGISTRATION_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/events/${held.id}/survey-responses`, headers: staff }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/events/${held.id}/survey-responses` }), 401, 'UNAUTHENTICATED')

  expectStatus(t, await call(t, { method: 'POST', url: `${url}/erase`, headers: staff }), 403, 'FORBIDDEN')
  const erased = await call(t, { method: 'POST', url: `${url}/erase`, headers: admin })
  expectStatus(t, erased, 200)
  t.equal(erased.json().contact.visibility, 'erased')
  expectStatus(t, await call(t, { method: 'PATCH', url, headers: { ...staff, 'if-match': '*' }, payload: { displayName: 'X' } }), 409, 'PARTICIPANT_ERASED')
})

t.test('operations: health probes and the document', async (t) => {
  expectStatus(t, await call(t, { method: 'GET', url: '/health/live' }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/health/live', headers: { authorization: 'Basic x' } }), 401, 'UNAUTHENTICATED')
  const ready = await call(t, { method: 'GET', url: '/health/ready' })
  expectStatus(t, ready, 200)
  t.equal(ready.json().database, database.kind)
  expectStatus(t, await call(t, { method: 'GET', url: '/health/ready?access_token=x' }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'GET', url: '/openapi.json?token=x' }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'GET', url: '/openapi.yaml?token=x' }), 401, 'UNAUTHENTICATED')

  // The same server over a database that does not answer: readiness says 503 with Retry-After.
  const down = await buildApp({ config, database: { ...database, ping: async () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) } })
  t.teardown(() => down.close())
  const unready = await call(t, { method: 'GET', url: '/health/ready' }, down)
  expectStatus(t, unready, 503, 'DATABASE_UNAVAILABLE')
  t.equal(unready.headers['retry-after'], '5')

  // (c) The served document is the checked-in file.
  const fromFile = parse(readFileSync(openapiFile, 'utf8'))
  const asJson = await call(t, { method: 'GET', url: '/openapi.json' })
  expectStatus(t, asJson, 200)
  t.strictSame(asJson.json(), fromFile, '/openapi.json is openapi.yaml parsed')
  const asYaml = await call(t, { method: 'GET', url: '/openapi.yaml' })
  expectStatus(t, asYaml, 200)
  t.equal(asYaml.body, readFileSync(openapiFile, 'utf8'), '/openapi.yaml is the file, byte for byte')
  const sdl = await call(t, { method: 'GET', url: '/schema.graphql' })
  expectStatus(t, sdl, 200)
  t.equal(sdl.body, readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'), '/schema.graphql is the file, byte for byte')
  expectStatus(t, await call(t, { method: 'GET', url: '/schema.graphql', headers: { authorization: 'Bearer not-a-token' } }), 401, 'UNAUTHENTICATED')
  const introspection = await call(t, { method: 'GET', url: '/graphiql/introspection.json' })
  expectStatus(t, introspection, 200)
  t.ok(introspection.json().data.__schema.types.some((type: { name: string }) => type.name === 'Event'), '/graphiql/introspection.json introspects the schema')
  expectStatus(t, await call(t, { method: 'GET', url: '/graphiql/introspection.json', headers: { authorization: 'Bearer not-a-token' } }), 401, 'UNAUTHENTICATED')
  await call(t, { method: 'HEAD', url: '/openapi.json' })
  await call(t, { method: 'HEAD', url: '/health/live' })
})

t.test('routing problems: unknown route 404, wrong method 405', async (t) => {
  for (const url of ['/v1/meetings', '/v2/events', '/v1/events/3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14/archive', '/']) {
    expectStatus(t, await call(t, { method: 'GET', url }), 404, 'ROUTE_NOT_FOUND')
  }
  const wrong: [string, string][] = [
    ['DELETE', '/v1/events'],
    ['PUT', '/v1/events/3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14'],
    ['DELETE', '/v1/series/7c9e6679-7425-40de-944b-e07fc1f90ae7'],
    ['GET', '/v1/events/3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14/publish'],
    ['DELETE', '/v1/agencies'],
    ['POST', '/health/live'],
  ]
  for (const [method, url] of wrong) {
    const res = await call(t, { method: method as 'GET', url })
    expectStatus(t, res, 405, 'METHOD_NOT_ALLOWED')
    t.ok(res.headers.allow, `${method} ${url}: Allow lists the methods`)
  }
})

t.test('(d) the docs page is served from this server, with no CDN', async (t) => {
  const page = await app.inject({ method: 'GET', url: '/docs' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  const refs = [...page.body.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
  t.ok(refs.length >= 3, 'the page loads scripts and styles')
  for (const ref of refs) {
    t.notMatch(ref, /^(?:[a-z]+:)?\/\//i, `${ref} is not an absolute URL to another host`)
    const asset = await app.inject({ method: 'GET', url: new URL(ref, 'http://localhost/docs/').pathname })
    t.equal(asset.statusCode, 200, `${ref} loads from the server`)
  }
  t.notMatch(page.body, /https?:\/\/(?:unpkg|cdn|cdnjs|jsdelivr)/i, 'no CDN in the HTML')
  const initializer = await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })
  t.equal(initializer.statusCode, 200)
  // (A comment in it links to Stack Overflow; a quoted URL would be something it loads.)
  t.notMatch(initializer.body, /["'`]https?:\/\//i, 'the initializer loads no remote URL')
  const served = await app.inject({ method: 'GET', url: '/docs/json' })
  t.strictSame(served.json(), openapiDocument, 'the docs page shows this document')
})

t.test('when a body is plain text or a title has no language, then the answer is a conforming 4xx', async (t) => {
  const plain = (await app.inject({ method: 'POST', url: '/v1/events', headers: { ...staff, 'content-type': 'text/plain' }, payload: 'hello' })) as unknown as Res
  t.equal(plain.statusCode, 415, 'a text/plain body is refused with 415 like any other non-JSON body')
  t.strictSame(checkResponse('POST', '/v1/events', plain), [], 'and the answer conforms')

  t.not(checkRequestBody('POST', '/v1/events', futureEvent({ title: {} })).length, 0, 'the spec refuses a title in no language')
  const untitled = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: futureEvent({ title: {} }) })) as unknown as Res
  t.equal(untitled.statusCode, 400, 'an event title needs at least one language')
  t.strictSame(checkResponse('POST', '/v1/events', untitled), [], 'and the answer conforms')
})

t.test('insights: every insight as JSON and CSV, filtered, and refused', async (t) => {
  await insightStory(database, fixtures.metro.id, { north: fixtures.areas.north.id, south: fixtures.areas.south.id })
  for (const name of ['reach', 'voice', 'closing-the-loop', 'trust', 'who-takes-part']) {
    expectStatus(t, await call(t, { method: 'GET', url: `/v1/insights/${name}?agency=metro` }), 200)
    expectStatus(t, await call(t, { method: 'GET', url: `/v1/insights/${name}?agency=metro&area=${fixtures.areas.north.id}&from=2026-01-01&to=2026-06-30&kind=town_hall,none&format=hybrid`, headers: analyst }), 200)
    expectStatus(t, await call(t, { method: 'GET', url: `/v1/insights/${name}.csv?agency=metro` }), 200)
  }
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/insights/trust?agency=metro', headers: { accept: 'text/csv' } }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/insights/trust?agency=nowhere' }), 404, 'AGENCY_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/insights/trust?agency=metro&to=yesterday' }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/insights/community-trust?agency=metro' }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/insights/community-trust?agency=metro&cycle=month&area=${fixtures.areas.north.id}&from=2026-01-01&to=2026-12-31` }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/insights/community-trust?agency=metro&cycle=weekly' }), 400, 'VALIDATION_FAILED')
})
// The listening-and-acting loop: topics, feedback, decisions and report-backs (exercised in test/contract-loop.ts).
t.test('feedback loop: every operation, valid and invalid', (t) => loopContract(t, { call, expectStatus, staff, analyst, futureEvent }))

// Shared priorities (exercised in test/helpers/contract-priorities.ts).
t.test('shared priorities: every operation, valid and invalid', (t) => prioritiesContract(t, { call, expectStatus, staff, analyst }))

// Community liaisons (exercised in test/helpers/contract-liaisons.ts).
t.test('community liaisons: every operation, valid and invalid', (t) => liaisonsContract(t, { call, expectStatus, staff, analyst, areaId: fixtures.areas.north.id }))

// Surveys after police contact (exercised in test/helpers/contract-contacts.ts).
t.test('contact surveys: every operation, valid and invalid', (t) =>
  contactsContract(t, {
    call,
    expectStatus,
    staff,
    analyst,
    areaCode: fixtures.areas.north.code,
    // A live invitation's link token, as the agency's messaging system would have it from the webhook.
    pendingToken: async () => (await database.raw<{ token: string }>(`select i.token from contact_invitations i join contact_survey_tokens s on s.token_hash = encode(sha256(convert_to(i.token, 'UTF8')), 'hex') limit 1`))[0]!.token,
  }),
)

// Benchmarks: norm tables, the pooling setting and pooled item aggregates (exercised in test/helpers/contract-benchmarks.ts).
t.test('benchmarks: every operation, valid and invalid', (t) => benchmarksContract(t, { call, expectStatus, staff, analyst }))

t.test('CSV exports of feedback and decisions, and the Open311 facade: every operation, valid and invalid', async (t) => {
  for (const [url, headers] of [['/v1/feedback.csv', analyst], ['/v1/decisions.csv', {}], ['/v1/feedback.csv?topic=other&updatedSince=2026-01-01T00:00:00Z', staff]] as const)
    expectStatus(t, await call(t, { method: 'GET', url, headers }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/feedback.csv?limit=5' }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/decisions.csv?status=maybe' }), 400, 'VALIDATION_FAILED')

  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  const report = (format: string, fields: Record<string, string>) => call(t, { method: 'POST', url: `/open311/v2/requests.${format}`, headers: form, payload: new URLSearchParams(fields).toString() })
  for (const format of ['json', 'xml']) {
    expectStatus(t, await call(t, { method: 'GET', url: `/open311/v2/discovery.${format}` }), 200)
    expectStatus(t, await call(t, { method: 'GET', url: `/open311/v2/services.${format}?jurisdiction_id=metro` }), 200)
    expectStatus(t, await call(t, { method: 'GET', url: `/open311/v2/services/community_safety.${format}?jurisdiction_id=metro` }), 200)
    expectStatus(t, await call(t, { method: 'GET', url: `/open311/v2/requests.${format}?jurisdiction_id=metro&status=open,closed` }), 200)
    expectStatus(t, await report(format, { jurisdiction_id: 'metro', service_code: 'other', description: 'Broken light', address_string: 'Elm and 5th' }), 201)
  }
  const created = (await report('json', { jurisdiction_id: 'metro', service_code: 'community_safety', description: 'Speeding', lat: '40.75', long: '-73.99' })).json()[0].service_request_id
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/feedback/${created}/moderation`, headers: ifMatch(1), payload: { action: 'publish' } }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `/open311/v2/requests/${created}.json?jurisdiction_id=metro` }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `/open311/v2/requests/${created}.xml?jurisdiction_id=metro` }), 200)

  expectStatus(t, await call(t, { method: 'GET', url: '/open311/v2/discovery.json?colour=blue' }), 400)
  expectStatus(t, await call(t, { method: 'GET', url: '/open311/v2/services.xml' }), 400)
  expectStatus(t, await call(t, { method: 'GET', url: '/open311/v2/services/potholes.json?jurisdiction_id=metro' }), 404)
  expectStatus(t, await call(t, { method: 'GET', url: '/open311/v2/requests.json?jurisdiction_id=nowhere' }), 404)
  expectStatus(t, await call(t, { method: 'GET', url: '/open311/v2/requests.xml?jurisdiction_id=metro&status=pending' }), 400)
  expectStatus(t, await call(t, { method: 'GET', url: `/open311/v2/requests/${created}.json?jurisdiction_id=lakeside` }), 404)
  expectStatus(t, await report('json', { jurisdiction_id: 'metro', service_code: 'other', description: 'No location' }), 400)
  expectStatus(t, await report('xml', { jurisdiction_id: 'metro', service_code: 'potholes', description: 'x', address_id: 'D1' }), 400)
  expectStatus(t, await call(t, { method: 'POST', url: '/open311/v2/requests.json', headers: { 'content-type': 'application/json' }, payload: '{}' }), 415)
})

t.test('webhook subscriptions: every operation, valid and invalid', async (t) => {
  const admin = await bearer({ role: 'admin', agency: 'metro' })
  const adminJson = { ...admin, 'content-type': 'application/json' }
  const url = '/v1/webhook-subscriptions'
  const created = await call(t, { method: 'POST', url, headers: adminJson, payload: { url: 'https://hooks.example.com/cep', eventTypes: ['event.scheduled'], description: 'CRM' } })
  expectStatus(t, created, 201)
  const sub = created.json()
  expectStatus(t, await call(t, { method: 'POST', url, headers: adminJson, payload: { url: 'https://127.0.0.1/x' } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url, headers: admin }), 200)
  expectStatus(t, await call(t, { method: 'GET', url, headers: staff }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'GET', url: `${url}/${sub.id}`, headers: admin }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `${url}/00000000-0000-4000-8000-000000000000`, headers: admin }), 404, 'WEBHOOK_SUBSCRIPTION_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'PATCH', url: `${url}/${sub.id}`, headers: adminJson, payload: { description: null } }), 200)
  expectStatus(t, await call(t, { method: 'PATCH', url: `${url}/${sub.id}`, headers: adminJson, payload: { eventTypes: 'all' } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: `${url}/${sub.id}/rotate-secret`, headers: adminJson, payload: {} }), 200)
  expectStatus(t, await call(t, { method: 'POST', url: `${url}/${sub.id}/rotate-secret`, headers: adminJson, payload: { overlapSeconds: 'long' } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: `${url}/${sub.id}/enable`, headers: admin }), 200)
  expectStatus(t, await call(t, { method: 'POST', url: `${url}/${sub.id}/enable`, headers: analyst }), 403, 'FORBIDDEN')
  // Background delivery is off in tests: the dispatcher is run by hand so the log has a delivery (nothing is sent).
  await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: futureEvent() })
  // The outbox is read below the oldest transaction running on the server: on a shared PostgreSQL that can take a moment.
  for (let i = 0; i < 200 && (await app.inject({ method: 'GET', url: `${url}/${sub.id}/deliveries`, headers: admin })).json().data.length === 0; i++) {
    await app.services.webhookDelivery.dispatch()
    await new Promise((r) => setTimeout(r, 50))
  }
  const log = await call(t, { method: 'GET', url: `${url}/${sub.id}/deliveries?limit=1`, headers: admin })
  expectStatus(t, log, 200)
  t.equal(log.json().data.length, 1)
  expectStatus(t, await call(t, { method: 'GET', url: `${url}/${sub.id}/deliveries?limit=x`, headers: admin }), 400, 'VALIDATION_FAILED')
  const deliveryId = log.json().data[0].id
  expectStatus(t, await call(t, { method: 'POST', url: `${url}/${sub.id}/deliveries/${deliveryId}/replay`, headers: admin }), 202)
  expectStatus(t, await call(t, { method: 'POST', url: `${url}/${sub.id}/deliveries/00000000-0000-4000-8000-000000000000/replay`, headers: admin }), 404, 'WEBHOOK_DELIVERY_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'POST', url: `${url}/${sub.id}/replay`, headers: adminJson, payload: { since: '2026-01-01T00:00:00Z' } }), 202)
  expectStatus(t, await call(t, { method: 'POST', url: `${url}/${sub.id}/replay`, headers: adminJson, payload: {} }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'DELETE', url: `${url}/${sub.id}`, headers: admin }), 204)
  expectStatus(t, await call(t, { method: 'DELETE', url: `${url}/${sub.id}`, headers: admin }), 404, 'WEBHOOK_SUBSCRIPTION_NOT_FOUND')
})

t.test('agency administration: create an agency, change its profile, add, change and remove areas, valid and invalid', async (t) => {
  const operator = await bearer({ role: 'operator', agency: 'platform' })
  const admin = await bearer({ role: 'admin', agency: 'metro' })
  const body = { slug: 'contract-pd', name: 'Contract PD', jurisdiction: 'Contract City', timeZone: 'America/Chicago', defaultLanguage: 'en', supportedLanguages: ['en', 'es'], contact: { email: 'community@contract.example.gov' } }
  const created = await call(t, { method: 'POST', url: '/v1/agencies', headers: { ...operator, 'idempotency-key': 'agency-1' }, payload: body })
  expectStatus(t, created, 201)
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/agencies', headers: operator, payload: body }), 409, 'CONFLICT')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/agencies', headers: admin, payload: { ...body, slug: 'other-pd' } }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/agencies', headers: operator, payload: { ...body, slug: 'Bad Slug' } }), 400, 'VALIDATION_FAILED')

  const changed = await call(t, { method: 'PATCH', url: '/v1/agencies/metro', headers: { ...admin, 'if-match': '"1"' }, payload: { contact: { phone: '+1 555 0100' } } })
  expectStatus(t, changed, 200)
  expectStatus(t, await call(t, { method: 'PATCH', url: '/v1/agencies/metro', headers: { ...admin, 'if-match': '"1"' }, payload: { name: 'Again' } }), 412, 'PRECONDITION_FAILED')
  expectStatus(t, await call(t, { method: 'PATCH', url: '/v1/agencies/metro', headers: admin, payload: { name: 'Again' } }), 428, 'PRECONDITION_REQUIRED')
  expectStatus(t, await call(t, { method: 'PATCH', url: '/v1/agencies/lakeside', headers: { ...admin, 'if-match': '*' }, payload: { name: 'Not mine' } }), 403, 'FORBIDDEN')

  const square = { type: 'Polygon', coordinates: [[[-87.64, 41.88], [-87.62, 41.88], [-87.62, 41.9], [-87.64, 41.9], [-87.64, 41.88]]] }
  const area = await call(t, { method: 'POST', url: '/v1/agencies/metro/areas', headers: admin, payload: { code: 'B11', name: 'Beat 11', kind: 'beat', parentId: fixtures.areas.north.id, boundary: square } })
  expectStatus(t, area, 201)
  const { id } = area.json()
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/agencies/metro/areas', headers: admin, payload: { code: 'B12', name: 'Open ring', kind: 'beat', boundary: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] } } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/agencies/metro/areas/${id}` }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/agencies/metro/areas/not-an-id' }), 404, 'AREA_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/agencies/metro/areas?within=${fixtures.areas.north.id}&kind=beat` }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/agencies/metro/areas?limit=1' }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'PATCH', url: `/v1/agencies/metro/areas/${id}`, headers: { ...admin, 'if-match': '"1"' }, payload: { name: 'Beat 11 (Old Town)' } }), 200)
  expectStatus(t, await call(t, { method: 'PATCH', url: `/v1/agencies/metro/areas/${fixtures.areas.north.id}`, headers: { ...admin, 'if-match': '*' }, payload: { parentId: id } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'DELETE', url: `/v1/agencies/metro/areas/${fixtures.areas.north.id}`, headers: { ...admin, 'if-match': '*' } }), 409, 'CONFLICT')
  expectStatus(t, await call(t, { method: 'DELETE', url: `/v1/agencies/metro/areas/${id}`, headers: { ...admin, 'if-match': '"2"' } }), 204)
})

t.test('every documented operation was exercised, with success and failure', async (t) => {
  for (const op of documentedOperations()) {
    const statuses = [...(seen.get(op.operationId) ?? [])]
    t.ok(statuses.some((s) => s < 300), `${op.operationId} answered a 2xx (${statuses.join(', ') || 'never called'})`)
    t.ok(statuses.some((s) => s >= 400), `${op.operationId} answered a problem (${statuses.join(', ') || 'never called'})`)
  }
})
