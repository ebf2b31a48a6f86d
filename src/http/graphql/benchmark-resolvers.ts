// Benchmarks over GraphQL: norm tables, the pooling setting and pooled item aggregates, through the same service as REST.
import type { FastifyInstance } from 'fastify'
import type { NormTableView } from '../../modules/benchmarks/benchmarks-service.ts'
import { serviceContext, type GraphqlContext } from './graphql-context.ts'
import { namedAsArguments, withoutNulls } from './inputs.ts'

type ShareInput = { value: number; share: number }
type NormInput = { items?: ({ distribution?: ShareInput[] } & Record<string, unknown>)[] } & Record<string, unknown>

/** Distributions as GraphQL lists them: one entry per response value, in value order. */
const graphqlNorm = (norm: NormTableView) => ({
  ...norm,
  items: norm.items.map((i) => ({ ...i, distribution: Object.entries(i.distribution).map(([value, share]) => ({ value: Number(value), share })).sort((a, b) => a.value - b.value) })),
})

/** A list of shares becomes the record REST takes; a value given twice is named, not silently merged. */
function normInput(input: NormInput): Record<string, unknown> {
  return {
    ...input,
    ...(Array.isArray(input.items)
      ? { items: input.items.map((item) => ({ ...item, ...(Array.isArray(item.distribution) ? { distribution: Object.fromEntries(item.distribution.map((d) => [String(d.value), d.share])) } : {}) })) }
      : {}),
  }
}

export function registerBenchmarksGraphql(app: FastifyInstance) {
  app.graphql.defineResolvers({
    Query: {
      async normTables(_: unknown, args: { agency: string }, context: GraphqlContext) {
        return (await context.services.benchmarks.listNorms(serviceContext(context), { agency: args.agency })).map(graphqlNorm)
      },
      async normTable(_: unknown, args: { id: string }, context: GraphqlContext) {
        return graphqlNorm(await context.services.benchmarks.norm(serviceContext(context), args.id))
      },
      poolingSetting(_: unknown, _args: unknown, context: GraphqlContext) {
        return context.services.benchmarks.pooling(serviceContext(context))
      },
      pooledItemAggregates(_: unknown, args: { cycle?: string | null; items?: string[] | null; agencies?: string[] | null; from?: string | null; to?: string | null }, context: GraphqlContext) {
        const { items, agencies, ...rest } = withoutNulls(args) as { items?: string[]; agencies?: string[] } & Record<string, unknown>
        const query = { ...rest, ...(items ? { item: items } : {}), ...(agencies ? { agency: agencies } : {}) }
        return namedAsArguments({ item: 'items', agency: 'agencies' }, () => context.services.benchmarks.pooledItemAggregates(serviceContext(context), query))
      },
    },
    Mutation: {
      async importNormTable(_: unknown, args: { input: NormInput }, context: GraphqlContext) {
        const input = normInput(withoutNulls(args.input) as NormInput)
        return graphqlNorm(await namedAsArguments({}, () => context.services.benchmarks.importNorm(serviceContext(context), input)))
      },
      async deleteNormTable(_: unknown, args: { id: string }, context: GraphqlContext) {
        await context.services.benchmarks.removeNorm(serviceContext(context), args.id)
        return true
      },
      changePoolingSetting(_: unknown, args: { input: Record<string, unknown> }, context: GraphqlContext) {
        // normTable: null clears it, left out keeps it (withoutNulls would drop the null).
        return context.services.benchmarks.changePooling(serviceContext(context), args.input)
      },
    },
  })
}
