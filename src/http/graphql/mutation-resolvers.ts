// Mutation: parity with the REST commands. expectedVersion plays If-Match; idempotencyKey plays Idempotency-Key.
import { serviceContext, type GraphqlContext } from './graphql-context.ts'
import { namedAsArguments, reasonInput, serviceInput } from './inputs.ts'

type Language = { language?: string | null }
type Command = { id: string; expectedVersion: number } & Language
type Input = { input: Record<string, unknown> }
type Reason = { reason?: string | null }
type Create = Input & Language & { idempotencyKey?: string | null }

const creating = { nullClears: false }
const changing = { nullClears: true }
const keyArgument = { 'Idempotency-Key': 'idempotencyKey' }

type Slug = { agency: string }

export const mutationResolvers = {
  createAgency(_: unknown, args: Input & { idempotencyKey?: string | null }, context: GraphqlContext) {
    const input = serviceInput(args.input, creating)
    return namedAsArguments(keyArgument, () => context.services.agencyAdmin.createAgency(serviceContext(context), input, args.idempotencyKey ?? undefined))
  },

  updateAgency(_: unknown, args: Slug & Input & { expectedVersion: number }, context: GraphqlContext) {
    return context.services.agencyAdmin.updateAgency(serviceContext(context), args.agency, serviceInput(args.input, creating), args.expectedVersion)
  },

  createArea(_: unknown, args: Slug & Input & { idempotencyKey?: string | null }, context: GraphqlContext) {
    const input = serviceInput(args.input, creating)
    return namedAsArguments(keyArgument, () => context.services.agencyAdmin.createArea(serviceContext(context), args.agency, input, args.idempotencyKey ?? undefined))
  },

  updateArea(_: unknown, args: Slug & Command & Input, context: GraphqlContext) {
    return context.services.agencyAdmin.updateArea(serviceContext(context), args.agency, args.id, serviceInput(args.input, changing), args.expectedVersion)
  },

  async removeArea(_: unknown, args: Slug & Command, context: GraphqlContext) {
    await context.services.agencyAdmin.removeArea(serviceContext(context), args.agency, args.id, args.expectedVersion)
    return { id: args.id, removed: true }
  },

  scheduleEvent(_: unknown, args: Create, context: GraphqlContext) {
    const input = serviceInput(args.input, creating)
    return namedAsArguments(keyArgument, () => context.services.events.schedule(serviceContext(context, args.language), input, args.idempotencyKey ?? undefined))
  },

  updateEvent(_: unknown, args: Command & Input, context: GraphqlContext) {
    return context.services.events.update(serviceContext(context, args.language), args.id, serviceInput(args.input, changing), args.expectedVersion)
  },

  publishEvent(_: unknown, args: Command, context: GraphqlContext) {
    return context.services.events.publish(serviceContext(context, args.language), args.id, args.expectedVersion)
  },

  rescheduleEvent(_: unknown, args: Command & Input, context: GraphqlContext) {
    return context.services.events.reschedule(serviceContext(context, args.language), args.id, serviceInput(args.input, creating), args.expectedVersion)
  },

  postponeEvent(_: unknown, args: Command & Reason, context: GraphqlContext) {
    return context.services.events.postpone(serviceContext(context, args.language), args.id, reasonInput(args.reason), args.expectedVersion)
  },

  cancelEvent(_: unknown, args: Command & Reason, context: GraphqlContext) {
    return context.services.events.cancel(serviceContext(context, args.language), args.id, reasonInput(args.reason), args.expectedVersion)
  },

  completeEvent(_: unknown, args: Command, context: GraphqlContext) {
    return context.services.events.complete(serviceContext(context, args.language), args.id, args.expectedVersion)
  },

  createSeries(_: unknown, args: Create, context: GraphqlContext) {
    const input = serviceInput(args.input, creating)
    return namedAsArguments(keyArgument, () => context.services.series.create(serviceContext(context, args.language), input, args.idempotencyKey ?? undefined))
  },

  updateSeries(_: unknown, args: Command & Input, context: GraphqlContext) {
    return context.services.series.update(serviceContext(context, args.language), args.id, serviceInput(args.input, changing), args.expectedVersion)
  },

  createOrganization(_: unknown, args: Input & { idempotencyKey?: string | null }, context: GraphqlContext) {
    const input = serviceInput(args.input, creating)
    return namedAsArguments(keyArgument, async () => {
      const { organization, replayed } = await context.services.organizations.register(serviceContext(context), input, args.idempotencyKey ?? undefined)
      return { organization, replayed }
    })
  },

  updateOrganization(_: unknown, args: Omit<Command, 'language'> & Input, context: GraphqlContext) {
    return context.services.organizations.update(serviceContext(context), args.id, serviceInput(args.input, changing), args.expectedVersion)
  },

  async createApiClient(_: unknown, args: { organizationId: string; name: string }, context: GraphqlContext) {
    const { clientSecret, ...apiClient } = await context.services.credentials.issue(serviceContext(context), args.organizationId, { name: args.name })
    return { apiClient, clientSecret }
  },

  revokeApiClient(_: unknown, args: { id: string }, context: GraphqlContext) {
    return context.services.credentials.revoke(serviceContext(context), args.id)
  },

  publishSeries(_: unknown, args: Command & Language, context: GraphqlContext) {
    return context.services.series.publish(serviceContext(context, args.language), args.id, args.expectedVersion)
  },

  cancelSeries(_: unknown, args: Command & Reason, context: GraphqlContext) {
    return context.services.series.cancel(serviceContext(context, args.language), args.id, reasonInput(args.reason), args.expectedVersion)
  },
}
