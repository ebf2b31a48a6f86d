// REST adapter for the feedback-topic vocabulary (openapi.yaml): each handler is one service call plus HTTP conventions.
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../modules/services.ts'
import { contextOf } from '../request-context.ts'
import { idempotencyKey, listQuery, noBody } from './rest-helpers.ts'

export function topicsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { topics } = services

  app.get('/v1/topics', async function listTopics(request, reply) {
    reply.header('vary', 'Accept-Language, Authorization')
    return topics.list(contextOf(request), listQuery(request, []))
  })

  app.post('/v1/topics', async function addTopic(request, reply) {
    const { topic, replayed } = await topics.add(contextOf(request), request.body, idempotencyKey(request))
    if (replayed) reply.header('idempotent-replayed', 'true')
    reply.code(201).header('location', `/v1/topics/${topic.code}`)
    return topic
  })

  app.post<{ Params: { code: string } }>('/v1/topics/:code/retire', async function retireTopic(request) {
    noBody(request)
    return topics.retire(contextOf(request), request.params.code)
  })
}
