/** Event feeds (iCalendar, CSV, JSON-LD): whatever the event list shows the caller, read page by page through the list itself. */
import type { RequestContext } from '../../context.ts'
import { validationFailed } from '../../errors.ts'
import type { AgencyRow } from '../agencies/agencies-repository.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import type { OrganizationsService } from '../organizations/organizations-service.ts'
import type { Page } from '../shared/pagination.ts'
import type { EventView, SeriesView } from './event-view.ts'
import type { EventsService } from './events-service.ts'
import { expand } from './recurrence.ts'
import type { SeriesService } from './series-service.ts'

/** A calendar feed holds at most this many events; a caller who needs more narrows the window or the filters. */
export const FEED_MAX_EVENTS = 1000
/** Without `from`, a feed starts this many days back (recent changes and cancellations stay visible). */
export const FEED_DEFAULT_PAST_DAYS = 30
/** Without `to`, a feed ends this many days after its start. */
export const FEED_DEFAULT_DAYS = 400
const DAY = 86_400_000
/** The list's largest page: feeds read the list a page at a time, never all of it at once. */
const PAGE = 100

/** Refuses list parameters a feed has no use for, rather than ignore what the caller thought it asked for. */
function refuse(query: Record<string, unknown>, names: string[], why: string) {
  const problems = names.filter((n) => n in query).map((field) => ({ field, message: why }))
  if (problems.length) throw validationFailed(problems)
}

/** A series some of whose occurrences are in a feed, with every start its rule gives (the feed excludes the ones it leaves out). */
export type FeedSeries = { series: SeriesView; ruleStarts: Date[] }

export type CalendarFeed = {
  events: EventView[]
  series: Map<string, FeedSeries>
  agencies: Map<string, AgencyRow>
  /** True when the window held more than FEED_MAX_EVENTS events and the feed stops there. */
  truncated: boolean
  window: { from: Date; to: Date }
}

export type EventDocument = { event: EventView; agency: AgencyRow | undefined; coHosts: { id: string; name: string }[] }

export function createEventFeedsService({
  events,
  series,
  agencies,
  organizations,
}: {
  events: EventsService
  series: SeriesService
  agencies: AgenciesService
  organizations: OrganizationsService
}) {
  /** Every page of the list for a query, in list order; the query is validated (and refused) by the list itself. */
  async function* pages(ctx: RequestContext, query: Record<string, unknown>): AsyncGenerator<Page<EventView>> {
    // A feed holds every event the filters match: a total would only be counted again on every page.
    if ('count' in query) throw validationFailed([{ field: 'count', message: 'is not used by calendar feeds and exports: they hold every event the filters match' }])
    let cursor = query.cursor as string | undefined
    do {
      const page = await events.list(ctx, { ...query, limit: String(PAGE), ...(cursor ? { cursor } : {}) })
      yield page
      cursor = page.nextCursor ?? undefined
    } while (cursor)
  }

  /** The rule's starts for each series named by the events (at most MAX_OCCURRENCES each, as materialized). */
  async function seriesOf(ctx: RequestContext, list: EventView[]): Promise<Map<string, FeedSeries>> {
    const ids = new Set(list.flatMap((e) => (e.seriesId ? [e.seriesId] : [])))
    const views = await series.byIds(ctx, ids)
    const out = new Map<string, FeedSeries>()
    for (const [id, s] of views) {
      const { rule, start } = s.recurrence
      out.set(id, { series: s, ruleStarts: expand(rule, start, s.timeZone, [], ctx.clock.now()).map((o) => o.start) })
    }
    return out
  }

  return {
    /** Every page of the list for an export: the whole result (`cursor` resumes one), never a `limit`. */
    exportPages(ctx: RequestContext, query: Record<string, unknown>): AsyncGenerator<Page<EventView>> {
      refuse(query, ['limit'], 'is not used by exports: they hold every event the filters match')
      return pages(ctx, query)
    },

    /** The events for a calendar feed: the list's filters and access rules, bounded by a window and FEED_MAX_EVENTS. */
    async calendar(ctx: RequestContext, rawQuery: Record<string, unknown>): Promise<CalendarFeed> {
      refuse(rawQuery, ['limit', 'cursor', 'updatedSince'], 'is not used by calendar feeds: a feed is read whole, within from/to')
      const query = rawQuery
      const now = ctx.clock.now().getTime()
      const from = typeof query.from === 'string' ? query.from : new Date(now - FEED_DEFAULT_PAST_DAYS * DAY).toISOString()
      // A malformed `from` gets no default end: the list refuses it with a 400 naming the field.
      const fromMs = Date.parse(from)
      const to = typeof query.to === 'string' || Number.isNaN(fromMs) ? query.to : new Date(fromMs + FEED_DEFAULT_DAYS * DAY).toISOString()
      const collected: EventView[] = []
      let truncated = false
      for await (const page of pages(ctx, { ...query, from, to })) {
        collected.push(...page.data)
        if (collected.length >= FEED_MAX_EVENTS) {
          truncated = collected.length > FEED_MAX_EVENTS || page.nextCursor !== null
          collected.length = Math.min(collected.length, FEED_MAX_EVENTS)
          break
        }
      }
      const [seriesMap, agencyMap] = await Promise.all([seriesOf(ctx, collected), agencies.byIds(collected.map((e) => e.agencyId))])
      return { events: collected, series: seriesMap, agencies: agencyMap, truncated, window: { from: new Date(from), to: new Date(String(to)) } }
    },

    /** One event as a calendar: an occurrence keeps its series' UID, so calendars that have the feed update the same meeting. */
    async calendarOf(ctx: RequestContext, id: string): Promise<CalendarFeed> {
      const event = await events.get(ctx, id)
      const agencyMap = await agencies.byIds([event.agencyId])
      const start = new Date(event.startsAt)
      return { events: [event], series: new Map(), agencies: agencyMap, truncated: false, window: { from: start, to: start } }
    },

    /** One event with what a linked-data document names: its agency (organizer) and co-host organizations. */
    async document(ctx: RequestContext, id: string): Promise<EventDocument> {
      const event = await events.get(ctx, id)
      return (await documentsOf(ctx, [event]))[0]!
    },

    /** A page of the list with the agencies and co-hosts its linked-data documents name. */
    async documents(ctx: RequestContext, rawQuery: unknown): Promise<{ page: Page<EventView>; documents: EventDocument[] }> {
      const page = await events.list(ctx, rawQuery)
      return { page, documents: await documentsOf(ctx, page.data) }
    },
  }

  async function documentsOf(ctx: RequestContext, list: EventView[]): Promise<EventDocument[]> {
    const [agencyMap, orgs] = await Promise.all([agencies.byIds(list.map((e) => e.agencyId)), organizations.byIds(ctx, list.flatMap((e) => e.coHostIds))])
    return list.map((event) => ({
      event,
      agency: agencyMap.get(event.agencyId),
      coHosts: event.coHostIds.flatMap((id) => {
        const o = orgs.get(id)
        return o ? [{ id: o.id, name: o.name }] : []
      }),
    }))
  }
}
export type EventFeedsService = ReturnType<typeof createEventFeedsService>
