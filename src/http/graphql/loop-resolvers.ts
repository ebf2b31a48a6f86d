// GraphQL for the listening-and-acting loop: topics, feedback, decisions and report-backs. Each field is one service
// call; relations are loaded a batch at a time (one statement per relation level, whatever the page size).
import { isEnumType, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql'
import type { DecisionView } from '../../modules/decisions/decision-view.ts'
import type { EventView } from '../../modules/events/event-view.ts'
import type { FeedbackView } from '../../modules/feedback/feedback-view.ts'
import type { ReportBackView } from '../../modules/report-backs/report-back-view.ts'
import { encodeCursor } from '../../modules/shared/pagination.ts'
import type { TopicView } from '../../modules/topics/topic-view.ts'
import { validationFailed } from '../../errors.ts'
import { connection, pageArguments, pagingNames } from './connections.ts'
import { serviceContext, type GraphqlContext } from './graphql-context.ts'
import { namedAsArguments, withoutNulls } from './inputs.ts'
import { agencyOf, areaOf, type Loader } from './relation-loaders.ts'

type Language = { language?: string | null }
type PageArgs = { first?: number | null; after?: string | null } & Language
type Filtered = PageArgs & { filter?: Record<string, unknown> | null }
type Command = { id: string; expectedVersion: number; input: Record<string, unknown> } & Language
type Create = { input: Record<string, unknown>; idempotencyKey?: string | null } & Language
const keyArgument = { 'Idempotency-Key': 'idempotencyKey' }

/** This section's enums: upper-case names bound to the services' lower-case values (as enum-values.ts does for the rest). */
const loopEnums = ['FeedbackChannel', 'Stance', 'FeedbackVisibility', 'FeedbackStatus', 'ModerationAction', 'DecisionStatus', 'Publication', 'ReportBackChannel', 'ReportBackAudience', 'ChangeResourceType'] as const
export function bindLoopEnumValues(schema: GraphQLSchema): GraphQLSchema {
  for (const name of loopEnums) {
    const type = schema.getType(name)
    if (!isEnumType(type)) throw new Error(`schema.graphql has no enum ${name}`)
    for (const value of type.getValues()) value.value = value.name.toLowerCase()
  }
  return schema
}

const translatable = ['title', 'summary', 'rationale', 'note', 'label', 'description'] as const
/** Inputs as the services take them: translation lists become {language: text} maps; null means "clear" only in updates. */
function serviceInput(input: Record<string, unknown>, nullClears: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(input)) {
    if (value === null) {
      if (nullClears) out[field] = null
    } else if ((translatable as readonly string[]).includes(field) && Array.isArray(value)) {
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

const feedbackConnection = (page: { data: FeedbackView[]; nextCursor: string | null }, syncing: boolean) =>
  syncing ? connection(page, 'feedback:updated', (f) => f.updatedAt) : connection(page, 'feedback:received', (f) => f.receivedAt)
const decisionConnection = (page: { data: DecisionView[]; nextCursor: string | null }, syncing: boolean) =>
  syncing ? connection(page, 'decisions:updated', (d) => d.updatedAt) : connection(page, 'decisions:created', (d) => d.createdAt)
const reportBackConnection = (page: { data: ReportBackView[]; nextCursor: string | null }, syncing: boolean) =>
  syncing ? connection(page, 'report-backs:updated', (r) => r.updatedAt) : connection(page, 'report-backs:relayed', (r) => r.relayedAt)

const filterOf = (args: Filtered) => withoutNulls(args.filter ?? {}) as Record<string, unknown>
const translationList = (text: Record<string, string>) => Object.entries(text).map(([language, value]) => ({ language, text: value }))

export const loopQueries = {
  topics(_: unknown, args: { agency?: string | null } & Language, context: GraphqlContext) {
    return context.services.topics.list(serviceContext(context, args.language), args.agency != null ? { agency: args.agency } : {}).then((v) => ({ ...v, topics: v.data }))
  },
  async feedback(_: unknown, args: Filtered, context: GraphqlContext, info: GraphQLResolveInfo) {
    const filter = filterOf(args)
    const ctx = serviceContext(context)
    const query = { ...filter, ...pageArguments(args, info) }
    const page = await namedAsArguments(pagingNames, () => context.services.feedback.list(ctx, query))
    return { ...feedbackConnection(page, filter.updatedSince !== undefined), removed: async () => (await context.services.changes.removedOf(ctx, 'feedback', query)) ?? null }
  },
  feedbackItem: (_: unknown, args: { id: string }, context: GraphqlContext) => context.services.feedback.get(serviceContext(context), args.id),
  feedbackHistory: async (_: unknown, args: { id: string }, context: GraphqlContext) => (await context.services.feedback.history(serviceContext(context), args.id)).data,
  async decisions(_: unknown, args: Filtered, context: GraphqlContext, info: GraphQLResolveInfo) {
    const filter = filterOf(args)
    const ctx = serviceContext(context, args.language)
    const query = { ...filter, ...pageArguments(args, info) }
    const page = await namedAsArguments(pagingNames, () => context.services.decisions.list(ctx, query))
    return { ...decisionConnection(page, filter.updatedSince !== undefined), removed: async () => (await context.services.changes.removedOf(ctx, 'decision', query)) ?? null }
  },
  decision: (_: unknown, args: { id: string } & Language, context: GraphqlContext) => context.services.decisions.get(serviceContext(context, args.language), args.id),
  async reportBacks(_: unknown, args: Filtered, context: GraphqlContext, info: GraphQLResolveInfo) {
    const filter = filterOf(args)
    const ctx = serviceContext(context, args.language)
    const query = { ...filter, ...pageArguments(args, info) }
    const page = await namedAsArguments(pagingNames, () => context.services.reportBacks.list(ctx, query))
    return { ...reportBackConnection(page, filter.updatedSince !== undefined), removed: async () => (await context.services.changes.removedOf(ctx, 'report_back', query)) ?? null }
  },
  reportBack: (_: unknown, args: { id: string } & Language, context: GraphqlContext) => context.services.reportBacks.get(serviceContext(context, args.language), args.id),
  async changes(_: unknown, args: { after?: string | null; first?: number | null; agency?: string | null } & Language, context: GraphqlContext) {
    const query = withoutNulls({ after: args.after, limit: args.first, agency: args.agency })
    const page = await namedAsArguments({ limit: 'first' }, () => context.services.changes.page(serviceContext(context, args.language), query))
    // The resource goes in the field its type names; a tombstone has none.
    const entries = page.data.map(({ resource, tombstone, ...entry }) => ({
      ...entry,
      tombstone: tombstone === true,
      reason: tombstone ? 'removed' : null,
      ...Object.fromEntries(changeFields.map(([type, field]) => [field, entry.resourceType === type ? (resource ?? null) : null])),
    }))
    return { entries, cursor: page.cursor, hasMore: page.hasMore }
  },
}

/** Each feed resource type and the ChangeEntry field that carries it. */
const changeFields = [['event', 'event'], ['series', 'series'], ['organization', 'organization'], ['feedback', 'feedback'], ['decision', 'decision'], ['report_back', 'reportBack'], ['priority', 'priority'], ['announcement', 'announcement'], ['liaison', 'liaison'], ['agency', 'agency'], ['area', 'area']] as const

export const loopMutations = {
  addTopic(_: unknown, args: Create, context: GraphqlContext) {
    const input = serviceInput(args.input, false)
    return namedAsArguments(keyArgument, () => context.services.topics.add(serviceContext(context, args.language), input, args.idempotencyKey ?? undefined))
  },
  retireTopic: (_: unknown, args: { code: string } & Language, context: GraphqlContext) => context.services.topics.retire(serviceContext(context, args.language), args.code),
  submitFeedback(_: unknown, args: Create, context: GraphqlContext) {
    const input = serviceInput(args.input, false)
    return namedAsArguments(keyArgument, () => context.services.feedback.submit(serviceContext(context), input, args.idempotencyKey ?? undefined))
  },
  classifyFeedback: (_: unknown, args: Command, context: GraphqlContext) =>
    context.services.feedback.classify(serviceContext(context), args.id, serviceInput(args.input, true), args.expectedVersion),
  transitionFeedback: (_: unknown, args: Command, context: GraphqlContext) =>
    context.services.feedback.transition(serviceContext(context), args.id, serviceInput(args.input, false), args.expectedVersion),
  moderateFeedback: (_: unknown, args: Command, context: GraphqlContext) =>
    context.services.feedback.moderate(serviceContext(context), args.id, serviceInput(args.input, false), args.expectedVersion),
  recordDecision(_: unknown, args: Create, context: GraphqlContext) {
    const input = serviceInput(args.input, false)
    return namedAsArguments(keyArgument, () => context.services.decisions.record(serviceContext(context, args.language), input, args.idempotencyKey ?? undefined))
  },
  updateDecision: (_: unknown, args: Command, context: GraphqlContext) =>
    context.services.decisions.update(serviceContext(context, args.language), args.id, serviceInput(args.input, true), args.expectedVersion),
  addDecisionUpdate: (_: unknown, args: Command, context: GraphqlContext) =>
    context.services.decisions.addUpdate(serviceContext(context, args.language), args.id, serviceInput(args.input, false), args.expectedVersion),
  recordReportBack(_: unknown, args: Create, context: GraphqlContext) {
    const input = serviceInput(args.input, false)
    return namedAsArguments(keyArgument, () => context.services.reportBacks.record(serviceContext(context, args.language), input, args.idempotencyKey ?? undefined))
  },
}

/** Runs a batch loader once per language asked for in the batch (usually one), and answers each query in order. */
async function perLanguage<Obj, R>(
  queries: { obj: Obj; params: Language }[],
  context: GraphqlContext,
  load: (ctx: ReturnType<typeof serviceContext>, objs: Obj[]) => Promise<(obj: Obj) => R>,
): Promise<R[]> {
  const groups = new Map<string, { language: string | null | undefined; indexes: number[] }>()
  queries.forEach((q, i) => {
    const key = q.params?.language ?? ''
    const group = groups.get(key) ?? { language: q.params?.language, indexes: [] }
    group.indexes.push(i)
    groups.set(key, group)
  })
  const out: R[] = new Array(queries.length)
  for (const { language, indexes } of groups.values()) {
    const answer = await load(serviceContext(context, language), indexes.map((i) => queries[i]!.obj))
    for (const i of indexes) out[i] = answer(queries[i]!.obj)
  }
  return out
}

/** The first `first` feedback items of each event with its total: one windowed statement for the whole batch. */
const eventFeedback: Loader<EventView, { first?: number | null }> = async (queries, context) => {
  const firsts = [...new Set(queries.map((q) => q.params.first ?? 20))]
  const bad = firsts.find((n) => !Number.isInteger(n) || n < 1 || n > 100)
  if (bad !== undefined) throw validationFailed([{ field: 'first', message: 'must be between 1 and 100' }])
  const answers = new Map<number, Awaited<ReturnType<GraphqlContext['services']['feedback']['firstOfEvents']>>>()
  for (const first of firsts) answers.set(first, await context.services.feedback.firstOfEvents(serviceContext(context), queries.map((q) => q.obj.id), first))
  return queries.map(({ obj, params }) => {
    const first = params.first ?? 20
    const { rows, totals } = answers.get(first)!
    return nestedFeedbackConnection(rows.filter((r) => r.eventId === obj.id), first, totals.get(obj.id) ?? 0, false)
  })
}

/** One parent's nested feedback page: its windowed rows (ranked; one past the page tells that more follow) and total. */
function nestedFeedbackConnection(mine: { rank: number; view: FeedbackView }[], first: number, totalCount: number, hasPreviousPage: boolean) {
  const nodes = mine.filter((r) => r.rank <= first).map((r) => r.view)
  // Cursors are Query.feedback's (received order), so a client reads on with feedback(filter: {eventId}, after: …).
  const edges = nodes.map((node) => ({ node, cursor: encodeCursor('feedback:received', new Date(node.receivedAt), node.id) }))
  return {
    edges,
    nodes,
    totalCount,
    // A nested page's total is exact: counted in the page's own statement, not capped.
    totalCountIsEstimate: false,
    pageInfo: { hasNextPage: mine.length > nodes.length, hasPreviousPage, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
  }
}

const eventDecisions: Loader<EventView, Language> = (queries, context) =>
  perLanguage(queries, context, async (ctx, events) => {
    const byEvent = await context.services.decisions.ofEvents(ctx, events.map((e) => e.id))
    return (e) => byEvent.get(e.id) ?? []
  })

const feedbackDecisions: Loader<FeedbackView, Language> = (queries, context) =>
  perLanguage(queries, context, async (ctx, items) => {
    const byItem = await context.services.decisions.ofFeedback(ctx, items.map((f) => f.id))
    return (f) => byItem.get(f.id) ?? []
  })

/** The event each parent names under `eventId`, in one read. */
const eventOf: Loader<{ eventId: string | null }> = async (queries, context) => {
  const byId = await context.services.decisions.eventsByIds(serviceContext(context), queries.flatMap((q) => (q.obj.eventId ? [q.obj.eventId] : [])))
  return queries.map((q) => (q.obj.eventId ? (byId.get(q.obj.eventId) ?? null) : null))
}

const organizationOf: Loader<FeedbackView> = async (queries, context) => {
  const byId = await context.services.organizations.byIds(serviceContext(context), queries.flatMap((q) => (q.obj.organizationId ? [q.obj.organizationId] : [])))
  return queries.map((q) => (q.obj.organizationId ? (byId.get(q.obj.organizationId) ?? null) : null))
}

/** A page of the feedback each decision answers, with its total: one windowed statement per (first, after) in the batch. */
const decisionFeedback: Loader<DecisionView, { first?: number | null; after?: string | null }> = async (queries, context) => {
  const keyOf = (p: { first?: number | null; after?: string | null }) => `${p.first ?? 20}\u0000${p.after ?? ''}`
  const groups = new Map<string, { first: number; after: string | undefined }>()
  for (const { params } of queries) {
    const first = params.first ?? 20
    if (!Number.isInteger(first) || first < 1 || first > 100) throw validationFailed([{ field: 'first', message: 'must be between 1 and 100' }])
    groups.set(keyOf(params), { first, after: params.after ?? undefined })
  }
  const answers = new Map<string, Awaited<ReturnType<GraphqlContext['services']['feedback']['pageOfDecisions']>>>()
  for (const [key, { first, after }] of groups)
    answers.set(key, await context.services.feedback.pageOfDecisions(serviceContext(context), queries.filter((q) => keyOf(q.params) === key).map((q) => q.obj.id), first, after))
  return queries.map(({ obj, params }) => {
    const first = params.first ?? 20
    const { rows, totals } = answers.get(keyOf(params))!
    return nestedFeedbackConnection(rows.filter((r) => r.decisionId === obj.id), first, totals.get(obj.id) ?? 0, params.after != null)
  })
}

const decisionEvents: Loader<DecisionView> = async (queries, context) => {
  const byDecision = await context.services.decisions.eventsOf(serviceContext(context, queries[0]?.obj.contentLanguage), queries.map((q) => q.obj))
  return queries.map((q) => byDecision.get(q.obj.id) ?? [])
}

const decisionOrganizations: Loader<DecisionView> = async (queries, context) => {
  const byId = await context.services.organizations.byIds(serviceContext(context), queries.flatMap((q) => q.obj.organizationIds))
  return queries.map((q) => q.obj.organizationIds.flatMap((id) => byId.get(id) ?? []))
}

/** Each decision's report-backs, told in that decision's language first: one read per language in the batch. */
const decisionReportBacks: Loader<DecisionView> = (queries, context) =>
  perLanguage(
    queries.map((q) => ({ obj: q.obj, params: { language: q.obj.contentLanguage } })),
    context,
    async (ctx, list) => {
      const byDecision = await context.services.reportBacks.ofDecisions(ctx, list.map((d) => d.id))
      return (d) => byDecision.get(d.id) ?? []
    },
  )

const reportBackDecision: Loader<ReportBackView, Language> = (queries, context) =>
  perLanguage(queries, context, async (ctx, list) => {
    const byId = await context.services.decisions.byIds(ctx, list.flatMap((r) => (r.decisionId ? [r.decisionId] : [])))
    return (r) => (r.decisionId ? (byId.get(r.decisionId) ?? null) : null)
  })

export const loopLoaders = {
  Event: { feedback: eventFeedback, decisions: eventDecisions },
  Feedback: { agency: agencyOf, area: areaOf('areaId'), event: eventOf, organization: organizationOf, decisions: feedbackDecisions },
  Decision: { agency: agencyOf, area: areaOf('areaId'), feedback: decisionFeedback, events: decisionEvents, organizations: decisionOrganizations, reportBacks: decisionReportBacks },
  ReportBack: { decision: reportBackDecision, event: eventOf },
}

export const loopTypeResolvers = {
  TopicTranslations: {
    label: (t: TopicView['translations']) => translationList(t.label),
    description: (t: TopicView['translations']) => translationList(t.description),
  },
  DecisionTranslations: {
    title: (t: DecisionView['translations']) => translationList(t.title),
    summary: (t: DecisionView['translations']) => translationList(t.summary),
    rationale: (t: DecisionView['translations']) => translationList(t.rationale),
  },
  DecisionUpdate: { noteTranslations: (u: DecisionView['updates'][number]) => translationList(u.translations.note) },
  ReportBack: { summaryTranslations: (r: ReportBackView) => translationList(r.translations.summary) },
}
