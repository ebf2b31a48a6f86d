// REST adapter for community liaisons (openapi.yaml): each handler is one service call plus HTTP conventions.
import type { FastifyInstance } from 'fastify'
import { AppError } from '../../errors.ts'
import type { Services } from '../../modules/services.ts'
import { contextOf } from '../request-context.ts'
import { purposeOf, readQuery } from './people-routes.ts'
import { expectedVersion, listQuery, noBody, sendPage, sendResource } from './rest-helpers.ts'

type IdParams = { Params: { id: string } }

export function liaisonsRoutes(app: FastifyInstance, { services, baseUrl }: { services: Services; baseUrl: string }) {
  const { liaisons } = services

  app.get('/v1/liaisons', async function listLiaisons(request, reply) {
    const query = listQuery(request, ['status', 'kind', 'areaId', 'language'])
    const purpose = purposeOf(request, query)
    reply.header('vary', 'Authorization, X-Purpose').header('cache-control', 'no-store')
    return sendPage(request, reply, await liaisons.list(contextOf(request), { ...query, ...(purpose !== undefined ? { purpose } : {}) }), baseUrl)
  })

  app.post('/v1/liaisons', async function proposeLiaison(request, reply) {
    const liaison = await liaisons.propose(contextOf(request), request.body)
    reply.code(201).header('location', `/v1/liaisons/${liaison.id}`)
    return sendResource(reply, liaison)
  })

  app.get<IdParams>('/v1/liaisons/:id', async function getLiaison(request, reply) {
    const liaison = await liaisons.get(contextOf(request), request.params.id, purposeOf(request, readQuery(request)))
    reply.header('cache-control', 'no-store')
    return sendResource(reply, liaison)
  })

  app.patch<IdParams>('/v1/liaisons/:id', async function updateLiaison(request, reply) {
    return sendResource(reply, await liaisons.update(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })

  app.delete<IdParams>('/v1/liaisons/:id', async function removeLiaison(request, reply) {
    noBody(request)
    await liaisons.remove(contextOf(request), request.params.id, expectedVersion(request))
    return reply.code(204).send()
  })

  app.post<IdParams>('/v1/liaisons/:id/status', async function changeLiaisonStatus(request, reply) {
    return sendResource(reply, await liaisons.changeStatus(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })

  app.put<IdParams>('/v1/liaisons/:id/links', async function setLiaisonLinks(request, reply) {
    return sendResource(reply, await liaisons.setLinks(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })

  app.post<IdParams>('/v1/liaisons/:id/erase', async function eraseLiaison(request, reply) {
    noBody(request)
    await liaisons.erase(contextOf(request), request.params.id)
    return reply.code(204).send()
  })

  app.get('/v1/insights/liaison-reach', async function liaisonReach(request, reply) {
    const unknown = Object.keys(listQuery(request, []))
    if (unknown.length) throw new AppError('VALIDATION_FAILED', 'Unknown query parameters', { errors: unknown.map((field) => ({ field, message: 'is not a known parameter' })) })
    reply.header('cache-control', 'no-store')
    return liaisons.reach(contextOf(request))
  })
}
