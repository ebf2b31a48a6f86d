// Webhook subscriptions over GraphQL: the same service calls as REST (webhooks-routes.ts), shapes adapted here.
import { serviceContext, type GraphqlContext } from './graphql-context.ts'
import { withoutNulls } from './inputs.ts'

type Id = { id: string }

export const webhookQueries = {
  webhookSubscriptions(_: unknown, _args: unknown, context: GraphqlContext) {
    return context.services.webhooks.list(serviceContext(context))
  },
  webhookSubscription(_: unknown, args: Id, context: GraphqlContext) {
    return context.services.webhooks.get(serviceContext(context), args.id)
  },
  async webhookDeliveries(_: unknown, args: { subscriptionId: string; first?: number | null; after?: string | null }, context: GraphqlContext) {
    const page = await context.services.webhooks.deliveries(serviceContext(context), args.subscriptionId, { ...(args.first != null ? { limit: args.first } : {}), ...(args.after != null ? { cursor: args.after } : {}) })
    return { nodes: page.data, nextCursor: page.nextCursor }
  },
}

/** Null means "not given", except a description, which null clears (its text is plain, not a translation list). */
const changes = (input: Record<string, unknown>) => Object.fromEntries(Object.entries(input).filter(([field, value]) => value !== null || field === 'description'))

/** A subscription with its secret, split as the schema has it. */
const withSecret = ({ secret, ...subscription }: { secret: string } & Record<string, unknown>) => ({ subscription, secret })

export const webhookMutations = {
  async createWebhookSubscription(_: unknown, args: { input: Record<string, unknown> }, context: GraphqlContext) {
    return withSecret(await context.services.webhooks.subscribe(serviceContext(context), withoutNulls(args.input)))
  },
  updateWebhookSubscription(_: unknown, args: Id & { input: Record<string, unknown> }, context: GraphqlContext) {
    return context.services.webhooks.change(serviceContext(context), args.id, changes(args.input))
  },
  async deleteWebhookSubscription(_: unknown, args: Id, context: GraphqlContext) {
    await context.services.webhooks.unsubscribe(serviceContext(context), args.id)
    return true
  },
  async rotateWebhookSecret(_: unknown, args: Id & { overlapSeconds?: number | null }, context: GraphqlContext) {
    return withSecret(await context.services.webhooks.rotateSecret(serviceContext(context), args.id, args.overlapSeconds == null ? undefined : { overlapSeconds: args.overlapSeconds }))
  },
  enableWebhookSubscription(_: unknown, args: Id, context: GraphqlContext) {
    return context.services.webhooks.enable(serviceContext(context), args.id)
  },
  replayWebhookDelivery(_: unknown, args: { subscriptionId: string; deliveryId: string }, context: GraphqlContext) {
    return context.services.webhooks.replay(serviceContext(context), args.subscriptionId, args.deliveryId)
  },
  replayWebhookDeliveries(_: unknown, args: { subscriptionId: string; since: string }, context: GraphqlContext) {
    return context.services.webhooks.replaySince(serviceContext(context), args.subscriptionId, { since: args.since })
  },
}
