/** The read path: what a caller asked to read, checked and scoped to what they may see, built by PostgreSQL in one statement. */
import type { RequestContext } from '../../context.ts'
import type { Database } from '../../db/client.ts'
import type { AgenciesService } from '../agencies/agencies-service.ts'
import type { EventsService } from '../events/events-service.ts'
import { eventListQuery } from '../events/events-schemas.ts'
import { decodeCursor } from '../shared/pagination.ts'
import { isUuid, parseInput } from '../shared/validation.ts'
import { createReadsRepository, readableTypes, signedInReadableTypes, type RootRead } from './reads-repository.ts'
export type { RootRead } from './reads-repository.ts'
import { readable, type Dialect, type Selection } from './selection.ts'

/** The root fields the read path answers, and the type each returns. */
export const readRoots: Record<string, string> = { events: 'EventConnection', event: 'Event' }


/** Nested arguments the resolvers would refuse (an event's feedback page of 0 or 1000) are theirs to explain. */
function argumentsFit(selections: Selection[]): boolean {
  return selections.every((s) => {
    if (s.field === 'feedback' && !(Number.isInteger(s.args.first) && (s.args.first as number) >= 1 && (s.args.first as number) <= 100)) return false
    return argumentsFit(s.selections)
  })
}

export function createReadsService({ database, agencies, events }: { database: Database; agencies: AgenciesService; events: EventsService }) {
  const repo = createReadsRepository(database)

  return {
    roots: readRoots,
    types: readableTypes,

    /**
     * Whether the read path can answer this root selection whole for this caller (otherwise the caller takes the
     * resolvers' path): the loop's fields are built as the public sees them, so only for public callers.
     */
    answers(ctx: RequestContext, root: Selection): boolean {
      const type = readRoots[root.field]
      return type !== undefined && readable(ctx.actor.kind === 'public' ? readableTypes : signedInReadableTypes, type, root.selections) && argumentsFit(root.selections)
    },

    /**
     * The root selection as a read the repository builds, with the caller's visibility; undefined when the answer
     * is not a plain value (an unknown agency's empty page, an id that names nothing: the services say those).
     * Bad arguments throw the services' own errors.
     */
    async plan(ctx: RequestContext, root: Selection): Promise<RootRead | undefined> {
      const visibility = await events.visibilityFor(ctx)
      if (root.field === 'event') {
        const id = root.args.id as string
        return isUuid(id) ? { kind: 'event', selection: root, id, visibility } : undefined
      }
      const { first, after, filter } = root.args as { first?: number | null; after?: string | null; filter?: Record<string, unknown> | null }
      const given = Object.fromEntries(Object.entries(filter ?? {}).filter(([, v]) => v !== null && v !== undefined))
      const query = parseInput(eventListQuery, { ...given, ...(first != null ? { limit: first } : {}), ...(after != null ? { cursor: after } : {}) })
      const { limit, cursor: rawCursor, agency: slug, ...rest } = query
      const cursor = rawCursor ? decodeCursor(rawCursor, query.updatedSince ? 'events:updated' : 'events:start') : undefined
      const agencyId = await agencies.idForFilter(slug)
      if (agencyId === null) return undefined
      return { kind: 'eventsPage', selection: root, filter: { ...rest, agencyId }, visibility, cursor, limit }
    },

    /** The reads as one JSON object text, keyed by each root's response key, and which roots came back null. */
    json(ctx: RequestContext, reads: RootRead[], dialect: Dialect, accepted: string[]): Promise<{ json: string; missing: boolean[] }> {
      return repo.json(reads, dialect, { preferred: ctx.languages, accepted })
    },
  }
}
export type ReadsService = ReturnType<typeof createReadsService>
