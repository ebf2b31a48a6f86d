// SQL for the events a batch of decisions was discussed at (a relation read; writes live in decisions-repository).
import { and, asc, eq, getTableColumns, inArray, isNull, ne, or } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { decisionEvents, events } from '../../db/schema/index.ts'
import type { EventRow } from '../events/events-repository.ts'

const { search: _search, ...eventColumns } = getTableColumns(events)

/** Drafts only for the staff of their agency (`draftsOfAgencyId`), as everywhere else. */
export async function decisionEventsOf(db: Queryable, decisionIds: string[], draftsOfAgencyId: string | null): Promise<{ decisionId: string; event: EventRow }[]> {
  if (decisionIds.length === 0) return []
  const seen = draftsOfAgencyId ? or(ne(events.status, 'draft'), eq(events.agencyId, draftsOfAgencyId)) : ne(events.status, 'draft')
  const rows = await db
    .select({ decisionId: decisionEvents.decisionId, event: eventColumns })
    .from(decisionEvents)
    .innerJoin(events, eq(events.id, decisionEvents.eventId))
    .where(and(inArray(decisionEvents.decisionId, decisionIds), seen, isNull(events.deletedAt)))
    .orderBy(asc(events.startsAt), asc(events.id))
  return rows
}

/** Events by id for relations (feedback and report-backs name the event they came from). */
export async function eventsByIds(db: Queryable, ids: string[], draftsOfAgencyId: string | null): Promise<EventRow[]> {
  if (ids.length === 0) return []
  const seen = draftsOfAgencyId ? or(ne(events.status, 'draft'), eq(events.agencyId, draftsOfAgencyId)) : ne(events.status, 'draft')
  return db.select(eventColumns).from(events).where(and(inArray(events.id, ids), seen, isNull(events.deletedAt)))
}
