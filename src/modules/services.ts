// The service layer both adapters share, wired from its dependencies (no container: plain factories).
import type { PartnerTokens } from '../auth/partner-tokens.ts'
import type { Clock } from '../clock.ts'
import type { Logger } from '../context.ts'
import type { Database } from '../db/client.ts'
import { DEFAULT_GROUP_COMMIT, type GroupCommitLimits } from '../db/group-commit.ts'
import { DEFAULT_TOTAL_COUNT_CAP } from '../db/counting.ts'
import { createAgenciesService } from './agencies/agencies-service.ts'
import { createChangesService } from './changes/changes-service.ts'
import { createAgencyAdminService } from './agencies/agency-admin-service.ts'
import { createBenchmarksService } from './benchmarks/benchmarks-service.ts'
import { createContactsService } from './contacts/contacts-service.ts'
import { createCredentialsService } from './credentials/credentials-service.ts'
import { createEventFeedsService } from './events/event-feeds-service.ts'
import { createEventsService } from './events/events-service.ts'
import { createSeriesService } from './events/series-service.ts'
import { createOrganizationsService } from './organizations/organizations-service.ts'
import { createPeopleServices } from './people.ts'
import { createLiaisonsService } from './liaisons/liaisons-service.ts'
import { createScheduledTimes } from './announcements/scheduled-times.ts'
import { createInsightsService, defaultInsightsSettings, type InsightsSettings } from './insights/insights-service.ts'
import { createLoopServices } from './loop-services.ts'
import { createLoopExportsService } from './exports/loop-exports-service.ts'
import { createOpen311Service } from './open311/open311-service.ts'
import { createChangeStream } from './outbox/change-stream.ts'
import { createCacheInvalidation } from './outbox/cache-invalidation.ts'
import { createReadsRepository } from './reads/reads-repository.ts'
import { createReadsService } from './reads/reads-service.ts'
import { createEventCache, DEFAULT_EVENT_CACHE_BYTES } from './reads/event-cache.ts'
import { createRepositories } from './repositories.ts'
import { createWrites } from './writes.ts'
import { createWebhookDelivery, type DeliverySettings } from './webhooks/webhook-delivery.ts'
import { createSender } from './webhooks/webhook-sender.ts'
import { createWebhookWorker, type WorkerSettings } from './webhooks/webhook-worker.ts'
import { createWebhooksService } from './webhooks/webhooks-service.ts'
import type { UrlGuardSettings } from './webhooks/url-guard.ts'
import { systemClock } from '../clock.ts'

/** What webhooks need: the SSRF guard's switches, how deliveries are made and retried, how often the queue is asked. */
export type WebhookOptions = { guard: UrlGuardSettings; delivery: DeliverySettings; worker: WorkerSettings }
const defaultWebhooks: WebhookOptions = {
  guard: { allowHttp: false, allowLoopback: false },
  delivery: { baseUrl: 'http://localhost', timeoutMs: 10_000, retry: { baseMs: 30_000, maxMs: 14_400_000, giveUpAfterMs: 86_400_000 } },
  worker: { pollMs: 2_000, sendConcurrency: 4 },
}

/**
 * `partnerTokens`: this server's signer for partner API clients, when TOKEN_SIGNING_JWK is configured. `log` and `clock`: for work
 * done outside a request (requests bring their own clock in ctx; webhook delivery reads this one for when to retry and give up).
 * `webhooks`: the SSRF guard's switches and delivery settings (config.ts); the worker is started and stopped by the app.
 * `totalCountCap`: how many rows a list's total counts before it answers the cap as an estimate (TOTAL_COUNT_CAP).
 * `groupCommit`: how creates' statements go together under load (GROUP_COMMIT_IN_FLIGHT, GROUP_COMMIT_MAX).
 * `eventCacheBytes`: how much the public views of single events kept in memory may take (EVENT_CACHE_MB; 0: none).
 */
