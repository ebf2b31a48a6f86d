// REST routes of the listening-and-acting loop: topics, feedback, decisions and report-backs.
import type { FastifyInstance } from 'fastify'
import type { Config } from '../../config.ts'
import type { Services } from '../../modules/services.ts'
import { decisionsRoutes } from './decisions-routes.ts'
import { feedbackRoutes } from './feedback-routes.ts'
import { loopExportsRoutes } from './loop-exports-routes.ts'
import { topicsRoutes } from './topics-routes.ts'

export function loopRoutes(app: FastifyInstance, deps: { services: Services; baseUrl: string; rateLimit: Config['rateLimit'] }) {
  topicsRoutes(app, deps)
  feedbackRoutes(app, deps)
  decisionsRoutes(app, deps)
  loopExportsRoutes(app, deps)
}
