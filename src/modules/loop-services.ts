// The listening-and-acting loop's services (topics → feedback → decisions → report-backs), wired in dependency order.
import type { Database } from '../db/client.ts'
import type { AgenciesService } from './agencies/agencies-service.ts'
import { createDecisionsService } from './decisions/decisions-service.ts'
import { createFeedbackService } from './feedback/feedback-service.ts'
import { createReportBacksService } from './report-backs/report-backs-service.ts'
import { createTopicsService } from './topics/topics-service.ts'

export function createLoopServices({ database, agencies }: { database: Database; agencies: AgenciesService }) {
  const topics = createTopicsService({ database, agencies })
  const feedback = createFeedbackService({ database, agencies, topics })
  return {
    topics,
    feedback,
    decisions: createDecisionsService({ database, agencies, topics, feedback }),
    reportBacks: createReportBacksService({ database, agencies, feedback }),
  }
}
