// Insights over GraphQL: each insight field is one service call with the same filter REST takes.
import type { InsightAnswer, InsightName, InsightRow } from '../../modules/insights/insights-service.ts'
import { serviceContext, type GraphqlContext } from './graphql-context.ts'
import { namedAsArguments } from './inputs.ts'

type Filter = { areas?: string[] | null; from?: string | null; to?: string | null; kinds?: string[] | null; formats?: string[] | null; topics?: string[] | null }
type Parent = { agency: string; filter: Filter }

const query = ({ agency, filter }: Parent) => ({
  agency,
  ...(filter.areas != null ? { area: filter.areas } : {}),
  ...(filter.from != null ? { from: filter.from } : {}),
  ...(filter.to != null ? { to: filter.to } : {}),
  ...(filter.kinds != null ? { kind: filter.kinds } : {}),
  ...(filter.formats != null ? { format: filter.formats } : {}),
  ...(filter.topics != null ? { topic: filter.topics } : {}),
})

/** Field names as GraphQL callers wrote them (filter.areas), not REST's (area). */
const renames: Record<string, string> = { contactKind: 'contactKinds', area: 'filter.areas', from: 'filter.from', to: 'filter.to', kind: 'filter.kinds', format: 'filter.formats', topic: 'filter.topics' }

const asKeyList = (row: InsightRow) => ({ ...row, key: Object.entries(row.key).map(([dimension, value]) => ({ dimension, value })), by: row.by ?? null })

/**
 * GraphQL's shape of each answer, made once: the service hands back the same answer object while it is current (its
 * own cache holds it), and a dashboard's answer is thousands of rows, which were copied into this shape on every request.
 */
const shapes = new WeakMap<InsightAnswer, ReturnType<typeof shapeOf>>()
const shapeOf = (answer: InsightAnswer) => ({ ...answer, cells: answer.cells.map(asKeyList), margins: answer.margins.map(asKeyList) })

function insight(name: InsightName) {
  return async (parent: Parent, _args: unknown, context: GraphqlContext) => {
    const answer = await namedAsArguments(renames, () => context.services.insights.answer(serviceContext(context), name, query(parent)))
    let shape = shapes.get(answer)
    if (!shape) shapes.set(answer, (shape = shapeOf(answer)))
    return shape
  }
}

export const insightQueryResolvers = {
  async insights(_: unknown, args: { agency: string; filter?: Filter | null }, context: GraphqlContext) {
    // The agency is checked here, so an unknown one is one error, not five.
    const agency = await context.services.insights.agency(args.agency)
    return { agency: agency.slug, filter: args.filter ?? {} }
  },
}

export const insightResolvers = {
  Insights: {
    reach: insight('reach'),
    voice: insight('voice'),
    closingTheLoop: insight('closing-the-loop'),
    trust: insight('trust'),
    whoTakesPart: insight('who-takes-part'),
    async communityTrust(parent: Parent, args: { cycle?: string | null; norm?: string | null; contactKinds?: string[] | null }, context: GraphqlContext) {
      const { agency, filter } = parent
      const asked = { agency, ...(args.cycle != null ? { cycle: args.cycle } : {}), ...(args.norm != null ? { norm: args.norm } : {}), ...(args.contactKinds != null ? { contactKind: args.contactKinds } : {}), ...(filter.areas != null ? { area: filter.areas } : {}), ...(filter.from != null ? { from: filter.from } : {}), ...(filter.to != null ? { to: filter.to } : {}) }
      // Through benchmarks, as REST: item codes, and the comparison with a norm table when one is named.
      const answer = await namedAsArguments(renames, () => context.services.benchmarks.communityTrust(serviceContext(context), asked))
      return { ...answer, rows: answer.rows.map(({ principles, ...row }) => ({ ...row, ...principles })), byContactKind: answer.byContactKind?.map(({ principles, ...row }) => ({ ...row, ...principles })) ?? null }
    },
  },
}