export function createServices(
  database: Database,
  { clock = systemClock, partnerTokens, insights, log, webhooks = defaultWebhooks, totalCountCap = DEFAULT_TOTAL_COUNT_CAP, groupCommit = DEFAULT_GROUP_COMMIT, eventCacheBytes = DEFAULT_EVENT_CACHE_BYTES }: { clock?: Clock; partnerTokens?: PartnerTokens; insights?: InsightsSettings; log?: Logger; webhooks?: WebhookOptions; totalCountCap?: number; groupCommit?: GroupCommitLimits; eventCacheBytes?: number } = {},
) {
  // Repositories bound to the database (and, through on(tx), to a transaction), and the unit of work creates go through.
  const repositories = createRepositories(database.db, totalCountCap)
  const writes = createWrites({ database, repositories, groupCommit })
  const agencies = createAgenciesService({ database })
  // What this instance keeps in memory is dropped when any instance changes it (cache-invalidation.ts); the app starts it.
  const caches = createCacheInvalidation({ database, ...(log ? { log } : {}) })
  caches.on((what) => (what === 'everything' ? agencies.forget() : what.entityType === 'agency' && agencies.forget({ id: what.entityId })))
  const events = createEventsService({ database, repositories, writes, agencies })
  const series = createSeriesService({ database, repositories, writes, agencies })
  const organizations = createOrganizationsService({ database, repositories, writes, agencies })
  // Background delivery: the work (webhook-delivery.ts) on a shared queue (webhook-worker.ts); the app starts and stops it.
  const workLog: Logger = log ?? { fatal() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {} }
  const loop = createLoopServices({ database, repositories, writes, agencies, log: workLog })
  const liaisons = createLiaisonsService({ database, repositories, agencies, threshold: insights?.threshold ?? defaultInsightsSettings.threshold })
  const sender = createSender({ ...webhooks.guard, timeoutMs: webhooks.delivery.timeoutMs, maxResponseBytes: 4_096 })
  // Surveys after police contact: an invitation's webhook carries its address and link, read at send time and then deleted.
  const contacts = createContactsService({ database, repositories, writes, agencies, topics: loop.topics, baseUrl: webhooks.delivery.baseUrl, clock, log: workLog })
  const delivery = createWebhookDelivery({ database, repositories, clock, signingClock: systemClock, sender, settings: webhooks.delivery, log: workLog, attach: contacts.attach })
  const insightsService = createInsightsService({ database, agencies, clock, log, ...(insights ? { settings: insights } : {}) })
  const webhookWorker = createWebhookWorker({ database, repositories, delivery, settings: webhooks.worker, log: workLog })
  return {
    caches,
    webhooks: createWebhooksService({ database, repositories, agencies, settings: webhooks.guard, wake: () => webhookWorker.wake() }),
    webhookWorker,
    webhookDelivery: delivery,
    agencies,
    agencyAdmin: createAgencyAdminService({ database, repositories, writes, agencies }),
    events,
    reads: createReadsService({ repo: createReadsRepository(database, totalCountCap), agencies, events, cache: createEventCache({ caches, maxBytes: eventCacheBytes, ...(database.replica ? { onPrimary: database.replica.onPrimary } : {}) }) }),
    series,
    organizations,
    eventFeeds: createEventFeedsService({ events, series, agencies, organizations }),
    credentials: createCredentialsService({ database, agencies, partnerTokens }),
    ...createPeopleServices({ database, repositories, writes, agencies, events }),
    liaisons,
    contacts,
    insights: insightsService,
    benchmarks: createBenchmarksService({ database, repositories, agencies, insights: insightsService }),
    ...loop,
    loopExports: createLoopExportsService(loop),
    open311: createOpen311Service({ agencies, ...loop }),
    changes: createChangesService({ repositories, agencies, events, series, organizations, liaisons, ...loop }),
    /** Writes the moments time alone changes what is public (an announcement going live, expiring); the app runs it. */
    scheduledTimes: createScheduledTimes({ announcements: loop.announcements, clock, log: workLog, sweeps: [contacts.sweep] }),
    /** Every committed change, as the outbox records it, for live subscriptions (each instance follows it). */
    changeStream: createChangeStream({ database, repositories: createRepositories(database.background), ...(log ? { log } : {}) }),
  }
}
export type Services = ReturnType<typeof createServices>
