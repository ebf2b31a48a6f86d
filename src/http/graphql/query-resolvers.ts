// Query: each field is one service call; arguments become the same inputs the REST query strings give.
import type { GraphQLResolveInfo } from 'graphql'
import { eventConnection, organizationConnection, pageArguments, pagingNames, seriesConnection } from './connections.ts'
import { serviceContext, type GraphqlContext } from './graphql-context.ts'
import { namedAsArguments, withoutNulls } from './inputs.ts'

type Language = { language?: string | null }
type PageArgs = { first?: number | null; after?: string | null } & Language

export const queryResolvers = {
  async events(_: unknown, args: PageArgs & { filter?: Record<string, unknown> | null }, context: GraphqlContext, info: GraphQLResolveInfo) {
    const filter = withoutNulls(args.filter ?? {}) as Record<string, unknown>
    const ctx = serviceContext(context, args.language)
    const query = { ...filter, ...pageArguments(args, info) }
    const page = await namedAsArguments(pagingNames, () => context.services.events.list(ctx, query))
    // Resolved only when selected: graphql-js calls a function-valued field.
    return {
      ...eventConnection(page, filter.updatedSince !== undefined, filter.near ? context.services.events.nearOrder(filter) : undefined),
      removed: async () => (await context.services.changes.removedOf(ctx, 'event', query)) ?? null,
    }
  },

  event(_: unknown, args: { id: string } & Language, context: GraphqlContext) {
    return context.services.events.get(serviceContext(context, args.language), args.id)
  },

  async series(_: unknown, args: PageArgs & { agency?: string | null }, context: GraphqlContext, info: GraphQLResolveInfo) {
    const query = { ...(args.agency != null ? { agency: args.agency } : {}), ...pageArguments(args, info) }
    return seriesConnection(await namedAsArguments(pagingNames, () => context.services.series.list(serviceContext(context, args.language), query)))
  },

  seriesById(_: unknown, args: { id: string } & Language, context: GraphqlContext) {
    return context.services.series.get(serviceContext(context, args.language), args.id)
  },

  agencies(_: unknown, _args: unknown, context: GraphqlContext) {
    return context.services.agencies.list()
  },

  agency(_: unknown, args: { slug: string }, context: GraphqlContext) {
    return context.services.agencies.get(args.slug)
  },

  async organizations(_: unknown, args: PageArgs & { filter?: Record<string, unknown> | null }, context: GraphqlContext, info: GraphQLResolveInfo) {
    const filter = withoutNulls(args.filter ?? {}) as Record<string, unknown>
    const page = await namedAsArguments(pagingNames, () => context.services.organizations.list(serviceContext(context), { ...filter, ...pageArguments(args, info) }))
    return organizationConnection(page)
  },

  organization(_: unknown, args: { id: string }, context: GraphqlContext) {
    return context.services.organizations.get(serviceContext(context), args.id)
  },

  apiClients(_: unknown, args: { organizationId: string }, context: GraphqlContext) {
    return context.services.credentials.list(serviceContext(context), args.organizationId)
  },
}
