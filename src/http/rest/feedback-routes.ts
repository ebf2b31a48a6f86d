// REST adapter for feedback (openapi.yaml): each handler is one service call plus HTTP conventions.
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../modules/services.ts'
import { validationFailed } from '../../errors.ts'
import { contextOf } from '../request-context.ts'
import type { SubmissionLimit } from '../submission-limit.ts'
import { expectedVersion, idempotencyKey, listQuery, sendPage, sendResource, withRemoved } from './rest-helpers.ts'

const feedbackArrayParams = ['status', 'topic', 'stance', 'channel', 'visibility', 'areaId', 'eventId'] as const
type IdParams = { Params: { id: string } }

export function feedbackRoutes(app: FastifyInstance, { services, baseUrl, submissionLimit }: { services: Services; baseUrl: string; submissionLimit: SubmissionLimit }) {
  const { feedback } = services

  app.get('/v1/feedback', async function listFeedback(request, reply) {
    reply.header('vary', 'Authorization')
    const ctx = contextOf(request)
    const query = listQuery(request, feedbackArrayParams)
    const page = await feedback.list(ctx, query)
    return sendPage(request, reply, withRemoved(page, await services.changes.removedOf(ctx, 'feedback', query)), baseUrl)
  })

  app.post(
    '/v1/feedback',
    {
      // Held to the submission allowance all doors share; no access log line (it would hold their address).
      logLevel: 'warn',
      preHandler: submissionLimit,
    },
    async function submitFeedback(request, reply) {
      const { feedback: created, replayed, trackingCode } = await feedback.submit(contextOf(request), request.body, idempotencyKey(request))
      if (replayed) reply.header('idempotent-replayed', 'true')
      // The tracking code is a capability: the answer that carries it is not to be kept by caches.
      reply.code(201).header('location', `/v1/feedback/${created.id}`).header('cache-control', 'no-store')
      const tracking = trackingCode ? { trackingCode, trackingUrl: new URL(`/v1/follow-up/${trackingCode}`, baseUrl).href } : {}
      return sendResource(reply, { ...created, ...tracking })
    },
  )

  // A capability URL: no access log line (it would hold the code), and no cache keeps the answer.
  app.get<{ Params: { code: string }; Querystring: { language?: string } }>('/v1/follow-up/:code', { logLevel: 'warn' }, async function getFollowUp(request, reply) {
    const { language, ...rest } = (request.query ?? {}) as Record<string, unknown>
    const unknown = Object.keys(rest)
    if (unknown.length) throw validationFailed(unknown.map((field) => ({ field, message: 'is not a known parameter' })))
    if (language !== undefined && typeof language !== 'string') throw validationFailed([{ field: 'language', message: 'may be given once' }])
    const followUp = await services.followUp.lookUp(contextOf(request), request.params.code, language)
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').header('content-language', followUp.contentLanguage).header('vary', 'Accept-Language')
    return followUp
  })

  app.get<IdParams>('/v1/feedback/:id', async function getFeedback(request, reply) {
    return sendResource(reply, await feedback.get(contextOf(request), request.params.id))
  })

  app.patch<IdParams>('/v1/feedback/:id', async function classifyFeedback(request, reply) {
    return sendResource(reply, await feedback.classify(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })

  // One command resource for the lifecycle: the body names the status to move to (and a reason or referee where needed).
  app.post<IdParams>('/v1/feedback/:id/transitions', async function transitionFeedback(request, reply) {
    return sendResource(reply, await feedback.transition(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })

  app.post<IdParams>('/v1/feedback/:id/moderation', async function moderateFeedback(request, reply) {
    return sendResource(reply, await feedback.moderate(contextOf(request), request.params.id, request.body, expectedVersion(request)))
  })

  app.get<IdParams>('/v1/feedback/:id/history', async function getFeedbackHistory(request) {
    return feedback.history(contextOf(request), request.params.id)
  })
}
