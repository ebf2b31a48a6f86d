/** The read path: what a caller asked to read, checked and scoped to what they may see, built by PostgreSQL in one statement. */
import type { RequestContext } from '../../context.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import type { EventsService } from '../events/events-service.ts'
import { eventListQuery } from '../events/events-schemas.ts'
import { decodeCursor, noRows } from '../shared/pagination.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { notFound } from '../../errors.ts'
import { readableTypes, signedInReadableTypes, type EventRead, type EventsPageRead, type ReadsRepository, type RootRead } from './reads-repository.ts'
import { readable, type Dialect, type Selection } from './selection.ts'
import type { EventCache, EventView } from './event-cache.ts'

export type { EventRead, EventsPageRead, RootRead } from './reads-repository.ts'

/** The root fields the read path answers, and the type each returns. */
export const readRoots: Record<string, string> = { events: 'EventConnection', event: 'Event' }

/** Nested arguments the resolvers would refuse (an event's feedback page of 0 or 1000) are theirs to explain. */
function argumentsFit(selections: Selection[]): boolean {
  return selections.every((s) => {
    if (s.field === 'feedback' && !(Number.isInteger(s.args.first) && (s.args.first as number) >= 1 && (s.args.first as number) <= 100)) return false
    return argumentsFit(s.selections)
  })
}

/** A page no one hosts (an unknown agency): empty, with a total of 0 when one was asked for. */
export type EmptyPage = { kind: 'emptyPage'; count: boolean }

/** A list query (REST's names: limit, cursor, filters) as a page read; for an agency no one hosts, an empty page. */
async function pageOfQuery(agencies: AgenciesService, events: EventsService, ctx: RequestContext, selection: Selection, rawQuery: unknown): Promise<EventsPageRead | EmptyPage> {
  const query = parseInput(eventListQuery, rawQuery)
  const { limit, cursor: rawCursor, agency: slug, count, ...filter } = query
  const cursor = rawCursor ? decodeCursor(rawCursor, query.updatedSince ? 'events:updated' : 'events:start') : undefined
  const agencyId = await agencies.idForFilter(slug)
  if (agencyId === null) return { kind: 'emptyPage', count: count ?? false }
  return { kind: 'eventsPage', selection, filter: { ...filter, agencyId }, visibility: await events.visibilityFor(ctx), cursor, limit, count: count ?? false }
}

/**
 * `repo`: the read path's SQL, built on the database's prepared statements (services.ts assembles it). `cache`: the
 * public's views of single events, kept exact (event-cache.ts).
 */
export function createReadsService({ repo, agencies, events, cache }: { repo: ReadsRepository; agencies: AgenciesService; events: EventsService; cache: EventCache }) {
  const pageOf = (ctx: RequestContext, selection: Selection, rawQuery: unknown) => pageOfQuery(agencies, events, ctx, selection, rawQuery)

  return {
    roots: readRoots,
    types: readableTypes,

    /**
     * Whether the read path can answer this root selection whole for this caller (otherwise the caller takes the
     * resolvers' path): the loop's fields are built as the public sees them, so only for public callers.
     */
    answers(ctx: RequestContext, root: Selection): boolean {
      const type = readRoots[root.field]
      // Near me orders by distance: the events service answers it.
      const filter = root.args.filter as Record<string, unknown> | null | undefined
      if (filter?.near != null) return false
      return type !== undefined && readable(ctx.actor.kind === 'public' ? readableTypes : signedInReadableTypes, type, root.selections) && argumentsFit(root.selections)
    },

    /**
     * The root selection as a read the repository builds, with the caller's visibility; undefined when the answer
     * is not a plain value (an unknown agency's empty page, an id that names nothing: the services say those).
     * Bad arguments throw the services' own errors.
     */
    async plan(ctx: RequestContext, root: Selection): Promise<RootRead | undefined> {
      if (root.field === 'event') {
        const id = root.args.id as string
        return isUuid(id) ? { kind: 'event', selection: root, id, visibility: await events.visibilityFor(ctx) } : undefined
      }
      const { first, after, filter } = root.args as { first?: number | null; after?: string | null; filter?: Record<string, unknown> | null }
      const given = Object.fromEntries(Object.entries(filter ?? {}).filter(([, v]) => v !== null && v !== undefined))
      const count = root.selections.some((s) => s.field === 'totalCount' || s.field === 'totalCountIsEstimate')
      const read = await pageOf(ctx, root, { ...given, ...(first != null ? { limit: first } : {}), ...(after != null ? { cursor: after } : {}), count })
      return read.kind === 'emptyPage' ? undefined : read
    },

    /** GET /v1/events's read (an empty page for an agency no one hosts). Errors as events.list gives them. */
    planEvents: (ctx: RequestContext, rawQuery: unknown): Promise<EventsPageRead | EmptyPage> =>
      pageOf(ctx, { key: 'events', field: 'events', args: {}, selections: [] }, rawQuery),

    /** A planned page as REST's JSON text built by PostgreSQL, and its next cursor for the Link header. */
    async events(ctx: RequestContext, read: EventsPageRead | EmptyPage): Promise<{ body: string; nextCursor: string | null }> {
      if (read.kind === 'eventsPage') return repo.restEventsPage(read, ctx.languages)
      return { body: JSON.stringify({ data: [], nextCursor: null, ...(read.count ? noRows : {}) }), nextCursor: null }
    },

    /** GET /v1/events/{id}'s read for any id: what the caller may see, the same whichever event is asked for. */
    async planEvent(ctx: RequestContext): Promise<EventPlan> {
      return { kind: 'event', selection: { key: 'event', field: 'event', args: {}, selections: [] }, visibility: await events.visibilityFor(ctx) }
    },

    /**
     * A planned event as REST's JSON text built by PostgreSQL, with its version and language; errors as events.get gives
     * them. The public's views come from the cache when it holds them; `fresh` (Cache-Control: no-cache) reads afresh.
     */
    async event(ctx: RequestContext, plan: EventPlan, id: string, fresh = false): Promise<EventView> {
      // An id that is not even a UUID names nothing.
      if (!isUuid(id)) throw notFound('EVENT_NOT_FOUND', 'The event')
      const load = () => repo.restEvent(plan, id, ctx.languages)
      const found = ctx.actor.kind === 'public' ? await cache.read(id, ctx.languages.join(','), load, fresh) : await load()
      if (!found) throw notFound('EVENT_NOT_FOUND', 'The event')
      return found
    },

    /**
     * The reads as one JSON object text, keyed by each root's response key, and which roots came back null. `bind`:
     * the ids asked for, by the stand-ins the reads were planned with.
     */
    json(ctx: RequestContext, reads: RootRead[], dialect: Dialect, accepted: string[], bind?: ReadonlyMap<string, string>): Promise<{ json: string; missing: boolean[] }> {
      return repo.json(reads, dialect, { preferred: ctx.languages, accepted }, bind)
    },
  }
}
export type ReadsService = ReturnType<typeof createReadsService>
/** An event read without its id: planned once per kind of caller and languages, bound to each request's id. */
export type EventPlan = Omit<EventRead, 'id'>
