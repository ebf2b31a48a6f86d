// REST adapter for agencies and their areas: public reference data, changed by an agency's admins or a platform operator.
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../modules/services.ts'
import { contextOf } from '../request-context.ts'
import { expectedVersion, idempotencyKey, listQuery, noBody, sendResource } from './rest-helpers.ts'

type SlugParams = { Params: { slug: string } }
type AreaParams = { Params: { slug: string; id: string } }

export function agenciesRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { agencies, agencyAdmin } = services

  app.get('/v1/agencies', async function listAgencies() {
    return { data: await agencies.list(), nextCursor: null }
  })
  app.post('/v1/agencies', async function createAgency(request, reply) {
    const { agency, replayed } = await agencyAdmin.createAgency(contextOf(request), request.body, idempotencyKey(request))
    if (replayed) reply.header('idempotent-replayed', 'true')
    reply.code(201).header('location', `/v1/agencies/${agency.slug}`)
    return sendResource(reply, agency)
  })
  app.get<SlugParams>('/v1/agencies/:slug', async function getAgency(request, reply) {
    return sendResource(reply, await agencies.get(request.params.slug))
  })
  app.patch<SlugParams>('/v1/agencies/:slug', async function updateAgency(request, reply) {
    return sendResource(reply, await agencyAdmin.updateAgency(contextOf(request), request.params.slug, request.body, expectedVersion(request)))
  })
  app.get<SlugParams>('/v1/agencies/:slug/areas', async function listAreas(request) {
    return { data: await agencies.listAreas(request.params.slug, listQuery(request, ['kind'])), nextCursor: null }
  })
  app.post<SlugParams>('/v1/agencies/:slug/areas', async function createArea(request, reply) {
    const { area, replayed } = await agencyAdmin.createArea(contextOf(request), request.params.slug, request.body, idempotencyKey(request))
    if (replayed) reply.header('idempotent-replayed', 'true')
    reply.code(201).header('location', `/v1/agencies/${request.params.slug}/areas/${area.id}`)
    return sendResource(reply, area)
  })
  app.get<AreaParams>('/v1/agencies/:slug/areas/:id', async function getArea(request, reply) {
    return sendResource(reply, await agencies.getArea(request.params.slug, request.params.id))
  })
  app.patch<AreaParams>('/v1/agencies/:slug/areas/:id', async function updateArea(request, reply) {
    return sendResource(reply, await agencyAdmin.updateArea(contextOf(request), request.params.slug, request.params.id, request.body, expectedVersion(request)))
  })
  app.delete<AreaParams>('/v1/agencies/:slug/areas/:id', async function removeArea(request, reply) {
    noBody(request)
    await agencyAdmin.removeArea(contextOf(request), request.params.slug, request.params.id, expectedVersion(request))
    return reply.code(204).send()
  })
}
