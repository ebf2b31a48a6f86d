// Shared priorities' part of contract-openapi.test.ts: each operation answered with a 2xx and a problem, every
// response held to openapi.yaml by the caller's `call`.
import type { Test } from 'tap'
import { bearer } from './auth.ts'
import { eventBody } from './fixtures.ts'
import { checkRequestBody, type ContractDeps } from './openapi.ts'

type Deps = ContractDeps

export const priorityOperations = [
  'listAnnouncements', 'createAnnouncement', 'getAnnouncement', 'updateAnnouncement', 'publishAnnouncement', 'withdrawAnnouncement', 'reportAnnouncementReach', 'listPriorities', 'proposePriority', 'getPriority', 'updatePriority', 'changePriorityStatus', 'endorsePriority']

const missing = '00000000-0000-4000-8000-000000000000'

export async function prioritiesContract(t: Test, { call, expectStatus, staff, analyst }: Deps) {
  const ifMatch = (v: number | string, h = staff) => ({ ...h, 'if-match': typeof v === 'number' ? `"${v}"` : v })
  const org = (await call(t, { method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Cedar Street Mosque', kind: 'faith' } })).json()
  const partner = await bearer({ role: 'partner', sub: 'contract-partner', claims: { org: org.id } })

  const proposal = { agency: 'metro', statement: { en: 'Safer walking routes to school', so: 'Waddooyin socod oo badbaado leh' }, topics: ['community_safety'] }
  t.strictSame(checkRequestBody('POST', '/v1/priorities', proposal), [], 'the spec accepts the proposal')
  t.not(checkRequestBody('POST', '/v1/priorities', { ...proposal, status: 'done' }).length, 0, 'the spec refuses a read-only field')
  const created = await call(t, { method: 'POST', url: '/v1/priorities', headers: { ...staff, 'idempotency-key': 'priority-contract' }, payload: proposal })
  expectStatus(t, created, 201)
  const id = created.json().id
  t.equal((await call(t, { method: 'POST', url: '/v1/priorities', headers: { ...staff, 'idempotency-key': 'priority-contract' }, payload: proposal })).headers['idempotent-replayed'], 'true')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/priorities', headers: { ...staff, 'idempotency-key': 'priority-contract' }, payload: { ...proposal, topics: [] } }), 422, 'IDEMPOTENCY_KEY_REUSED')
  const fromPublic = await call(t, { method: 'POST', url: '/v1/priorities', payload: { agency: 'metro', statement: { en: 'Lights on 5th Avenue' } } })
  expectStatus(t, fromPublic, 201)
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/priorities', payload: { statement: { en: 'x' } } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/priorities', headers: analyst, payload: proposal }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/priorities', headers: { authorization: 'Bearer nope' }, payload: proposal }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/priorities', headers: { ...staff, 'content-type': 'text/csv' }, payload: 'a,b' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/priorities', headers: { ...staff, 'content-type': 'application/json' }, payload: JSON.stringify({ statement: { en: 'x'.repeat(300_000) } }) }), 413, 'PAYLOAD_TOO_LARGE')

  expectStatus(t, await call(t, { method: 'GET', url: '/v1/priorities?agency=metro' }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/priorities?sort=endorsements&status=proposed,adopted', headers: staff }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/priorities?sort=loudest' }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/priorities?cursor=abc' }), 400, 'INVALID_CURSOR')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/priorities/${id}`, headers: { 'accept-language': 'so' } }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/priorities/${fromPublic.json().id}` }), 404, 'PRIORITY_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/priorities/${id}`, headers: { authorization: 'Bearer nope' } }), 401, 'UNAUTHENTICATED')

  expectStatus(t, await call(t, { method: 'PATCH', url: `/v1/priorities/${fromPublic.json().id}`, headers: ifMatch(1), payload: { moderation: 'published' } }), 200)
  expectStatus(t, await call(t, { method: 'PATCH', url: `/v1/priorities/${id}`, headers: staff, payload: { topics: [] } }), 428, 'PRECONDITION_REQUIRED')
  expectStatus(t, await call(t, { method: 'PATCH', url: `/v1/priorities/${id}`, headers: ifMatch(7), payload: { topics: [] } }), 412, 'PRECONDITION_FAILED')
  expectStatus(t, await call(t, { method: 'PATCH', url: `/v1/priorities/${id}`, headers: ifMatch(1), payload: { decisionIds: [missing] } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'PATCH', url: `/v1/priorities/${missing}`, headers: ifMatch(1), payload: { topics: [] } }), 404, 'PRIORITY_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'PATCH', url: `/v1/priorities/${id}`, headers: ifMatch(1, partner), payload: { topics: [] } }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'PATCH', url: `/v1/priorities/${id}`, headers: { 'if-match': '"1"' }, payload: { topics: [] } }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'PATCH', url: `/v1/priorities/${id}`, headers: { ...ifMatch(1), 'content-type': 'text/plain' }, payload: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
  expectStatus(t, await call(t, { method: 'PATCH', url: `/v1/priorities/${id}`, headers: { ...ifMatch(1), 'content-type': 'application/json' }, payload: JSON.stringify({ statement: { en: 'x'.repeat(300_000) } }) }), 413, 'PAYLOAD_TOO_LARGE')

  const endorse = (headers: Record<string, string>, payload?: string | Record<string, unknown>, target = id) => call(t, { method: 'POST', url: `/v1/priorities/${target}/endorsements`, headers, ...(payload === undefined ? {} : { payload }) })
  expectStatus(t, await endorse(partner, { note: { en: 'Our families walk this route' } }), 200)
  expectStatus(t, await endorse(partner, {}), 409, 'ALREADY_ENDORSED')
  expectStatus(t, await endorse({}), 200)
  expectStatus(t, await endorse({}), 429, 'RATE_LIMITED')
  expectStatus(t, await endorse(staff, {}), 400, 'VALIDATION_FAILED')
  expectStatus(t, await endorse(analyst, {}), 403, 'FORBIDDEN')
  expectStatus(t, await endorse(staff, { organizationId: org.id }, missing), 404, 'PRIORITY_NOT_FOUND')
  expectStatus(t, await endorse({ authorization: 'Bearer nope' }, {}), 401, 'UNAUTHENTICATED')
  expectStatus(t, await endorse({ ...partner, 'content-type': 'text/plain' }, 'x'), 415, 'UNSUPPORTED_MEDIA_TYPE')
  expectStatus(t, await endorse({ ...partner, 'content-type': 'application/json' }, JSON.stringify({ note: { en: 'x'.repeat(300_000) } })), 413, 'PAYLOAD_TOO_LARGE')

  const move = (v: number, payload: Record<string, unknown>, headers = staff) => call(t, { method: 'POST', url: `/v1/priorities/${id}/status`, headers: ifMatch(v, headers), payload })
  const current = (await call(t, { method: 'GET', url: `/v1/priorities/${id}`, headers: staff })).json().version
  expectStatus(t, await move(current, { status: 'done' }), 409, 'INVALID_TRANSITION')
  expectStatus(t, await move(current, { status: 'declined' }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await move(current + 5, { status: 'adopted' }), 412, 'PRECONDITION_FAILED')
  expectStatus(t, await move(current, { status: 'adopted' }, partner), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/priorities/${id}/status`, headers: staff, payload: { status: 'adopted' } }), 428, 'PRECONDITION_REQUIRED')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/priorities/${id}/status`, headers: { 'if-match': '"1"' }, payload: { status: 'adopted' } }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/priorities/${missing}/status`, headers: ifMatch(1), payload: { status: 'adopted' } }), 404, 'PRIORITY_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/priorities/${id}/status`, headers: { ...ifMatch(current), 'content-type': 'text/plain' }, payload: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/priorities/${id}/status`, headers: { ...ifMatch(current), 'content-type': 'application/json' }, payload: JSON.stringify({ status: 'declined', reason: { en: 'x'.repeat(300_000) } }) }), 413, 'PAYLOAD_TOO_LARGE')
  expectStatus(t, await move(current, { status: 'adopted' }), 200)

  // Follow-up with a tracking code (feedback's own operations are in contract-loop.ts).
  const given = await call(t, { method: 'POST', url: '/v1/feedback', payload: { agency: 'metro', body: 'Cars race past the school', language: 'so', topic: 'community_safety' } })
  expectStatus(t, given, 201)
  const code = given.json().trackingCode
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/follow-up/${code}` }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/follow-up/${code}?language=en`, headers: staff }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/follow-up/${'A'.repeat(43)}` }), 404, 'TRACKING_CODE_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/follow-up/${code}?language=1` }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/follow-up/${code}`, headers: { authorization: 'Bearer nope' } }), 401, 'UNAUTHENTICATED')

  // A registrant's own registration by its code, and the accommodations staff see per event.
  const event = (await call(t, { method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ registrationRequired: true, capacity: 1 }) })).json()
  const self = { displayName: 'Amina', accommodations: ['step_free_access'], accommodationNote: 'A seat near the front' }
  t.strictSame(checkRequestBody('POST', `/v1/events/${event.id}/registrations`, self), [], 'the spec accepts the self-registration')
  const registered = await call(t, { method: 'POST', url: `/v1/events/${event.id}/registrations`, payload: self })
  expectStatus(t, registered, 201)
  const own = registered.json().registrationCode
  const waiting = (await call(t, { method: 'POST', url: `/v1/events/${event.id}/registrations`, payload: { displayName: 'Bashir' } })).json().registrationCode
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/my-registrations/${waiting}` }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/my-registrations/${'A'.repeat(43)}` }), 404, 'REGISTRATION_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/my-registrations/${own}`, headers: { authorization: 'Bearer nope' } }), 401, 'UNAUTHENTICATED')
  const ask = { accommodations: ['sign_language_interpretation'], note: 'Childcare, please' }
  t.strictSame(checkRequestBody('PUT', `/v1/my-registrations/${waiting}/accommodations`, ask), [], 'the spec accepts the request')
  expectStatus(t, await call(t, { method: 'PUT', url: `/v1/my-registrations/${waiting}/accommodations`, payload: ask }), 200)
  expectStatus(t, await call(t, { method: 'PUT', url: `/v1/my-registrations/${waiting}/accommodations`, payload: { accommodations: ['braille'] } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'PUT', url: `/v1/my-registrations/${'A'.repeat(43)}/accommodations`, payload: ask }), 404, 'REGISTRATION_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'PUT', url: `/v1/my-registrations/${waiting}/accommodations`, headers: { 'content-type': 'text/plain' }, payload: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
  expectStatus(t, await call(t, { method: 'PUT', url: `/v1/my-registrations/${waiting}/accommodations`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ accommodations: [], note: 'x'.repeat(300_000) }) }), 413, 'PAYLOAD_TOO_LARGE')
  expectStatus(t, await call(t, { method: 'PUT', url: `/v1/my-registrations/${waiting}/accommodations`, headers: { authorization: 'Bearer nope' }, payload: ask }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/events/${event.id}/accommodation-requests`, headers: staff }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/events/${event.id}/accommodation-requests` }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/events/${event.id}/accommodation-requests`, headers: analyst }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/events/${missing}/accommodation-requests`, headers: staff }), 404, 'EVENT_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/my-registrations/${own}/cancel`, payload: { now: true } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/my-registrations/${own}/cancel` }), 200)
  expectStatus(t, await call(t, { method: 'PUT', url: `/v1/my-registrations/${own}/accommodations`, payload: ask }), 409, 'INVALID_TRANSITION')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/my-registrations/${'A'.repeat(43)}/cancel` }), 404, 'REGISTRATION_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/my-registrations/${own}/cancel`, headers: { authorization: 'Bearer nope' } }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await move(current + 1, { status: 'declined', reason: { en: 'The school board sets school security.' } }), 200)

  // Announcements.
  const announcement = { kind: 'report_back', title: { en: 'Patrols start Monday', so: 'Ilaalada Isniinta' }, body: { en: 'You asked; we did.', so: 'Waad codsateen; waan samaynay.' }, languages: ['en', 'so', 'es'], channels: ['sms', 'web'] }
  t.strictSame(checkRequestBody('POST', '/v1/announcements', announcement), [], 'the spec accepts the announcement')
  const made = await call(t, { method: 'POST', url: '/v1/announcements', headers: { ...staff, 'idempotency-key': 'announcement-contract' }, payload: announcement })
  expectStatus(t, made, 201)
  const aid = made.json().id
  t.equal((await call(t, { method: 'POST', url: '/v1/announcements', headers: { ...staff, 'idempotency-key': 'announcement-contract' }, payload: announcement })).headers['idempotent-replayed'], 'true')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/announcements', headers: { ...staff, 'idempotency-key': 'announcement-contract' }, payload: { ...announcement, kind: 'other' } }), 422, 'IDEMPOTENCY_KEY_REUSED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/announcements', headers: staff, payload: { ...announcement, channels: ['pigeon'] } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/announcements', payload: announcement }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/announcements', headers: partner, payload: announcement }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/announcements', headers: { ...staff, 'content-type': 'text/plain' }, payload: 'x' }), 415, 'UNSUPPORTED_MEDIA_TYPE')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/announcements', headers: { ...staff, 'content-type': 'application/json' }, payload: JSON.stringify({ ...announcement, body: { en: 'x'.repeat(300_000) } }) }), 413, 'PAYLOAD_TOO_LARGE')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/announcements?agency=metro&channel=sms' }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/announcements?kind=gossip' }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/announcements/${aid}`, headers: { 'accept-language': 'so' } }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/announcements/${missing}` }), 404, 'ANNOUNCEMENT_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/announcements/${aid}`, headers: { authorization: 'Bearer nope' } }), 401, 'UNAUTHENTICATED')
  const reach = (headers: Record<string, string>, payload: string | Record<string, unknown>, target = aid) => call(t, { method: 'POST', url: `/v1/announcements/${target}/reach`, headers, payload })
  expectStatus(t, await reach(partner, { channel: 'sms', count: 120 }), 200)
  expectStatus(t, await reach(partner, { channel: 'radio', count: 1 }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await reach({}, { channel: 'sms', count: 1 }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await reach(analyst, { channel: 'sms', count: 1 }), 403, 'FORBIDDEN')
  expectStatus(t, await reach(partner, { channel: 'sms', count: 1 }, missing), 404, 'ANNOUNCEMENT_NOT_FOUND')
  expectStatus(t, await reach({ ...partner, 'content-type': 'text/plain' }, 'x'), 415, 'UNSUPPORTED_MEDIA_TYPE')
  expectStatus(t, await reach({ ...partner, 'content-type': 'application/json' }, JSON.stringify({ channel: 'sms', count: 1, pad: 'x'.repeat(300_000) })), 413, 'PAYLOAD_TOO_LARGE')
  const edit = (headers: Record<string, string>, payload: string | Record<string, unknown>, target = aid) => call(t, { method: 'PATCH', url: `/v1/announcements/${target}`, headers, payload })
  t.strictSame(checkRequestBody('PATCH', '/v1/announcements/{id}', { expiresAt: null, channels: ['web'] }), [], 'the spec accepts the edit')
  expectStatus(t, await edit(staff, { channels: ['sms', 'web', 'print'] }), 428, 'PRECONDITION_REQUIRED')
  expectStatus(t, await edit(ifMatch(99), { channels: ['print'] }), 412, 'PRECONDITION_FAILED')
  expectStatus(t, await edit(ifMatch('*'), { channels: [] }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await edit(ifMatch('*', partner), { channels: ['web'] }), 403, 'FORBIDDEN')
  expectStatus(t, await edit({ 'if-match': '*' }, { channels: ['web'] }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await edit(ifMatch('*'), { channels: ['web'] }, missing), 404, 'ANNOUNCEMENT_NOT_FOUND')
  expectStatus(t, await edit({ ...ifMatch('*'), 'content-type': 'text/plain' }, 'x'), 415, 'UNSUPPORTED_MEDIA_TYPE')
  expectStatus(t, await edit({ ...ifMatch('*'), 'content-type': 'application/json' }, JSON.stringify({ body: { en: 'x'.repeat(300_000) } })), 413, 'PAYLOAD_TOO_LARGE')
  expectStatus(t, await edit(ifMatch('*'), { channels: ['sms', 'web', 'print'], expiresAt: null }), 200)
  const draft = await call(t, { method: 'POST', url: '/v1/announcements', headers: staff, payload: { ...announcement, publish: false } })
  const publish = (headers: Record<string, string>, target = draft.json().id) => call(t, { method: 'POST', url: `/v1/announcements/${target}/publish`, headers })
  expectStatus(t, await publish(staff), 428, 'PRECONDITION_REQUIRED')
  expectStatus(t, await publish(ifMatch(1, partner)), 403, 'FORBIDDEN')
  expectStatus(t, await publish({ 'if-match': '"1"' }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await publish(ifMatch(1), missing), 404, 'ANNOUNCEMENT_NOT_FOUND')
  expectStatus(t, await publish(ifMatch(2)), 412, 'PRECONDITION_FAILED')
  expectStatus(t, await publish(ifMatch(1)), 200)
  expectStatus(t, await publish(ifMatch(2)), 409, 'INVALID_TRANSITION')
  const withdraw = (headers: Record<string, string>, payload: string | Record<string, unknown>, target = aid) => call(t, { method: 'POST', url: `/v1/announcements/${target}/withdraw`, headers, payload })
  expectStatus(t, await withdraw(staff, {}), 400, 'VALIDATION_FAILED')
  expectStatus(t, await withdraw(partner, { reason: 'x' }), 403, 'FORBIDDEN')
  expectStatus(t, await withdraw({}, { reason: 'x' }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await withdraw(staff, { reason: 'x' }, missing), 404, 'ANNOUNCEMENT_NOT_FOUND')
  expectStatus(t, await withdraw({ ...staff, 'content-type': 'text/plain' }, 'x'), 415, 'UNSUPPORTED_MEDIA_TYPE')
  expectStatus(t, await withdraw({ ...staff, 'content-type': 'application/json' }, JSON.stringify({ reason: 'x'.repeat(300_000) })), 413, 'PAYLOAD_TOO_LARGE')
  expectStatus(t, await withdraw(staff, { reason: 'The meeting moved' }), 200)
  expectStatus(t, await withdraw(staff, { reason: 'again' }), 409, 'INVALID_TRANSITION')
}
