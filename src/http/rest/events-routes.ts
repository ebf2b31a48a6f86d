// REST adapter for events and series (openapi.yaml): each handler is one service call plus HTTP conventions.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../modules/services.ts'
import { contextOf } from '../request-context.ts'
import { expectedVersion, idempotencyKey, listQuery, sendPage, sendResource } from './rest-helpers.ts'

const eventArrayParams = ['status', 'areaId', 'format', 'kind', 'language', 'accommodation', 'topic'] as const
type IdParams = { Params: { id: string } }

export function eventsRoutes(app: FastifyInstance, { services, baseUrl }: { services: Services; baseUrl: string }) {
  const { events, series } = services

  app.get('/v1/events', async function listEvents(request, reply) {
    const page = await events.list(contextOf(request), listQuery(request, eventArrayParams))
    reply.header('vary', 'Accept-Language, Authorization')
    return sendPage(request, reply, page, baseUrl)
  })

  app.post('/v1/events', async function scheduleEvent(request, reply) {
    const { event, replayed } = await events.schedule(contextOf(request), request.body, idempotencyKey(request))
    if (replayed) reply.header('idempotent-replayed', 'true')
    reply.code(201).header('location', `/v1/events/${event.id}`)
    return sendResource(reply, event)
  })

  app.get<IdParams>('/v1/events/:id', async function getEvent(request, reply) {
    return sendResource(reply, await events.get(contextOf(request), request.params.id))
  })

  app.patch<IdParams>('/v1/events/:id', async function updateEvent(request, reply) {
    return sendResource(reply, await events.update(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })

  // Commands: POST /v1/events/{id}/{command}, each guarded by If-Match and the status machine.
  const command =
    (run: (req: FastifyRequest<IdParams>) => Promise<{ version: number; contentLanguage?: string }>) =>
    async (request: FastifyRequest<IdParams>, reply: FastifyReply) =>
      sendResource(reply, await run(request))

  app.post<IdParams>('/v1/events/:id/publish', command((r) => events.publish(contextOf(r), r.params.id, expectedVersion(r))))
  app.post<IdParams>('/v1/events/:id/reschedule', command((r) => events.reschedule(contextOf(r), r.params.id, r.body, expectedVersion(r))))
  app.post<IdParams>('/v1/events/:id/postpone', command((r) => events.postpone(contextOf(r), r.params.id, r.body, expectedVersion(r))))
  app.post<IdParams>('/v1/events/:id/cancel', command((r) => events.cancel(contextOf(r), r.params.id, r.body, expectedVersion(r))))
  app.post<IdParams>('/v1/events/:id/complete', command((r) => events.complete(contextOf(r), r.params.id, expectedVersion(r))))

  app.get('/v1/series', async function listSeries(request, reply) {
    return sendPage(request, reply, await series.list(contextOf(request), listQuery(request, [])), baseUrl)
  })

  app.post('/v1/series', async function createSeries(request, reply) {
    const { series: created, replayed } = await series.create(contextOf(request), request.body, idempotencyKey(request))
    if (replayed) reply.header('idempotent-replayed', 'true')
    reply.code(201).header('location', `/v1/series/${created.id}`)
    return sendResource(reply, created)
  })

  app.get<IdParams>('/v1/series/:id', async function getSeries(request, reply) {
    return sendResource(reply, await series.get(contextOf(request), request.params.id))
  })

  app.patch<IdParams>('/v1/series/:id', async function updateSeries(request, reply) {
    return sendResource(reply, await series.update(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })

  app.post<IdParams>('/v1/series/:id/cancel', command((r) => series.cancel(contextOf(r), r.params.id, r.body, expectedVersion(r))))

  app.get<IdParams>('/v1/series/:id/occurrences', async function listSeriesOccurrences(request, reply) {
    await series.get(contextOf(request), request.params.id)
    const query = { ...listQuery(request, eventArrayParams), seriesId: request.params.id }
    return sendPage(request, reply, await events.list(contextOf(request), query), baseUrl)
  })
}
