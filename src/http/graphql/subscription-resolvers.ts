// Subscription: live changes. Each message is the resource read through the same service call as its query, with the
// subscriber's access, once the change has committed; a change the subscriber may not see sends nothing.
import { randomUUID } from 'node:crypto'
import { GraphQLError } from 'graphql'
import type { RequestContext } from '../../context.ts'
import { AppError } from '../../errors.ts'
import type { Change } from '../../modules/outbox/change-stream.ts'
import type { Services } from '../../modules/services.ts'
import { classify } from '../problem.ts'
import { serviceContext, type GraphqlContext } from './graphql-context.ts'
import { SUBSCRIPTION_LIMITS, type ConnectionState, type Subscriber } from './subscription-transport.ts'

type Language = { language?: string | null }
/** What mercurius puts on a subscription's context beside ours: its per-subscription pubsub and the client's id for it. */
type SubscriptionContext = GraphqlContext & Subscriber & { connection: ConnectionState; id?: string; pubsub: { subscribe(topic: string): Promise<AsyncIterable<Change>> } }

/** Topics on the instance's in-memory emitter: one per resource, one per agency and kind of resource (cheaper than filtering every message). */
export const resourceTopic = (entityType: string, entityId: string) => `change:${entityType}:${entityId}`
export const agencyTopic = (entityType: string, agencyId: string) => `changes:${entityType}:of:${agencyId}`
export const topicsOf = (change: Change) => [resourceTopic(change.entityType, change.entityId), ...(change.agencyId ? [agencyTopic(change.entityType, change.agencyId)] : [])]

/** An error with the REST error code in extensions.code, as the error formatter gives query errors. */
export function codedError(err: unknown): GraphQLError {
  if (err instanceof GraphQLError && err.extensions.code) return err
  const problem = classify(err)
  return new GraphQLError(problem.detail, { extensions: { code: problem.code, ...(problem.errors ? { errors: problem.errors } : {}) } })
}

const isNotFound = (err: unknown) => classify(err).code.endsWith('NOT_FOUND')

/** What the stream yields to `resolve`: the resource as the subscriber sees it, or the failure to read it (sent as an error). */
type Delivery = { type: string; occurredAt: Date; resource: unknown } | { failure: GraphQLError }

/**
 * A subscription field: `watch` checks the arguments (as the query would: an unknown or hidden id is its NOT_FOUND) and
 * names the topic; `read` loads the changed resource for this subscriber. Public subscribers skip agency-only changes
 * without reading them.
 */
function live<Args extends Language>(field: string, watch: (services: Services, ctx: RequestContext, args: Args) => Promise<string>, read: (services: Services, ctx: RequestContext, change: Change) => Promise<unknown>) {
  return {
    async subscribe(_: unknown, args: Args, context: SubscriptionContext) {
      // Counted from here (synchronously, so a burst of subscribe messages cannot overshoot) until its stream ends.
      const active = context.connection.live
      if (active.size >= SUBSCRIPTION_LIMITS.perConnection)
        throw new GraphQLError(`A connection may hold ${SUBSCRIPTION_LIMITS.perConnection} subscriptions; complete one first`, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })
      const key = context.id ?? randomUUID()
      active.add(key)
      try {
        const ctx = serviceContext(context, args.language)
        const topic = await watch(context.services, ctx, args).catch((err: unknown) => Promise.reject(codedError(err)))
        return deliveries(await context.pubsub.subscribe(topic), ctx, (change) => read(context.services, ctx, change), () => active.delete(key), context.subscriberUntil)
      } catch (err) {
        active.delete(key)
        throw err
      }
    },
    resolve(delivery: Delivery) {
      if ('failure' in delivery) throw delivery.failure
      return { type: delivery.type, occurredAt: delivery.occurredAt, [field]: delivery.resource }
    },
  }
}

/** `until`: when the subscriber's token expires; the first change after it ends the subscription (UNAUTHENTICATED). */
async function* deliveries(queue: AsyncIterable<Change>, ctx: RequestContext, read: (change: Change) => Promise<unknown>, ended: () => void, until?: Date): AsyncGenerator<Delivery> {
  try {
    for await (const change of queue) {
      if (until && ctx.clock.now() >= until) throw codedError(new AppError('UNAUTHENTICATED', 'The token given in connection_init has expired; connect again with a fresh one'))
      if (change.visibility === 'agency' && ctx.actor.kind === 'public') continue
      let delivery: Delivery
      try {
        delivery = { type: change.action, occurredAt: new Date(change.occurredAt), resource: await read(change) }
      } catch (err) {
        // Not visible to this subscriber (now): nothing is sent. Anything else (the database away) is told, coded.
        if (isNotFound(err)) continue
        delivery = { failure: codedError(err) }
      }
      yield delivery
    }
  } finally {
    ended()
  }
}

export const subscriptionResolvers = {
  eventChanged: live<{ id: string } & Language>(
    'event',
    async (services, ctx, { id }) => (await services.events.get(ctx, id), resourceTopic('event', id)),
    (services, ctx, change) => services.events.get(ctx, change.entityId),
  ),
  feedbackChanged: live<{ id: string } & Language>(
    'feedback',
    async (services, ctx, { id }) => (await services.feedback.get(ctx, id), resourceTopic('feedback', id)),
    (services, ctx, change) => services.feedback.get(ctx, change.entityId),
  ),
  decisionChanged: live<{ agency: string } & Language>(
    'decision',
    async (services, _ctx, { agency }) => agencyTopic('decision', (await services.agencies.get(agency)).id),
    (services, ctx, change) => services.decisions.get(ctx, change.entityId),
  ),
  reportBackChanged: live<{ agency: string } & Language>(
    'reportBack',
    async (services, _ctx, { agency }) => agencyTopic('report_back', (await services.agencies.get(agency)).id),
    (services, ctx, change) => services.reportBacks.get(ctx, change.entityId),
  ),
}
