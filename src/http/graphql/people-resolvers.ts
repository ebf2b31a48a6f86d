// Participants, attendance and surveys over GraphQL: the same services as REST; relations in batches.
import type { GraphQLResolveInfo } from 'graphql'
import type { FastifyInstance } from 'fastify'
import type { EventView } from '../../modules/events/event-view.ts'
import type { ParticipantView } from '../../modules/participants/participant-view.ts'
import type { RegistrationView } from '../../modules/attendance/registration-view.ts'
import { encodeCursor, type CountedPage } from '../../modules/shared/pagination.ts'
import { pageArguments, pagingNames, totalsOf, type Connection } from './connections.ts'
import { serviceContext, type GraphqlContext } from './graphql-context.ts'
import { namedAsArguments, serviceInput, withoutNulls } from './inputs.ts'
import { batchedResolvers, type LoaderMap } from './batching.ts'
import { areaOf, type Loader } from './relation-loaders.ts'

/** The enums of this section whose values are service values in upper case (bound in enum-values.ts). */
export const peopleEnums = ['ContactPurpose', 'ContactVisibility', 'AttendanceRole', 'AttendanceStatus', 'ConsentKind', 'AgeBand', 'Gender', 'RaceEthnicity', 'SexualOrientation', 'Faith', 'DisabilityStatus', 'IncomeBand', 'Occupation'] as const

type PageArgs = { first?: number | null; after?: string | null }
const keyArgument = { 'Idempotency-Key': 'idempotencyKey' }

/** A Relay connection over a keyset page; each edge resumes after its own row in the given order. */
function connection<T extends { id: string }>(page: CountedPage<T>, order: string, sortKey: (node: T) => string): Connection<T> {
  const edges = page.data.map((node, i) => ({ node, cursor: i === page.data.length - 1 && page.nextCursor ? page.nextCursor : encodeCursor(order, new Date(sortKey(node)), node.id) }))
  return { edges, nodes: page.data, pageInfo: { hasNextPage: page.nextCursor !== null, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null }, ...totalsOf(page) }
}

const queryResolvers = {
  ownRegistration: (_: unknown, args: { code: string }, context: GraphqlContext) => context.services.attendance.own(serviceContext(context), args.code),
  accommodationRequests: (_: unknown, args: { eventId: string }, context: GraphqlContext) => context.services.attendance.accommodationRequests(serviceContext(context), args.eventId),
  async participants(_: unknown, args: PageArgs & { filter?: Record<string, unknown> | null }, context: GraphqlContext, info: GraphQLResolveInfo) {
    const filter = withoutNulls(args.filter ?? {}) as Record<string, unknown>
    const page = await namedAsArguments(pagingNames, () => context.services.participants.list(serviceContext(context), { ...filter, ...pageArguments(args, info) }))
    return filter.updatedSince !== undefined ? connection(page, 'participants:updated', (p) => p.updatedAt) : connection(page, 'participants:created', (p) => p.createdAt)
  },

  participant(_: unknown, args: { id: string }, context: GraphqlContext) {
    return context.services.participants.get(serviceContext(context), args.id)
  },
}

const mutationResolvers = {
  createParticipant(_: unknown, args: { input: Record<string, unknown>; idempotencyKey?: string | null }, context: GraphqlContext) {
    const input = serviceInput(args.input, { nullClears: false })
    return namedAsArguments(keyArgument, () => context.services.participants.register(serviceContext(context), input, args.idempotencyKey ?? undefined))
  },

  updateParticipant(_: unknown, args: { id: string; expectedVersion: number; input: Record<string, unknown> }, context: GraphqlContext) {
    return context.services.participants.update(serviceContext(context), args.id, serviceInput(args.input, { nullClears: true }), args.expectedVersion)
  },

  withdrawConsent(_: unknown, args: { id: string; expectedVersion: number; contact?: boolean | null; dataUse?: boolean | null }, context: GraphqlContext) {
    return context.services.participants.withdrawConsent(serviceContext(context), args.id, { contact: args.contact ?? false, dataUse: args.dataUse ?? false }, args.expectedVersion)
  },

  async recordDemographics(_: unknown, args: { participantId: string; input: Record<string, unknown> }, context: GraphqlContext) {
    await context.services.participants.recordDemographics(serviceContext(context), args.participantId, withoutNulls(args.input))
    return true
  },

  eraseParticipant(_: unknown, args: { id: string }, context: GraphqlContext) {
    return context.services.participants.erase(serviceContext(context), args.id)
  },

  registerForEvent(_: unknown, args: { eventId: string; self?: Record<string, unknown> | null; participantId?: string | null; role?: string | null; idempotencyKey?: string | null }, context: GraphqlContext) {
    const input = args.participantId != null ? { participantId: args.participantId, ...(args.role != null ? { role: args.role } : {}) } : serviceInput(args.self ?? {}, { nullClears: false })
    return namedAsArguments(keyArgument, () => context.services.attendance.register(serviceContext(context), args.eventId, input, args.idempotencyKey ?? undefined))
  },

  requestSurveyToken(_: unknown, args: { code: string }, context: GraphqlContext) {
    return context.services.attendance.surveyTokenOf(serviceContext(context), args.code)
  },

  cancelOwnRegistration(_: unknown, args: { code: string }, context: GraphqlContext) {
    return context.services.attendance.cancelOwn(serviceContext(context), args.code)
  },

  requestAccommodations(_: unknown, args: { code: string; input: { accommodations: string[]; note?: string | null } }, context: GraphqlContext) {
    // Here null clears the note, as REST's null does; a note left out stays.
    return context.services.attendance.requestAccommodations(serviceContext(context), args.code, args.input)
  },

  cancelRegistration(_: unknown, args: { id: string; expectedVersion: number }, context: GraphqlContext) {
    return context.services.attendance.cancel(serviceContext(context), args.id, args.expectedVersion)
  },

  checkIn(_: unknown, args: { eventId: string; participantId: string; role?: string | null }, context: GraphqlContext) {
    return context.services.attendance.checkIn(serviceContext(context), args.eventId, withoutNulls({ participantId: args.participantId, role: args.role }))
  },

  recordHeadCount(_: unknown, args: { eventId: string; count: number; countedAt?: Date | string | null; note?: string | null }, context: GraphqlContext) {
    const countedAt = args.countedAt instanceof Date ? args.countedAt.toISOString() : args.countedAt
    return context.services.attendance.recordHeadCount(serviceContext(context), args.eventId, withoutNulls({ count: args.count, countedAt, note: args.note }))
  },

  submitSurveyResponse(_: unknown, args: { eventId: string; input: Record<string, unknown> }, context: GraphqlContext) {
    return context.services.surveys.submit(serviceContext(context), args.eventId, withoutNulls(args.input))
  },
}

