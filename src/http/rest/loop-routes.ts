// REST routes of the listening-and-acting loop: topics, feedback, decisions and report-backs.
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../modules/services.ts'
import type { SubmissionLimit } from '../submission-limit.ts'
import { decisionsRoutes } from './decisions-routes.ts'
import { feedbackRoutes } from './feedback-routes.ts'
import { loopExportsRoutes } from './loop-exports-routes.ts'
import { topicsRoutes } from './topics-routes.ts'

export function loopRoutes(app: FastifyInstance, deps: { services: Services; baseUrl: string; submissionLimit: SubmissionLimit }) {
  topicsRoutes(app, deps)
  feedbackRoutes(app, deps)
  decisionsRoutes(app, deps)
  loopExportsRoutes(app, deps)
}
