// GraphQL adapter over schema.graphql (mercurius): resolvers call the same services as REST, with the same context.
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import mercurius, { type MercuriusOptions } from 'mercurius'
import type { TokenVerifier } from '../../auth/verify-token.ts'
import type { Services } from '../../modules/services.ts'
import { agencyLoaders } from './agency-resolvers.ts'
import { bindEnumValues } from './enum-values.ts'
import { eventLoaders, eventResolvers } from './event-resolvers.ts'
import { graphqlContext } from './graphql-context.ts'
import { formatErrors } from './graphql-errors.ts'
import { mutationResolvers } from './mutation-resolvers.ts'
import { queryResolvers } from './query-resolvers.ts'
import { DateTimeScalar, JsonScalar } from './scalars.ts'
import { seriesLoaders } from './series-resolvers.ts'

/** The public contract: the server runs exactly this file. */
export const graphqlSchemaPath = new URL('../../../schema.graphql', import.meta.url)

/** Deep enough for event → series → occurrences → agency → areas; deeper documents are refused before they run. */
export const QUERY_DEPTH_LIMIT = 8

/**
 * Registers POST/GET /graphql. The actor is already on the request: app.ts verifies the bearer token for every
 * route in its preHandler hook, and a bad token reaches the error formatter below as UNAUTHENTICATED (401).
 */
export async function registerGraphql(app: FastifyInstance, { services }: { services: Services; verify: TokenVerifier }) {
  const options: MercuriusOptions = {
    schema: readFileSync(graphqlSchemaPath, 'utf8'),
    schemaTransforms: [bindEnumValues],
    resolvers: {
      DateTime: DateTimeScalar,
      JSON: JsonScalar,
      Query: queryResolvers,
      Mutation: mutationResolvers,
      ...eventResolvers,
    },
    loaders: { ...eventLoaders, ...seriesLoaders, ...agencyLoaders },
    context: (request) => graphqlContext(request, services),
    errorFormatter: formatErrors,
    queryDepth: QUERY_DEPTH_LIMIT,
    // Its page loads scripts from a CDN, which fails offline; an offline explorer is separate work.
    graphiql: false,
    // One operation per request, so rate limits and logs see each one.
    allowBatchedQueries: false,
    path: '/graphql',
  }
  await app.register(mercurius, options)
}
