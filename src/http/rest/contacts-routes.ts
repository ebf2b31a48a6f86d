// REST adapter for surveys after police contact (openapi.yaml): contact events in, the agency's rules, opt-outs and answers.
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../modules/services.ts'
import type { SubmissionLimit } from '../submission-limit.ts'
import { contextOf } from '../request-context.ts'

/** Anonymous writes are not logged per request (the access log would hold the sender's address); they count as submissions. */
export function contactsRoutes(app: FastifyInstance, { services, submissionLimit }: { services: Services; submissionLimit: SubmissionLimit }) {
  const { contacts, credentials } = services
  const anonymous = { logLevel: 'warn' as const, preHandler: submissionLimit }

  // A batch of up to 500 events is larger than other bodies; the batch limit itself is the service's.
  app.post('/v1/contact-events', { bodyLimit: 1_048_576 }, async function receiveContactEvents(request, reply) {
    reply.header('cache-control', 'no-store')
    return contacts.receive(contextOf(request), request.body)
  })

  app.get('/v1/contact-survey-rules', async function getContactSurveyRules(request, reply) {
    reply.header('cache-control', 'no-store')
    return contacts.rules(contextOf(request))
  })

  app.patch('/v1/contact-survey-rules', async function changeContactSurveyRules(request) {
    return contacts.changeRules(contextOf(request), request.body)
  })

  app.post('/v1/contact-survey-opt-outs', anonymous, async function optOutOfContactSurveys(request, reply) {
    return reply.code(202).send(await contacts.optOut(contextOf(request), request.body))
  })

  app.post('/v1/contact-survey-responses', anonymous, async function answerContactSurvey(request, reply) {
    return reply.code(201).send(await contacts.answer(contextOf(request), request.body))
  })

  app.post('/v1/contact-survey-responses/opt-out', anonymous, async function optOutByInvitation(request, reply) {
    return reply.code(202).send(await contacts.optOutByToken(contextOf(request), request.body))
  })

  app.post('/v1/contact-feed-clients', async function createContactFeedClient(request, reply) {
    const created = await credentials.issueContactFeed(contextOf(request), request.body)
    return reply.code(201).header('cache-control', 'no-store').header('location', '/v1/contact-feed-clients').send(created)
  })

  app.get('/v1/contact-feed-clients', async function listContactFeedClients(request) {
    return { data: await credentials.listContactFeeds(contextOf(request)), nextCursor: null }
  })
}
