// REST adapter for events and series (openapi.yaml): each handler is one service call plus HTTP conventions.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Services } from '../../modules/services.ts'
import { schemaOrgEvent, schemaOrgEventList } from '../../modules/events/jsonld-format.ts'
import type { EmptyPage, EventPlan, EventsPageRead } from '../../modules/reads/reads-service.ts'
import { planCache, sightOf } from '../plan-cache.ts'
import { contextOf } from '../request-context.ts'
import { prefersJsonLd } from './negotiation.ts'
import { eventArrayParams, expectedVersion, idempotencyKey, linkNext, listQuery, noBody, sendJsonText, sendPage, sendResource, withRemoved } from './rest-helpers.ts'

type IdParams = { Params: { id: string } }

/** Cache-Control: no-cache (or no-store) asks for the event as the database has it, not a kept copy (RFC 9111 §5.2.1). */
const asksFresh = (request: FastifyRequest) => /\bno-(cache|store)\b/i.test(String(request.headers['cache-control'] ?? ''))

/** `readPath`: JSON lists and events are built by PostgreSQL in one statement (src/modules/reads); off, by the events service. */
export function eventsRoutes(app: FastifyInstance, { services, baseUrl, readPath = true }: { services: Services; baseUrl: string; readPath?: boolean }) {
  const { events, series, eventFeeds, reads } = services
  // Reads planned per caller's sight, languages and URL (plan-cache.ts): a repeated read only binds and runs its statement.
  const listPlans = planCache<{ read: EventsPageRead | EmptyPage }>(services.caches)
  const eventPlans = planCache<EventPlan>(services.caches)

  app.get('/v1/events', async function listEvents(request, reply) {
    reply.header('vary', 'Accept, Accept-Language, Authorization')
    if (prefersJsonLd(request)) {
      const { page, documents } = await eventFeeds.documents(contextOf(request), listQuery(request, eventArrayParams))
      sendPage(request, reply, page, baseUrl)
      return reply.type('application/ld+json; charset=utf-8').send(schemaOrgEventList(documents, baseUrl))
    }
    // Near me is ordered by distance: the events service answers it (the read path builds start- and change-ordered pages).
    const near = (request.query as Record<string, unknown> | undefined)?.near !== undefined
    if (readPath && !near) {
      const ctx = contextOf(request)
      const key = `${sightOf(request)}\u0000${request.headers['accept-language'] ?? ''}\u0000${request.url}`
      let plan = listPlans.get(key)
      if (!plan) listPlans.set(key, (plan = { read: await reads.planEvents(ctx, listQuery(request, eventArrayParams)) }))
      const { body, nextCursor } = await reads.events(ctx, plan.read)
      linkNext(request, reply, nextCursor, baseUrl)
      const removed = await services.changes.removedOf(ctx, 'event', listQuery(request, eventArrayParams))
      // The body PostgreSQL wrote is one JSON object: what left the caller's view joins it as its last member.
      return sendJsonText(reply, removed === undefined ? body : `${body.slice(0, body.lastIndexOf('}'))},"removed":${JSON.stringify(removed)}}`)
    }
    const ctx = contextOf(request)
    const query = listQuery(request, eventArrayParams)
    const page = await events.list(ctx, query)
    return sendPage(request, reply, withRemoved(page, await services.changes.removedOf(ctx, 'event', query)), baseUrl)
  })

  app.post('/v1/events', async function scheduleEvent(request, reply) {
    const { event, replayed } = await events.schedule(contextOf(request), request.body, idempotencyKey(request))
    if (replayed) reply.header('idempotent-replayed', 'true')
    reply.code(201).header('location', `/v1/events/${event.id}`)
    return sendResource(reply, event)
  })

  app.get<IdParams>('/v1/events/:id', async function getEvent(request, reply) {
    if (prefersJsonLd(request)) {
      const document = await eventFeeds.document(contextOf(request), request.params.id)
      sendResource(reply, document.event)
      reply.header('vary', 'Accept, Accept-Language, Authorization')
      return reply.type('application/ld+json; charset=utf-8').send(schemaOrgEvent(document, baseUrl))
    }
    // Near me is ordered by distance: the events service answers it (the read path builds start- and change-ordered pages).
    const near = (request.query as Record<string, unknown> | undefined)?.near !== undefined
    if (readPath && !near) {
      const ctx = contextOf(request)
      // Keyed without the id: one plan serves every event (keyed by id, a thousand plans missed on most of 10,000 events).
      const key = `${sightOf(request)}\u0000${ctx.languages.join(',')}`
      let plan = eventPlans.get(key)
      if (!plan) eventPlans.set(key, (plan = await reads.planEvent(ctx)))
      const { body, version, contentLanguage, descriptionLanguage } = await reads.event(ctx, plan, request.params.id, asksFresh(request))
      sendResource(reply, { version, ...(contentLanguage ? { contentLanguage } : {}), descriptionLanguage })
      reply.header('vary', 'Accept, Accept-Language, Authorization')
      return sendJsonText(reply, body)
    }
    const event = await events.get(contextOf(request), request.params.id)
    sendResource(reply, event)
    reply.header('vary', 'Accept, Accept-Language, Authorization')
    return event
  })

  app.patch<IdParams>('/v1/events/:id', async function updateEvent(request, reply) {
    return sendResource(reply, await events.update(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })

  // Commands: POST /v1/events/{id}/{command}, each guarded by If-Match and the status machine.
  app.post<IdParams>('/v1/events/:id/publish', async function publishEvent(request, reply) {
    noBody(request)
    return sendResource(reply, await events.publish(contextOf(request), request.params.id, expectedVersion(request)))
  })
  app.post<IdParams>('/v1/events/:id/reschedule', async function rescheduleEvent(request, reply) {
    return sendResource(reply, await events.reschedule(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })
  app.post<IdParams>('/v1/events/:id/postpone', async function postponeEvent(request, reply) {
    return sendResource(reply, await events.postpone(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })
  app.post<IdParams>('/v1/events/:id/cancel', async function cancelEvent(request, reply) {
    return sendResource(reply, await events.cancel(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })
  app.post<IdParams>('/v1/events/:id/complete', async function completeEvent(request, reply) {
    noBody(request)
    return sendResource(reply, await events.complete(contextOf(request), request.params.id, expectedVersion(request)))
  })

  app.get('/v1/series', async function listSeries(request, reply) {
    reply.header('vary', 'Accept-Language, Authorization')
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

  app.post<IdParams>('/v1/series/:id/publish', async function publishSeries(request, reply) {
    return sendResource(reply, await series.publish(contextOf(request), request.params.id, expectedVersion(request)))
  })

  app.post<IdParams>('/v1/series/:id/cancel', async function cancelSeries(request, reply) {
    return sendResource(reply, await series.cancel(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })

  app.get<IdParams>('/v1/series/:id/occurrences', async function listSeriesOccurrences(request, reply) {
    await series.get(contextOf(request), request.params.id)
    const query = { ...listQuery(request, eventArrayParams), seriesId: request.params.id }
    return sendPage(request, reply, await events.list(contextOf(request), query), baseUrl)
  })
}
