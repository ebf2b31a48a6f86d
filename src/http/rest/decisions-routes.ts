// REST adapter for decisions and report-backs (openapi.yaml): each handler is one service call plus HTTP conventions.
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../modules/services.ts'
import { contextOf } from '../request-context.ts'
import { expectedVersion, idempotencyKey, listQuery, sendPage, sendResource, withRemoved } from './rest-helpers.ts'

const decisionArrayParams = ['status', 'topic', 'areaId', 'eventId', 'organizationId'] as const
type IdParams = { Params: { id: string } }

export function decisionsRoutes(app: FastifyInstance, { services, baseUrl }: { services: Services; baseUrl: string }) {
  const { decisions, reportBacks } = services

  app.get('/v1/decisions', async function listDecisions(request, reply) {
    reply.header('vary', 'Accept-Language, Authorization')
    const ctx = contextOf(request)
    const query = listQuery(request, decisionArrayParams)
    const page = await decisions.list(ctx, query)
    return sendPage(request, reply, withRemoved(page, await services.changes.removedOf(ctx, 'decision', query)), baseUrl)
  })

  app.post('/v1/decisions', async function recordDecision(request, reply) {
    const { decision, replayed } = await decisions.record(contextOf(request), request.body, idempotencyKey(request))
    if (replayed) reply.header('idempotent-replayed', 'true')
    reply.code(201).header('location', `/v1/decisions/${decision.id}`)
    return sendResource(reply, decision)
  })

  app.get<IdParams>('/v1/decisions/:id', async function getDecision(request, reply) {
    return sendResource(reply, await decisions.get(contextOf(request), request.params.id))
  })

  app.patch<IdParams>('/v1/decisions/:id', async function updateDecision(request, reply) {
    return sendResource(reply, await decisions.update(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })

  app.post<IdParams>('/v1/decisions/:id/updates', async function addDecisionUpdate(request, reply) {
    return sendResource(reply, await decisions.addUpdate(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })

  app.get('/v1/report-backs', async function listReportBacks(request, reply) {
    reply.header('vary', 'Accept-Language, Authorization')
    const ctx = contextOf(request)
    const query = listQuery(request, ['channel'])
    const page = await reportBacks.list(ctx, query)
    return sendPage(request, reply, withRemoved(page, await services.changes.removedOf(ctx, 'report_back', query)), baseUrl)
  })

  app.post('/v1/report-backs', async function recordReportBack(request, reply) {
    const { reportBack, replayed } = await reportBacks.record(contextOf(request), request.body, idempotencyKey(request))
    if (replayed) reply.header('idempotent-replayed', 'true')
    reply.code(201).header('location', `/v1/report-backs/${reportBack.id}`)
    return sendResource(reply, reportBack)
  })

  app.get<IdParams>('/v1/report-backs/:id', async function getReportBack(request, reply) {
    return sendResource(reply, await reportBacks.get(contextOf(request), request.params.id))
  })
}
