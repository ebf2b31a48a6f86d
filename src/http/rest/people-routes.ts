// REST adapter for participants, attendance and surveys (openapi.yaml): each handler is one service call plus HTTP conventions.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError } from '../../errors.ts'
import type { Services } from '../../modules/services.ts'
import { contextOf } from '../request-context.ts'
import { expectedVersion, idempotencyKey, listQuery, noBody, sendPage, sendResource } from './rest-helpers.ts'

type IdParams = { Params: { id: string } }

/** The purpose a staff member states for reading contacts: `purpose` in the query or an `X-Purpose` header (not both, unless equal). */
export function purposeOf(request: FastifyRequest, query: Record<string, unknown>): unknown {
  const header = request.headers['x-purpose']
  const fromHeader = Array.isArray(header) ? header[0] : header
  if (fromHeader !== undefined && query.purpose !== undefined && query.purpose !== fromHeader)
    throw new AppError('VALIDATION_FAILED', 'purpose and X-Purpose disagree', { errors: [{ field: 'purpose', message: 'differs from the X-Purpose header' }] })
  return query.purpose ?? fromHeader
}

/** A single read takes only `purpose` in its query string. */
export function readQuery(request: FastifyRequest): Record<string, unknown> {
  const query = listQuery(request, [])
  const unknown = Object.keys(query).filter((k) => k !== 'purpose')
  if (unknown.length) throw new AppError('VALIDATION_FAILED', 'Unknown query parameters', { errors: unknown.map((field) => ({ field, message: 'is not a known parameter' })) })
  return query
}

/** Anonymous writes are not logged per request: the access log would hold the sender's address. */
const anonymousWrite = { logLevel: 'warn' as const }

export function peopleRoutes(app: FastifyInstance, { services, baseUrl }: { services: Services; baseUrl: string }) {
  const { participants, attendance, surveys } = services

  app.get('/v1/participants', async function listParticipants(request, reply) {
    const query = listQuery(request, ['areaId', 'language', 'consent'])
    const purpose = purposeOf(request, query)
    reply.header('vary', 'Authorization, X-Purpose').header('cache-control', 'no-store')
    return sendPage(request, reply, await participants.list(contextOf(request), { ...query, ...(purpose !== undefined ? { purpose } : {}) }), baseUrl)
  })

  app.post('/v1/participants', async function createParticipant(request, reply) {
    const { participant, replayed } = await participants.register(contextOf(request), request.body, idempotencyKey(request))
    if (replayed) reply.header('idempotent-replayed', 'true')
    reply.code(201).header('location', `/v1/participants/${participant.id}`)
    return sendResource(reply, participant)
  })

  app.get<IdParams>('/v1/participants/:id', async function getParticipant(request, reply) {
    const participant = await participants.get(contextOf(request), request.params.id, purposeOf(request, readQuery(request)))
    reply.header('cache-control', 'no-store')
    return sendResource(reply, participant)
  })

  app.patch<IdParams>('/v1/participants/:id', async function updateParticipant(request, reply) {
    return sendResource(reply, await participants.update(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })

  app.post<IdParams>('/v1/participants/:id/withdraw-consent', async function withdrawConsent(request, reply) {
    return sendResource(reply, await participants.withdrawConsent(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })

  app.put<IdParams>('/v1/participants/:id/demographics', async function recordDemographics(request, reply) {
    await participants.recordDemographics(contextOf(request), request.params.id, request.body)
    return reply.code(204).send()
  })

  app.post<IdParams>('/v1/participants/:id/erase', async function eraseParticipant(request, reply) {
    noBody(request)
    return sendResource(reply, await participants.erase(contextOf(request), request.params.id))
  })

  app.get<IdParams>('/v1/events/:id/attendance', async function getEventAttendance(request) {
    return attendance.summary(contextOf(request), request.params.id)
  })

  app.get<IdParams>('/v1/events/:id/registrations', async function listRegistrations(request, reply) {
    reply.header('cache-control', 'no-store')
    return sendPage(request, reply, await attendance.listRegistrations(contextOf(request), request.params.id, listQuery(request, ['status'])), baseUrl)
  })

  app.post<IdParams>('/v1/events/:id/registrations', anonymousWrite, async function registerForEvent(request, reply) {
    const { registration, replayed, registrationCode, surveyToken } = await attendance.register(contextOf(request), request.params.id, request.body, idempotencyKey(request))
    if (replayed) reply.header('idempotent-replayed', 'true')
    reply.code(201).header('location', `/v1/registrations/${registration.id}`).header('cache-control', 'no-store')
    const own = registrationCode ? { registrationCode, registrationUrl: new URL(`/v1/my-registrations/${registrationCode}`, baseUrl).href } : {}
    return sendResource(reply, { ...registration, ...own, ...(surveyToken ? { surveyToken } : {}) })
  })

  // A registrant's own registration by their private code: capability URLs, so no access log line and no caching.
  type CodeParams = { Params: { code: string } }
  app.get<CodeParams>('/v1/my-registrations/:code', { logLevel: 'warn' }, async function getOwnRegistration(request, reply) {
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer')
    return sendResource(reply, await attendance.own(contextOf(request), request.params.code))
  })

  app.post<CodeParams>('/v1/my-registrations/:code/cancel', { logLevel: 'warn' }, async function cancelOwnRegistration(request, reply) {
    noBody(request)
    reply.header('cache-control', 'no-store')
    return sendResource(reply, await attendance.cancelOwn(contextOf(request), request.params.code))
  })

  app.post<CodeParams>('/v1/my-registrations/:code/survey-token', { logLevel: 'warn' }, async function requestSurveyToken(request, reply) {
    noBody(request)
    reply.code(201).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer')
    return attendance.surveyTokenOf(contextOf(request), request.params.code)
  })

  app.put<CodeParams>('/v1/my-registrations/:code/accommodations', { logLevel: 'warn' }, async function requestAccommodations(request, reply) {
    reply.header('cache-control', 'no-store')
    return sendResource(reply, await attendance.requestAccommodations(contextOf(request), request.params.code, request.body))
  })

  app.get<IdParams>('/v1/events/:id/accommodation-requests', async function listAccommodationRequests(request, reply) {
    reply.header('cache-control', 'no-store')
    return attendance.accommodationRequests(contextOf(request), request.params.id)
  })

  app.post<IdParams>('/v1/registrations/:id/cancel', async function cancelRegistration(request, reply) {
    noBody(request)
    return sendResource(reply, await attendance.cancel(contextOf(request), request.params.id, expectedVersion(request)))
  })

  app.post<IdParams>('/v1/events/:id/check-ins', async function checkIn(request, reply) {
    reply.header('cache-control', 'no-store')
    return sendResource(reply, await attendance.checkIn(contextOf(request), request.params.id, request.body))
  })

  app.post<IdParams>('/v1/events/:id/head-counts', async function recordHeadCount(request, reply) {
    return reply.code(201).send(await attendance.recordHeadCount(contextOf(request), request.params.id, request.body))
  })

  app.get<IdParams>('/v1/events/:id/survey-responses', async function listSurveyResponses(request, reply) {
    return sendPage(request, reply, await surveys.list(contextOf(request), request.params.id, listQuery(request, [])), baseUrl)
  })

  app.post<IdParams>('/v1/events/:id/survey-responses', anonymousWrite, async function submitSurveyResponse(request, reply) {
    return reply.code(201).send(await surveys.submit(contextOf(request), request.params.id, request.body))
  })
}
