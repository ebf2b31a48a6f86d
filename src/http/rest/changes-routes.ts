// REST adapter for the change feed (openapi.yaml): one service call; the Link header names the next page while there is one.
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../modules/services.ts'
import { contextOf } from '../request-context.ts'
import { listQuery } from './rest-helpers.ts'

export function changesRoutes(app: FastifyInstance, { services, baseUrl }: { services: Services; baseUrl: string }) {
  app.get('/v1/changes', async function listChanges(request, reply) {
    reply.header('vary', 'Accept-Language, Authorization')
    const page = await services.changes.page(contextOf(request), listQuery(request, []))
    if (page.hasMore) {
      const url = new URL(request.url, baseUrl)
      url.searchParams.set('after', page.cursor)
      reply.header('link', `<${url.pathname}${url.search}>; rel="next"`)
    }
    return page
  })
}
