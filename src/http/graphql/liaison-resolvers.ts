// GraphQL for community liaisons: each field is one service call, as REST's routes are.
import { isEnumType, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql'
import type { LiaisonView } from '../../modules/liaisons/liaison-view.ts'
import { connection, pageArguments, pagingNames } from './connections.ts'
import { serviceContext, type GraphqlContext } from './graphql-context.ts'
import { namedAsArguments, withoutNulls } from './inputs.ts'

const liaisonEnums = ['LiaisonKind', 'LiaisonStatus', 'LiaisonDecision', 'LiaisonRole'] as const
/** This section's enums: upper-case names bound to the services' lower-case values. */
export function bindLiaisonEnumValues(schema: GraphQLSchema): GraphQLSchema {
  for (const name of liaisonEnums) {
    const type = schema.getType(name)
    if (!isEnumType(type)) throw new Error(`schema.graphql has no enum ${name}`)
    for (const value of type.getValues()) value.value = value.name.toLowerCase()
  }
  return schema
}

/** GraphQL's flat `contactConsent` becomes the service's `consents.contact`; nulls are left out. */
function serviceInput(input: Record<string, unknown>): Record<string, unknown> {
  const { contactConsent, ...rest } = withoutNulls(input) as Record<string, unknown>
  return { ...rest, ...(contactConsent !== undefined ? { consents: { contact: contactConsent } } : {}) }
}

type Command = { id: string; expectedVersion: number }

export const liaisonTypeResolvers = {
  Liaison: {
    /** With a purpose, staff read the contact (the read audited); otherwise the view's, which says why it is not shown. */
    async contact(l: LiaisonView, args: { purpose?: string | null }, context: GraphqlContext) {
      if (!args.purpose) return l.contact
      return (await context.services.liaisons.get(serviceContext(context), l.id, args.purpose)).contact
    },
  },
}

export const liaisonQueries = {
  async liaisons(_: unknown, args: { filter?: Record<string, unknown> | null; first?: number | null; after?: string | null }, context: GraphqlContext, info: GraphQLResolveInfo) {
    const filter = withoutNulls(args.filter ?? {}) as Record<string, unknown>
    const page = await namedAsArguments(pagingNames, () => context.services.liaisons.list(serviceContext(context), { ...filter, ...pageArguments(args, info) }))
    return connection(page, 'liaisons:created', (l) => l.createdAt)
  },
  liaison: (_: unknown, args: { id: string }, context: GraphqlContext) => context.services.liaisons.get(serviceContext(context), args.id),
  async liaisonReach(_: unknown, __: unknown, context: GraphqlContext) {
    const reach = await context.services.liaisons.reach(serviceContext(context))
    return { areas: reach.data, threshold: reach.suppression.threshold }
  },
}

export const liaisonMutations = {
  proposeLiaison: (_: unknown, args: { input: Record<string, unknown> }, context: GraphqlContext) => context.services.liaisons.propose(serviceContext(context), serviceInput(args.input)),
  updateLiaison: (_: unknown, args: Command & { input: Record<string, unknown> }, context: GraphqlContext) =>
    context.services.liaisons.update(serviceContext(context), args.id, serviceInput(args.input), args.expectedVersion),
  changeLiaisonStatus: (_: unknown, args: Command & { status: string }, context: GraphqlContext) =>
    context.services.liaisons.changeStatus(serviceContext(context), args.id, { status: args.status }, args.expectedVersion),
  setLiaisonLinks: (_: unknown, args: Command & { input: Record<string, unknown> }, context: GraphqlContext) =>
    context.services.liaisons.setLinks(serviceContext(context), args.id, withoutNulls(args.input), args.expectedVersion),
  async removeLiaison(_: unknown, args: Command, context: GraphqlContext) {
    await context.services.liaisons.remove(serviceContext(context), args.id, args.expectedVersion)
    return true
  },
  async eraseLiaison(_: unknown, args: { id: string }, context: GraphqlContext) {
    await context.services.liaisons.erase(serviceContext(context), args.id)
    return true
  },
}
