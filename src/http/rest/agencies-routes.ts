// REST adapter for agencies and their areas (public reference data).
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../modules/services.ts'

type SlugParams = { Params: { slug: string } }

export function agenciesRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/v1/agencies', async function listAgencies() {
    return { data: await services.agencies.list(), nextCursor: null }
  })
  app.get<SlugParams>('/v1/agencies/:slug', async function getAgency(request) {
    return services.agencies.get(request.params.slug)
  })
  app.get<SlugParams>('/v1/agencies/:slug/areas', async function listAreas(request) {
    return { data: await services.agencies.listAreas(request.params.slug), nextCursor: null }
  })
}
