// Community liaisons' part of contract-openapi.test.ts: each operation answered with a 2xx and a problem, every
// response held to openapi.yaml by the caller's `call`.
import type { Test } from 'tap'
import { bearer } from './auth.ts'
import { eventBody } from './fixtures.ts'
import { checkRequestBody, type ContractDeps } from './openapi.ts'

type Deps = ContractDeps & {
  areaId: string
}

export const liaisonOperations = ['listLiaisons', 'proposeLiaison', 'getLiaison', 'updateLiaison', 'removeLiaison', 'changeLiaisonStatus', 'setLiaisonLinks', 'eraseLiaison', 'getLiaisonReach']

const missing = '00000000-0000-4000-8000-000000000000'

export async function liaisonsContract(t: Test, { call, expectStatus, staff, analyst, areaId }: Deps) {
  const ifMatch = (v: number | string, h = staff) => ({ ...h, 'if-match': typeof v === 'number' ? `"${v}"` : v })
  const admin = await bearer({ role: 'admin', agency: 'metro' })
  const org = (await call(t, { method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Eastside Youth League', kind: 'youth' } })).json()
  const partner = await bearer({ role: 'partner', sub: 'contract-liaison-partner', claims: { org: org.id } })

  const body = { displayName: 'Pastor Grace Okafor', kind: 'faith_leader', areaIds: [areaId], languages: ['en', 'yo'], communities: ['Nigerian community'], organizationIds: [org.id], contact: { email: 'grace@example.org' }, consents: { contact: true } }
  t.strictSame(checkRequestBody('POST', '/v1/liaisons', body), [], 'the spec accepts the proposal')
  t.not(checkRequestBody('POST', '/v1/liaisons', { ...body, status: 'confirmed' }).length, 0, 'the spec refuses a read-only field')
  const proposed = await call(t, { method: 'POST', url: '/v1/liaisons', headers: partner, payload: body })
  expectStatus(t, proposed, 201)
  const id = proposed.json().id
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/liaisons', headers: partner, payload: { ...body, kind: 'mayor' } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/liaisons', headers: analyst, payload: body }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/liaisons', payload: body }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'POST', url: '/v1/liaisons', headers: { ...staff, 'content-type': 'text/csv' }, payload: 'a,b' }), 415, 'UNSUPPORTED_MEDIA_TYPE')

  expectStatus(t, await call(t, { method: 'POST', url: `/v1/liaisons/${id}/status`, headers: ifMatch(1, partner), payload: { status: 'confirmed' } }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/liaisons/${id}/status`, headers: staff, payload: { status: 'confirmed' } }), 428, 'PRECONDITION_REQUIRED')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/liaisons/${id}/status`, headers: ifMatch(1), payload: { status: 'confirmed' } }), 200)
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/liaisons/${id}/status`, headers: ifMatch(2), payload: { status: 'confirmed' } }), 409, 'INVALID_TRANSITION')

  expectStatus(t, await call(t, { method: 'GET', url: '/v1/liaisons?agency=metro' }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/liaisons?status=proposed,confirmed&kind=faith_leader&language=en', headers: { ...staff, 'x-purpose': 'event_logistics' } }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/liaisons?status=sleeping' }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/liaisons', headers: { authorization: 'Bearer nope' } }), 401, 'UNAUTHENTICATED')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/liaisons/${id}` }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/liaisons/${id}?purpose=report_back`, headers: staff }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/liaisons/${id}?purpose=curiosity`, headers: staff }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/liaisons/${missing}` }), 404, 'LIAISON_NOT_FOUND')
  expectStatus(t, await call(t, { method: 'GET', url: `/v1/liaisons/${id}`, headers: { authorization: 'Bearer nope' } }), 401, 'UNAUTHENTICATED')

  expectStatus(t, await call(t, { method: 'PATCH', url: `/v1/liaisons/${id}`, headers: ifMatch(2), payload: { listedByName: true } }), 200)
  expectStatus(t, await call(t, { method: 'PATCH', url: `/v1/liaisons/${id}`, headers: ifMatch(2), payload: { listedByName: false } }), 412, 'PRECONDITION_FAILED')
  expectStatus(t, await call(t, { method: 'PATCH', url: `/v1/liaisons/${id}`, headers: ifMatch(3), payload: { nickname: 'x' } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'PATCH', url: `/v1/liaisons/${id}`, headers: ifMatch(3, partner), payload: { listedByName: false } }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'PATCH', url: `/v1/liaisons/${missing}`, headers: ifMatch(1), payload: { listedByName: false } }), 404, 'LIAISON_NOT_FOUND')

  const event = (await call(t, { method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ areaId, hostUnit: 'District 1 Community Policing Unit' }) })).json()
  expectStatus(t, await call(t, { method: 'PUT', url: `/v1/liaisons/${id}/links`, headers: ifMatch(3), payload: { events: [{ eventId: event.id, role: 'speaker' }], announcementIds: [] } }), 200)
  expectStatus(t, await call(t, { method: 'PUT', url: `/v1/liaisons/${id}/links`, headers: ifMatch(4), payload: { events: [{ eventId: missing, role: 'speaker' }] } }), 400, 'VALIDATION_FAILED')
  expectStatus(t, await call(t, { method: 'PUT', url: `/v1/liaisons/${id}/links`, headers: { ...staff, 'if-match': 'W/"4"' }, payload: {} }), 412, 'PRECONDITION_FAILED')

  expectStatus(t, await call(t, { method: 'GET', url: '/v1/insights/liaison-reach', headers: analyst }), 200)
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/insights/liaison-reach', headers: partner }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'GET', url: '/v1/insights/liaison-reach' }), 401, 'UNAUTHENTICATED')

  const other = (await call(t, { method: 'POST', url: '/v1/liaisons', headers: staff, payload: { displayName: 'Mr. Tran', kind: 'business_owner' } })).json()
  expectStatus(t, await call(t, { method: 'DELETE', url: `/v1/liaisons/${other.id}`, headers: staff }), 428, 'PRECONDITION_REQUIRED')
  expectStatus(t, await call(t, { method: 'DELETE', url: `/v1/liaisons/${other.id}`, headers: ifMatch(1) }), 204)
  expectStatus(t, await call(t, { method: 'DELETE', url: `/v1/liaisons/${other.id}`, headers: ifMatch(1) }), 404, 'LIAISON_NOT_FOUND')

  expectStatus(t, await call(t, { method: 'POST', url: `/v1/liaisons/${id}/erase`, headers: staff }), 403, 'FORBIDDEN')
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/liaisons/${id}/erase`, headers: admin }), 204)
  expectStatus(t, await call(t, { method: 'POST', url: `/v1/liaisons/${id}/erase`, headers: admin }), 404, 'LIAISON_NOT_FOUND')
}
