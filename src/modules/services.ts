// The service layer both adapters share, wired from its dependencies (no container: plain factories).
import type { PartnerTokens } from '../auth/partner-tokens.ts'
import type { Database } from '../db/client.ts'
import { createAgenciesService } from './agencies/agencies-service.ts'
import { createCredentialsService } from './credentials/credentials-service.ts'
import { createEventsService } from './events/events-service.ts'
import { createSeriesService } from './events/series-service.ts'
import { createOrganizationsService } from './organizations/organizations-service.ts'
import { createLoopServices } from './loop-services.ts'

/** `partnerTokens`: this server's signer for partner API clients, when TOKEN_SIGNING_JWK is configured. */
export function createServices(database: Database, { partnerTokens }: { partnerTokens?: PartnerTokens } = {}) {
  const agencies = createAgenciesService({ database })
  return {
    agencies,
    events: createEventsService({ database, agencies }),
    series: createSeriesService({ database, agencies }),
    organizations: createOrganizationsService({ database, agencies }),
    credentials: createCredentialsService({ database, agencies, partnerTokens }),
    ...createLoopServices({ database, agencies }),
  }
}
export type Services = ReturnType<typeof createServices>
