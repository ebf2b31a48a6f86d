// The people side of engagement, wired together: participants, attendance and surveys.
import type { Database } from '../db/client.ts'
import type { AgenciesService } from './agencies/agencies-service.ts'
import type { Repositories } from './repositories.ts'
import type { Writes } from './writes.ts'
import { createAttendanceService } from './attendance/attendance-service.ts'
import type { EventsService } from './events/events-service.ts'
import { createParticipantsService } from './participants/participants-service.ts'
import { createSurveysService } from './surveys/surveys-service.ts'

export function createPeopleServices(deps: { database: Database; repositories: Repositories; writes: Writes; agencies: AgenciesService; events: EventsService }) {
  return { participants: createParticipantsService(deps), attendance: createAttendanceService(deps), surveys: createSurveysService(deps) }
}
