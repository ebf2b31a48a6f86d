// The service layer both adapters share, wired from its dependencies (no container: plain factories).
import type { Database } from '../db/client.ts'
import { createAgenciesService } from './agencies/agencies-service.ts'
import { createEventsService } from './events/events-service.ts'
import { createSeriesService } from './events/series-service.ts'

export function createServices(database: Database) {
  const agencies = createAgenciesService({ database })
  return {
    agencies,
    events: createEventsService({ database, agencies }),
    series: createSeriesService({ database, agencies }),
  }
}
export type Services = ReturnType<typeof createServices>
