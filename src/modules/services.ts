// The service layer both adapters share, wired from its dependencies (no container: plain factories).
import type { PartnerTokens } from '../auth/partner-tokens.ts'
import type { Clock } from '../clock.ts'
import type { Database } from '../db/client.ts'
import { createAgenciesService } from './agencies/agencies-service.ts'
import { createAgencyAdminService } from './agencies/agency-admin-service.ts'
import { createCredentialsService } from './credentials/credentials-service.ts'
import { createEventFeedsService } from './events/event-feeds-service.ts'
import { createEventsService } from './events/events-service.ts'
import { createSeriesService } from './events/series-service.ts'
import { createOrganizationsService } from './organizations/organizations-service.ts'
import { createPeopleServices } from './people.ts'
import { createInsightsService, type ErrorLog, type InsightsSettings } from './insights/insights-service.ts'
import { createLoopServices } from './loop-services.ts'
import { createLoopExportsService } from './exports/loop-exports-service.ts'
import { createOpen311Service } from './open311/open311-service.ts'
import { createReadsRepository } from './reads/reads-repository.ts'
import { createReadsService } from './reads/reads-service.ts'
import { createRepositories } from './repositories.ts'
import { createWrites } from './writes.ts'

/**
 * `partnerTokens`: this server's signer for partner API clients, when TOKEN_SIGNING_JWK is configured. `log` and `clock`: for work
 * done outside a request (requests bring their own clock in ctx; no background work reads domain time yet).
 */
export function createServices(database: Database, { partnerTokens, insights, log }: { clock?: Clock; partnerTokens?: PartnerTokens; insights?: InsightsSettings; log?: ErrorLog } = {}) {
  // Repositories bound to the database (and, through on(tx), to a transaction), and the unit of work creates go through.
  const repositories = createRepositories(database.db)
  const writes = createWrites({ database, repositories })
  const agencies = createAgenciesService({ database })
  const events = createEventsService({ database, repositories, writes, agencies })
  const series = createSeriesService({ database, repositories, writes, agencies })
  const organizations = createOrganizationsService({ database, repositories, writes, agencies })
  const loop = createLoopServices({ database, repositories, writes, agencies })
  return {
    agencies,
    agencyAdmin: createAgencyAdminService({ database, repositories, writes, agencies }),
    events,
    reads: createReadsService({ repo: createReadsRepository(database), agencies, events }),
    series,
    organizations,
    eventFeeds: createEventFeedsService({ events, series, agencies, organizations }),
    credentials: createCredentialsService({ database, agencies, partnerTokens }),
    ...createPeopleServices({ database, repositories, writes, agencies, events }),
    insights: createInsightsService({ database, agencies, log, ...(insights ? { settings: insights } : {}) }),
    ...loop,
    loopExports: createLoopExportsService(loop),
    open311: createOpen311Service({ agencies, ...loop }),
  }
}
export type Services = ReturnType<typeof createServices>
