// GraphQL for shared priorities: each field is one service call, as REST's routes are.
import { isEnumType, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql'
import { validationFailed } from '../../errors.ts'
import type { PriorityView } from '../../modules/priorities/priority-view.ts'
import { encodePriorityCursor } from '../../modules/priorities/priority-cursor.ts'
import type { CountedPage } from '../../modules/shared/pagination.ts'
import type { EndorsementLimit } from '../submission-limit.ts'
import type { AnnouncementView } from '../../modules/announcements/announcement-view.ts'
import { connection, pageArguments, pagingNames, totalsOf } from './connections.ts'
import { serviceContext, type GraphqlContext } from './graphql-context.ts'
import { namedAsArguments, withoutNulls } from './inputs.ts'

type Language = { language?: string | null }
type Command = { id: string; expectedVersion: number; input: Record<string, unknown> } & Language
type Sort = 'recent' | 'endorsements'

const priorityEnums = ['PriorityStatus', 'PriorityProposer', 'PriorityModeration', 'PrioritySort', 'AnnouncementKind', 'AnnouncementChannel', 'AnnouncementStatus'] as const
/** This section's enums: upper-case names bound to the services' lower-case values. */
export function bindPriorityEnumValues(schema: GraphQLSchema): GraphQLSchema {
  for (const name of priorityEnums) {
    const type = schema.getType(name)
    if (!isEnumType(type)) throw new Error(`schema.graphql has no enum ${name}`)
    for (const value of type.getValues()) value.value = value.name.toLowerCase()
  }
  return schema
}

/** Translation lists become {language: text} maps, as the service takes them; nulls are left out. */
function serviceInput(input: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(input ?? {})) {
    if (value === null) continue
    if ((field === 'statement' || field === 'reason' || field === 'note' || field === 'title' || field === 'body') && Array.isArray(value)) {
      const map: Record<string, string> = {}
      for (const { language, text } of value as { language: string; text: string }[]) {
        if (language in map) throw validationFailed([{ field: `${field}.${language}`, message: 'is given more than once' }])
        map[language] = text
      }
      out[field] = map
    } else out[field] = withoutNulls(value)
  }
  return out
}

/** Each edge carries the cursor the service would issue after it, so a client may resume from any edge. */
function priorityConnection(page: CountedPage<PriorityView>, sort: Sort) {
  const edges = page.data.map((node) => ({ node, cursor: encodePriorityCursor(sort, { createdAt: new Date(node.createdAt), endorsementCount: node.endorsements.total, id: node.id }) }))
  return {
    edges,
    nodes: page.data,
    pageInfo: { hasNextPage: page.nextCursor !== null, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
    ...totalsOf(page),
  }
}

const translationList = (text: Record<string, string>) => Object.entries(text).map(([language, value]) => ({ language, text: value }))

export const priorityTypeResolvers = {
  Announcement: {
    titleTranslations: (a: AnnouncementView) => translationList(a.translations.title),
    bodyTranslations: (a: AnnouncementView) => translationList(a.translations.body),
  },
  Priority: {
    statementTranslations: (p: PriorityView) => translationList(p.translations.statement),
    statusReasonTranslations: (p: PriorityView) => translationList(p.translations.statusReason),
    endorsementCount: (p: PriorityView) => p.endorsements.total,
    anonymousEndorsements: (p: PriorityView) => p.endorsements.anonymous,
    organizationEndorsements: (p: PriorityView) => p.endorsements.organizations,
  },
}

export const priorityQueries = {
  async priorities(_: unknown, args: { filter?: Record<string, unknown> | null; sort?: Sort | null; first?: number | null; after?: string | null } & Language, context: GraphqlContext, info: GraphQLResolveInfo) {
    const sort = args.sort ?? 'recent'
    const filter = withoutNulls(args.filter ?? {}) as Record<string, unknown>
    const page = await namedAsArguments(pagingNames, () => context.services.priorities.list(serviceContext(context, args.language), { ...filter, sort, ...pageArguments(args, info) }))
    return priorityConnection(page, sort)
  },
  priority: (_: unknown, args: { id: string } & Language, context: GraphqlContext) => context.services.priorities.get(serviceContext(context, args.language), args.id),
  async announcements(_: unknown, args: { filter?: Record<string, unknown> | null; first?: number | null; after?: string | null } & Language, context: GraphqlContext, info: GraphQLResolveInfo) {
    const filter = withoutNulls(args.filter ?? {}) as Record<string, unknown>
    const page = await namedAsArguments(pagingNames, () => context.services.announcements.list(serviceContext(context, args.language), { ...filter, ...pageArguments(args, info) }))
    return connection(page, 'announcements:published', (a) => a.publishAt)
  },
  announcement: (_: unknown, args: { id: string } & Language, context: GraphqlContext) => context.services.announcements.get(serviceContext(context, args.language), args.id),
  followUp: (_: unknown, args: { code: string } & Language, context: GraphqlContext) => context.services.followUp.lookUp(serviceContext(context), args.code, args.language ?? undefined),
}

export function priorityMutations(endorsementLimit: EndorsementLimit) {
  return {
    proposePriority(_: unknown, args: { input: Record<string, unknown>; idempotencyKey?: string | null } & Language, context: GraphqlContext) {
      const input = serviceInput(args.input)
      return namedAsArguments({ 'Idempotency-Key': 'idempotencyKey' }, () => context.services.priorities.propose(serviceContext(context, args.language), input, args.idempotencyKey ?? undefined))
    },
    updatePriority: (_: unknown, args: Command, context: GraphqlContext) =>
      context.services.priorities.update(serviceContext(context, args.language), args.id, serviceInput(args.input), args.expectedVersion),
    changePriorityStatus: (_: unknown, args: Command, context: GraphqlContext) =>
      context.services.priorities.changeStatus(serviceContext(context, args.language), args.id, serviceInput(args.input), args.expectedVersion),
    createAnnouncement(_: unknown, args: { input: Record<string, unknown>; idempotencyKey?: string | null } & Language, context: GraphqlContext) {
      const input = serviceInput(args.input)
      return namedAsArguments({ 'Idempotency-Key': 'idempotencyKey' }, () => context.services.announcements.create(serviceContext(context, args.language), input, args.idempotencyKey ?? undefined))
    },
    updateAnnouncement: (_: unknown, args: Command, context: GraphqlContext) =>
      context.services.announcements.update(serviceContext(context, args.language), args.id, serviceInput(args.input), args.expectedVersion),
    publishAnnouncement: (_: unknown, args: { id: string; expectedVersion: number } & Language, context: GraphqlContext) =>
      context.services.announcements.publish(serviceContext(context, args.language), args.id, args.expectedVersion),
    withdrawAnnouncement: (_: unknown, args: { id: string; reason: string } & Language, context: GraphqlContext) =>
      context.services.announcements.withdraw(serviceContext(context, args.language), args.id, { reason: args.reason }),
    reportAnnouncementReach: (_: unknown, args: { id: string; channel: string; count: number } & Language, context: GraphqlContext) =>
      context.services.announcements.reportReach(serviceContext(context, args.language), args.id, { channel: args.channel, count: args.count }),
    // The same allowance as REST's: once a day per anonymous address and priority, within the submission allowance.
    async endorsePriority(_: unknown, args: { id: string; input?: Record<string, unknown> | null } & Language, context: GraphqlContext) {
      await endorsementLimit(context.reply.request, args.id)
      return context.services.priorities.endorse(serviceContext(context, args.language), args.id, serviceInput(args.input))
    },
  }
}
