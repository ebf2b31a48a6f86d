// REST adapter for outreach announcements (openapi.yaml): each handler is one service call plus HTTP conventions.
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../modules/services.ts'
import { contextOf } from '../request-context.ts'
import { expectedVersion, idempotencyKey, listQuery, noBody, sendPage, sendResource } from './rest-helpers.ts'

type IdParams = { Params: { id: string } }

export function announcementsRoutes(app: FastifyInstance, { services, baseUrl }: { services: Services; baseUrl: string }) {
  const { announcements } = services

  app.get('/v1/announcements', async function listAnnouncements(request, reply) {
    reply.header('vary', 'Accept-Language, Authorization')
    return sendPage(request, reply, await announcements.list(contextOf(request), listQuery(request, ['kind', 'areaId', 'channel'])), baseUrl)
  })

  app.post('/v1/announcements', async function createAnnouncement(request, reply) {
    const { announcement, replayed } = await announcements.create(contextOf(request), request.body, idempotencyKey(request))
    if (replayed) reply.header('idempotent-replayed', 'true')
    reply.code(201).header('location', `/v1/announcements/${announcement.id}`)
    return sendResource(reply, announcement)
  })

  app.get<IdParams>('/v1/announcements/:id', async function getAnnouncement(request, reply) {
    return sendResource(reply, await announcements.get(contextOf(request), request.params.id))
  })

  app.patch<IdParams>('/v1/announcements/:id', async function updateAnnouncement(request, reply) {
    return sendResource(reply, await announcements.update(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })

  app.post<IdParams>('/v1/announcements/:id/publish', async function publishAnnouncement(request, reply) {
    noBody(request)
    return sendResource(reply, await announcements.publish(contextOf(request), request.params.id, expectedVersion(request)))
  })

  app.post<IdParams>('/v1/announcements/:id/withdraw', async function withdrawAnnouncement(request, reply) {
    return sendResource(reply, await announcements.withdraw(contextOf(request), request.params.id, request.body))
  })

  app.post<IdParams>('/v1/announcements/:id/reach', async function reportAnnouncementReach(request, reply) {
    return sendResource(reply, await announcements.reportReach(contextOf(request), request.params.id, request.body))
  })
}
