// Relay connections over the services' keyset pages, with a resumable cursor on every edge.
import type { EventView, SeriesView } from '../../modules/events/event-view.ts'
import type { OrganizationView } from '../../modules/organizations/organization-view.ts'
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql'
import { encodeCursor, type CountedPage, type Page, type TotalCount } from '../../modules/shared/pagination.ts'

export type Connection<T> = {
  edges: { cursor: string; node: T }[]
  nodes: T[]
  pageInfo: { hasNextPage: boolean; hasPreviousPage: false; startCursor: string | null; endCursor: string | null }
} & Partial<TotalCount>

/**
 * Builds a connection from a page. Each edge's cursor is the keyset position the service itself would issue
 * after that row (same order name, sort key and id), so a client may resume from any edge, not only the last.
 */
export function connection<T extends { id: string }>(page: CountedPage<T>, order: string, sortKey: (node: T) => string, cursorOf?: (node: T) => string): Connection<T> {
  const edges = page.data.map((node, i) => ({
    node,
    // The service's own cursor for the last row is exact; the others are rebuilt from the view's sort key, which
    // the event view gives to the second (start times with milliseconds would resume a row early).
    cursor: i === page.data.length - 1 && page.nextCursor ? page.nextCursor : cursorOf ? cursorOf(node) : encodeCursor(order, new Date(sortKey(node)), node.id),
  }))
  return {
    edges,
    nodes: page.data,
    pageInfo: {
      hasNextPage: page.nextCursor !== null,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    ...totalsOf(page),
  }
}

/** The page's total, when the service counted it (it does when `count` was asked). */
export const totalsOf = (page: Partial<TotalCount>): Partial<TotalCount> =>
  page.totalCount === undefined ? {} : { totalCount: page.totalCount, totalCountIsEstimate: page.totalCountIsEstimate ?? false }

/** Whether a connection field's selection asks for its total (directly, or through fragments). */
export function countAsked(info: GraphQLResolveInfo | undefined): boolean {
  if (!info) return false
  const asks = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).some((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === 'totalCount' || s.name.value === 'totalCountIsEstimate'
      if (s.kind === Kind.INLINE_FRAGMENT) return asks(s.selectionSet)
      return asks(info.fragments[s.name.value]?.selectionSet)
    })
  return info.fieldNodes.some((node) => asks(node.selectionSet))
}

/** Events are listed by start time, or by last change when syncing (the same rule as events-service's list). */
export const eventConnection = (page: Page<EventView>, syncing: boolean, nearOrder?: string) =>
  nearOrder
    ? // A near-me edge resumes after its exact distance (the view carries it unrounded).
      connection(page, nearOrder, (e) => e.startsAt, (e) => encodeCursor(nearOrder, new Date(e.startsAt), e.id, (e as EventView & { distance: number }).distance))
    : syncing
      ? connection(page, 'events:updated', (e) => e.updatedAt)
      : connection(page, 'events:start', (e) => e.startsAt)

export const seriesConnection = (page: Page<SeriesView>) => connection(page, 'series:created', (s) => s.createdAt)

export const organizationConnection = (page: Page<OrganizationView>) => connection(page, 'organizations:created', (o) => o.createdAt)

/** How service list inputs (named as in REST query strings) are called here, for error field names. */
export const pagingNames = { limit: 'first', cursor: 'after' }

/** The list arguments as a service reads them: `first` is its `limit`, `after` its `cursor`. */
export function pageArguments(args: { first?: number | null; after?: string | null }, info?: GraphQLResolveInfo): { limit?: number; cursor?: string; count?: true } {
  return { ...(args.first != null ? { limit: args.first } : {}), ...(args.after != null ? { cursor: args.after } : {}), ...(countAsked(info) ? { count: true as const } : {}) }
}
