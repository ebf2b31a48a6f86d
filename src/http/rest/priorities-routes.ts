// REST adapter for shared priorities (openapi.yaml): each handler is one service call plus HTTP conventions.
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../modules/services.ts'
import { contextOf } from '../request-context.ts'
import type { EndorsementLimit, SubmissionLimit } from '../submission-limit.ts'
import { expectedVersion, idempotencyKey, listQuery, sendPage, sendResource } from './rest-helpers.ts'

type IdParams = { Params: { id: string } }
type Deps = { services: Services; baseUrl: string; submissionLimit: SubmissionLimit; endorsementLimit: EndorsementLimit }

export function prioritiesRoutes(app: FastifyInstance, { services, baseUrl, submissionLimit, endorsementLimit }: Deps) {
  const { priorities } = services

  app.get('/v1/priorities', async function listPriorities(request, reply) {
    reply.header('vary', 'Accept-Language, Authorization')
    return sendPage(request, reply, await priorities.list(contextOf(request), listQuery(request, ['status', 'areaId', 'topic'])), baseUrl)
  })

  // Held to the submission allowance all doors share; no access log line (it would hold the proposer's address).
  app.post('/v1/priorities', { logLevel: 'warn', preHandler: submissionLimit }, async function proposePriority(request, reply) {
    const { priority, replayed } = await priorities.propose(contextOf(request), request.body, idempotencyKey(request))
    if (replayed) reply.header('idempotent-replayed', 'true')
    reply.code(201).header('location', `/v1/priorities/${priority.id}`)
    return sendResource(reply, priority)
  })

  app.get<IdParams>('/v1/priorities/:id', async function getPriority(request, reply) {
    return sendResource(reply, await priorities.get(contextOf(request), request.params.id))
  })

  app.patch<IdParams>('/v1/priorities/:id', async function updatePriority(request, reply) {
    return sendResource(reply, await priorities.update(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })

  app.post<IdParams>('/v1/priorities/:id/status', async function changePriorityStatus(request, reply) {
    return sendResource(reply, await priorities.changeStatus(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })

  // Anonymous endorsements leave no access log line either: the count is all that is kept.
  app.post<IdParams>('/v1/priorities/:id/endorsements', { logLevel: 'warn', preHandler: (request) => endorsementLimit(request, (request.params as { id: string }).id) }, async function endorsePriority(request, reply) {
    return sendResource(reply, await priorities.endorse(contextOf(request), request.params.id, request.body))
  })
}
