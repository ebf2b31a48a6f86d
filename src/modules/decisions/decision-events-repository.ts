// SQL for the events a batch of decisions was discussed at (a relation read; writes live in decisions-repository).
import { and, asc, eq, getTableColumns, inArray, isNull, ne, or } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { decisionEvents, events } from '../../db/schema/index.ts'
import type { EventRow } from '../events/events-repository.ts'

const { search: _search, ...eventColumns } = getTableColumns(events)

/** Drafts only for the staff of their agency (`draftsOfAgencyId`), as everywhere else. */
const seenBy = (draftsOfAgencyId: string | null) => (draftsOfAgencyId ? or(ne(events.status, 'draft'), eq(events.agencyId, draftsOfAgencyId)) : ne(events.status, 'draft'))

export function createDecisionEventsRepository(db: Queryable) {
  return {
    /** The events each decision was discussed at, in time order. */
    async eventsOf(decisionIds: string[], draftsOfAgencyId: string | null): Promise<{ decisionId: string; event: EventRow }[]> {
      if (decisionIds.length === 0) return []
      return db
        .select({ decisionId: decisionEvents.decisionId, event: eventColumns })
        .from(decisionEvents)
        .innerJoin(events, eq(events.id, decisionEvents.eventId))
        .where(and(inArray(decisionEvents.decisionId, decisionIds), seenBy(draftsOfAgencyId), isNull(events.deletedAt)))
        .orderBy(asc(events.startsAt), asc(events.id))
    },

    /** Events by id for relations (feedback and report-backs name the event they came from). */
    async eventsByIds(ids: string[], draftsOfAgencyId: string | null): Promise<EventRow[]> {
      if (ids.length === 0) return []
      return db.select(eventColumns).from(events).where(and(inArray(events.id, ids), seenBy(draftsOfAgencyId), isNull(events.deletedAt)))
    },
  }
}
