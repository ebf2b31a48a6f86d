// REST adapter for partner organizations (openapi.yaml): each handler is one service call plus HTTP conventions.
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../modules/services.ts'
import { contextOf } from '../request-context.ts'
import { expectedVersion, idempotencyKey, listQuery, sendPage, sendResource } from './rest-helpers.ts'

const organizationArrayParams = ['kind', 'areaId', 'language', 'status'] as const
type IdParams = { Params: { id: string } }

export function organizationsRoutes(app: FastifyInstance, { services, baseUrl }: { services: Services; baseUrl: string }) {
  const { organizations } = services

  app.get('/v1/organizations', async function listOrganizations(request, reply) {
    reply.header('vary', 'Authorization')
    return sendPage(request, reply, await organizations.list(contextOf(request), listQuery(request, organizationArrayParams)), baseUrl)
  })

  app.post('/v1/organizations', async function createOrganization(request, reply) {
    const { organization, replayed } = await organizations.register(contextOf(request), request.body, idempotencyKey(request))
    if (replayed) reply.header('idempotent-replayed', 'true')
    reply.code(201).header('location', `/v1/organizations/${organization.id}`)
    return sendResource(reply, organization)
  })

  app.get<IdParams>('/v1/organizations/:id', async function getOrganization(request, reply) {
    return sendResource(reply, await organizations.get(contextOf(request), request.params.id))
  })

  app.patch<IdParams>('/v1/organizations/:id', async function updateOrganization(request, reply) {
    return sendResource(reply, await organizations.update(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })
}
