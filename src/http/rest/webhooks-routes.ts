// REST adapter for webhook subscriptions and their delivery log (openapi.yaml, tag Webhooks).
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../modules/services.ts'
import { contextOf } from '../request-context.ts'
import { noBody } from './rest-helpers.ts'

type IdParams = { Params: { id: string } }
type DeliveryParams = { Params: { id: string; deliveryId: string } }

export function webhooksRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { webhooks } = services

  app.post('/v1/webhook-subscriptions', async function createWebhookSubscription(request, reply) {
    const created = await webhooks.subscribe(contextOf(request), request.body)
    // The secret is in this answer only: no cache may keep it.
    reply.code(201).header('cache-control', 'no-store').header('location', `/v1/webhook-subscriptions/${created.id}`)
    return created
  })

  app.get('/v1/webhook-subscriptions', async function listWebhookSubscriptions(request) {
    return { data: await webhooks.list(contextOf(request)), nextCursor: null }
  })

  app.get<IdParams>('/v1/webhook-subscriptions/:id', async function getWebhookSubscription(request) {
    return webhooks.get(contextOf(request), request.params.id)
  })

  app.patch<IdParams>('/v1/webhook-subscriptions/:id', async function updateWebhookSubscription(request) {
    return webhooks.change(contextOf(request), request.params.id, request.body)
  })

  app.delete<IdParams>('/v1/webhook-subscriptions/:id', async function deleteWebhookSubscription(request, reply) {
    await webhooks.unsubscribe(contextOf(request), request.params.id)
    return reply.code(204).send()
  })

  app.post<IdParams>('/v1/webhook-subscriptions/:id/rotate-secret', async function rotateWebhookSecret(request, reply) {
    reply.header('cache-control', 'no-store')
    return webhooks.rotateSecret(contextOf(request), request.params.id, request.body)
  })

  app.post<IdParams>('/v1/webhook-subscriptions/:id/enable', async function enableWebhookSubscription(request) {
    noBody(request)
    return webhooks.enable(contextOf(request), request.params.id)
  })

  app.get<IdParams>('/v1/webhook-subscriptions/:id/deliveries', async function listWebhookDeliveries(request) {
    return webhooks.deliveries(contextOf(request), request.params.id, request.query)
  })

  app.post<IdParams>('/v1/webhook-subscriptions/:id/replay', async function replayWebhookDeliveries(request, reply) {
    const replayed = await webhooks.replaySince(contextOf(request), request.params.id, request.body)
    return reply.code(202).send(replayed)
  })

  app.post<DeliveryParams>('/v1/webhook-subscriptions/:id/deliveries/:deliveryId/replay', async function replayWebhookDelivery(request, reply) {
    noBody(request)
    const replayed = await webhooks.replay(contextOf(request), request.params.id, request.params.deliveryId)
    return reply.code(202).send(replayed)
  })
}
