// GraphQL adapter over schema.graphql (mercurius): resolvers call the same services as REST, with the same context.
import { readFileSync } from 'node:fs'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ValidationRule } from 'graphql'
import mercurius, { type MercuriusOptions } from 'mercurius'
import type { TokenVerifier } from '../../auth/verify-token.ts'
import type { Services } from '../../modules/services.ts'
import { agencyLoaders } from './agency-resolvers.ts'
import { batchedResolvers, mergeResolvers, type LoaderMap } from './batching.ts'
import { armorRules, checkIntrospection, GRAPHQL_LIMITS, type IntrospectionPolicy } from './abuse-limits.ts'
import { depthLimit } from './depth-limit.ts'
import { bindEnumValues } from './enum-values.ts'
import { eventLoaders, eventResolvers } from './event-resolvers.ts'
import { graphqlContext } from './graphql-context.ts'
import { formatErrors } from './graphql-errors.ts'
import { insightQueryResolvers, insightResolvers } from './insight-resolvers.ts'
import { mutationResolvers } from './mutation-resolvers.ts'
import { organizationLoaders } from './organization-resolvers.ts'
import { registerPeopleGraphql } from './people-resolvers.ts'
import { registerContactsGraphql } from './contact-resolvers.ts'
import { registerBenchmarksGraphql } from './benchmark-resolvers.ts'
import { bindLoopEnumValues, loopLoaders, loopMutations, loopQueries, loopTypeResolvers } from './loop-resolvers.ts'
import { bindLiaisonEnumValues, liaisonMutations, liaisonQueries, liaisonTypeResolvers } from './liaison-resolvers.ts'
import { bindPriorityEnumValues, priorityMutations, priorityQueries, priorityTypeResolvers } from './priority-resolvers.ts'
import { queryResolvers } from './query-resolvers.ts'
import type { EndorsementLimit } from '../submission-limit.ts'
import { compiledInsights } from './compiled-insights.ts'
import { readPathHandler, readPaths } from './read-path.ts'
import { DateTimeScalar, JsonScalar } from './scalars.ts'
import { seriesLoaders } from './series-resolvers.ts'
import { subscriptionResolvers, topicsOf } from './subscription-resolvers.ts'
import { checkSubscriptionDocument, guardSocket, subscriptionOptions } from './subscription-transport.ts'
import { webhookMutations, webhookQueries } from './webhook-resolvers.ts'

/** The public contract: the server runs exactly this file. */
export const graphqlSchemaPath = new URL('../../../schema.graphql', import.meta.url)

/** Levels of nesting a document may have: enough for events → edges → node → series → occurrences → nodes → agency → areas. */
export const QUERY_DEPTH_LIMIT = 8
/** The standard introspection query (which client generators run) nests 14 levels. */
export const INTROSPECTION_DEPTH_LIMIT = 20

/**
 * Registers POST/GET /graphql. The actor is already on the request: app.ts verifies the bearer token for every
 * route in its preHandler hook, and a bad token reaches the error formatter below as UNAUTHENTICATED (401).
 */
