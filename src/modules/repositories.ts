// Every module's repository bound to one queryable (the database or a transaction), assembled in one place so a
// service reaches another module's tables through this registry instead of building that module's repository inline.
import type { Queryable } from '../db/client.ts'
import { DEFAULT_TOTAL_COUNT_CAP } from '../db/counting.ts'
import { createAnnouncementsRepository } from './announcements/announcements-repository.ts'
import { createAgenciesRepository } from './agencies/agencies-repository.ts'
import { createAttendanceRepository } from './attendance/attendance-repository.ts'
import { createAuditRepository } from './audit/audit-repository.ts'
import { createBenchmarksRepository } from './benchmarks/benchmarks-repository.ts'
import { createContactsRepository } from './contacts/contacts-repository.ts'
import { createCredentialsRepository } from './credentials/credentials-repository.ts'
import { createDecisionEventsRepository } from './decisions/decision-events-repository.ts'
import { createDecisionsRepository } from './decisions/decisions-repository.ts'
import { createEventsRepository } from './events/events-repository.ts'
import { createFeedbackRepository } from './feedback/feedback-repository.ts'
import { createFollowUpRepository } from './follow-up/follow-up-repository.ts'
import { createIdempotencyRepository } from './idempotency/idempotency-repository.ts'
import { createLiaisonsRepository } from './liaisons/liaisons-repository.ts'
import { createInsightsRepository } from './insights/insights-repository.ts'
import { createOrganizationsRepository } from './organizations/organizations-repository.ts'
import { createOutboxRepository } from './outbox/outbox-repository.ts'
import { createParticipantsRepository } from './participants/participants-repository.ts'
import { createPrioritiesRepository } from './priorities/priorities-repository.ts'
import { createRateLimitsRepository } from './rate-limits/rate-limits-repository.ts'
import { createReportBacksRepository } from './report-backs/report-backs-repository.ts'
import { createSharedSecretsRepository } from './idempotency/shared-secrets-repository.ts'
import { createSurveysRepository } from './surveys/surveys-repository.ts'
import { createTopicsRepository } from './topics/topics-repository.ts'
import { createWebhooksRepository } from './webhooks/webhooks-repository.ts'

const bound = (db: Queryable) => ({
  agencies: createAgenciesRepository(db),
  announcements: createAnnouncementsRepository(db),
  attendance: createAttendanceRepository(db),
  audit: createAuditRepository(db),
  benchmarks: createBenchmarksRepository(db),
  contacts: createContactsRepository(db),
  credentials: createCredentialsRepository(db),
  decisionEvents: createDecisionEventsRepository(db),
  decisions: createDecisionsRepository(db),
  events: createEventsRepository(db),
  feedback: createFeedbackRepository(db),
  followUp: createFollowUpRepository(db),
  idempotency: createIdempotencyRepository(db),
  insights: createInsightsRepository(db),
  liaisons: createLiaisonsRepository(db),
  organizations: createOrganizationsRepository(db),
  outbox: createOutboxRepository(db),
  participants: createParticipantsRepository(db),
  priorities: createPrioritiesRepository(db),
  rateLimits: createRateLimitsRepository(db),
  reportBacks: createReportBacksRepository(db),
  sharedSecrets: createSharedSecretsRepository(db),
  surveys: createSurveysRepository(db),
  topics: createTopicsRepository(db),
  webhooks: createWebhooksRepository(db),
})

/**
 * `on(tx)`: the same registry bound to a transaction, so no query inside it can forget the transaction.
 * `totalCountCap`: how many rows a list's total counts at most (TOTAL_COUNT_CAP, src/db/counting.ts).
 */
export type Repositories = ReturnType<typeof bound> & { totalCountCap: number; on(tx: Queryable): Repositories }

export function createRepositories(db: Queryable, totalCountCap = DEFAULT_TOTAL_COUNT_CAP): Repositories {
  return { ...bound(db), totalCountCap, on: (tx) => createRepositories(tx, totalCountCap) }
}