/** Attendance counts of every event in the batch: two queries, whatever the page size. */
const attendanceOf: Loader<EventView> = async (queries, context) => {
  const summaries = await context.services.attendance.summaries(queries.map((q) => ({ id: q.obj.id, capacity: q.obj.capacity })))
  return queries.map((q) => summaries.get(q.obj.id))
}

/** Contacts for one stated purpose at a time (each read audited by the service); without one, the view's own signal. */
const contactOf: Loader<ParticipantView, { purpose?: string | null }> = async (queries, context) => {
  const byPurpose = new Map<string, string[]>()
  for (const { obj, params } of queries) if (params.purpose) byPurpose.set(params.purpose, [...(byPurpose.get(params.purpose) ?? []), obj.id])
  const read = new Map<string, Map<string, ParticipantView['contact']>>()
  for (const [purpose, ids] of byPurpose) read.set(purpose, await context.services.participants.contactsOf(serviceContext(context), ids, purpose))
  return queries.map(({ obj, params }) => (params.purpose ? (read.get(params.purpose)?.get(obj.id) ?? obj.contact) : obj.contact))
}

const organizationOf: Loader<ParticipantView> = async (queries, context) => {
  const byId = await context.services.organizations.byIds(serviceContext(context), queries.flatMap((q) => (q.obj.organizationId ? [q.obj.organizationId] : [])))
  return queries.map((q) => (q.obj.organizationId ? (byId.get(q.obj.organizationId) ?? null) : null))
}

/** The participants of a page of registrations, in one read (only those the caller may see). */
const participantOf: Loader<RegistrationView> = async (queries, context) => {
  const byId = await context.services.participants.byIds(serviceContext(context), queries.map((q) => q.obj.participantId))
  return queries.map((q) => byId.get(q.obj.participantId) ?? null)
}

const eventResolvers = {
  /** Staff-only lists answer null for anyone else, so a calendar query never fails on them. */
  async registrations(event: EventView, args: PageArgs & { status?: string[] | null }, context: GraphqlContext) {
    const ctx = serviceContext(context)
    if (!(await context.services.attendance.mayListRegistrations(ctx, event.agencyId))) return null
    const page = await namedAsArguments(pagingNames, () => context.services.attendance.listRegistrations(ctx, event.id, { ...(args.status ? { status: args.status } : {}), ...pageArguments(args) }))
    return connection(page, 'registrations:created', (r) => r.createdAt)
  },

  async surveyResponses(event: EventView, args: PageArgs, context: GraphqlContext) {
    const ctx = serviceContext(context)
    if (!(await context.services.attendance.mayListRegistrations(ctx, event.agencyId))) return null
    const page = await namedAsArguments(pagingNames, () => context.services.surveys.list(ctx, event.id, pageArguments(args)))
    return connection(page, 'survey-responses:created', (r) => r.createdAt)
  },
}

/** Adds this section's resolvers and loaders to the GraphQL server (schema.graphql holds its types). */
export function registerPeopleGraphql(app: FastifyInstance) {
  app.graphql.defineResolvers({ Query: queryResolvers, Mutation: mutationResolvers, Event: eventResolvers })
  app.graphql.defineResolvers(
    batchedResolvers({
      Event: { attendance: attendanceOf },
      Participant: { contact: contactOf, area: areaOf('areaId'), organization: organizationOf },
      Registration: { participant: participantOf },
    } as LoaderMap),
  )
}