export async function registerGraphql(
  app: FastifyInstance,
  { services, verify, introspection, readPath = true, endorsementLimit }: { services: Services; verify: TokenVerifier; introspection: IntrospectionPolicy; readPath?: boolean; endorsementLimit: EndorsementLimit },
) {
  // Every committed change, from whichever instance made it, reaches this instance's subscribers. Followed from the first
  // subscription connection on: an instance nobody subscribes to neither listens nor reads the outbox after each write.
  let changes: Promise<() => Promise<void>> | undefined
  const listening = async () => {
    if (!changes) {
      changes = services.changeStream.start((change) => {
        for (const topic of topicsOf(change)) app.graphql.pubsub.publish({ topic, payload: change })
      })
      // A start that failed (the database away) is tried again by the next connection.
      changes.catch(() => (changes = undefined))
    }
    await changes
  }
  const options: MercuriusOptions = {
    schema: readFileSync(graphqlSchemaPath, 'utf8'),
    schemaTransforms: [bindEnumValues, bindLoopEnumValues, bindPriorityEnumValues, bindLiaisonEnumValues],
    resolvers: mergeResolvers(
      {
        DateTime: DateTimeScalar,
        JSON: JsonScalar,
        Query: { ...queryResolvers, ...insightQueryResolvers, ...loopQueries, ...webhookQueries, ...priorityQueries, ...liaisonQueries },
        Mutation: { ...mutationResolvers, ...loopMutations, ...webhookMutations, ...priorityMutations(endorsementLimit), ...liaisonMutations },
        Subscription: subscriptionResolvers,
      },
      eventResolvers,
      insightResolvers,
      loopTypeResolvers,
      priorityTypeResolvers,
      liaisonTypeResolvers,
      batchedResolvers({ ...eventLoaders, ...seriesLoaders, ...agencyLoaders, ...organizationLoaders }),
      batchedResolvers(loopLoaders as LoaderMap),
    ),
    context: (request) => graphqlContext(request, services),
    errorFormatter: formatErrors,
    validationRules: [depthLimit(QUERY_DEPTH_LIMIT, INTROSPECTION_DEPTH_LIMIT), ...armorRules],
    graphql: {
      parseOptions: { maxTokens: GRAPHQL_LIMITS.tokens },
      // "Did you mean …?" would let a caller map the schema by guessing.
      validateOptions: { hideSuggestions: true } as never,
    },
    // Mercurius's own GraphiQL loads scripts from a CDN; the offline explorer is /graphiql (explorer-routes.ts).
    graphiql: false,
    // One operation per request, so rate limits and logs see each one.
    allowBatchedQueries: false,
    path: '/graphql',
    // Live changes over WebSocket at the same path (subscription-transport.ts); the token comes in connection_init.
    subscription: subscriptionOptions({ verify, log: app.log, contextOf: (request) => graphqlContext(request, services), listening: () => listening() }),
  }
  // Mercurius's response schema types error paths as strings, so list indices would go out as "0"; GraphQL says
  // integers. Its routes are serialized with JSON.stringify instead (the schema filters nothing: data is open).
  // GraphQL over HTTP lets `extensions` be null (MUST); mercurius's body schema wants an object.
  const insights = compiledInsights({ schema: () => app.graphql.schema, context: (request, reply) => ({ ...graphqlContext(request as FastifyRequest, services), app, reply }) })
  const answerFromReadPath = readPathHandler({ schema: () => app.graphql.schema, reads: services.reads, validationRules: options.validationRules as ValidationRule[], caches: services.caches, insights })
  readPaths.set(app, answerFromReadPath)
  app.addHook('onRoute', (route) => {
    // @fastify/websocket's route option (its types are not imported here).
    const ws = route as { wsHandler?: Parameters<typeof guardSocket>[0] }
    if (route.url === options.path && ws.wsHandler) ws.wsHandler = guardSocket(ws.wsHandler)
    if (route.url !== options.path || !route.schema) return
    // Queries the read path builds whole are answered before mercurius's handler; the rest fall through to it.
    if (readPath) route.preHandler = [...[route.preHandler ?? []].flat(), answerFromReadPath]
    const body = route.schema.body as { properties?: Record<string, unknown> } | undefined
    route.schema = {
      ...route.schema,
      response: undefined,
      ...(body?.properties ? { body: { ...body, properties: { ...body.properties, extensions: { type: ['object', 'null'] } } } } : {}),
    }
  })
  await app.register(mercurius, options)
  registerPeopleGraphql(app)
  registerContactsGraphql(app)
  registerBenchmarksGraphql(app)
  // Runs for every request, cached documents included (validation rules do not run again for those).
  app.graphql.addHook('preExecution', async (_schema, document, context) => {
    checkIntrospection(introspection, context.reply.request.actor, document)
  })
  // Subscription documents are held to the same rules (mercurius runs neither validationRules nor preExecution for them).
  app.graphql.addHook('preSubscriptionParsing', checkSubscriptionDocument({ rules: options.validationRules as ValidationRule[], introspection }) as never)

  app.addHook('onClose', async () => (await changes?.catch(() => undefined))?.())
}
