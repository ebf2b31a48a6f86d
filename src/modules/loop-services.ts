// The listening-and-acting loop's services (topics → feedback → decisions → report-backs), wired in dependency order.
import type { Logger } from '../context.ts'
import type { Database } from '../db/client.ts'
import type { AgenciesService } from './agencies/agencies-service.ts'
import type { Repositories } from './repositories.ts'
import type { Writes } from './writes.ts'
import { createDecisionsService } from './decisions/decisions-service.ts'
import { createFeedbackService } from './feedback/feedback-service.ts'
import { createAnnouncementsService } from './announcements/announcements-service.ts'
import { createFollowUpService } from './follow-up/follow-up-service.ts'
import { createPrioritiesService } from './priorities/priorities-service.ts'
import { createReportBacksService } from './report-backs/report-backs-service.ts'
import { createTopicsService } from './topics/topics-service.ts'

export function createLoopServices({ database, repositories, writes, agencies, log }: { database: Database; repositories: Repositories; writes: Writes; agencies: AgenciesService; log: Logger }) {
  const topics = createTopicsService({ database, repositories, agencies })
  const feedback = createFeedbackService({ database, repositories, writes, agencies, topics })
  const decisions = createDecisionsService({ database, repositories, writes, agencies, topics, feedback })
  const reportBacks = createReportBacksService({ database, repositories, writes, agencies, feedback })
  const priorities = createPrioritiesService({ database, repositories, writes, agencies, feedback })
  const announcements = createAnnouncementsService({ database, repositories, writes, agencies, feedback, log })
  return { topics, feedback, decisions, reportBacks, priorities, announcements, followUp: createFollowUpService({ repositories, decisions, reportBacks, priorities }) }
}
