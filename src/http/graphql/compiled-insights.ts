// Insights over GraphQL, compiled: a query whose one root is `insights` runs its resolvers through a function compiled
// for its document (graphql-jit), not graphql-js's executor. An insight answer is thousands of plain objects, and the
// executor resolved their every field one by one (95 ms of CPU for the five insights of one area and quarter at the
// benchmark's large scale). Answers with an error are left to mercurius, which answers and formats them as before.
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit'
import { Kind, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql'
import pLimit from 'p-limit'
import { secondSighting } from '../admission.ts'

/** Compiled documents kept: a dashboard asks a handful of documents again and again. */
const COMPILED = 256
/** Documents seen once: compiling costs more than executing once, so a document is compiled when asked again. */
const SEEN_ONCE = 1_024
/**
 * Answers built at once. Each holds its whole result tree and JSON text until it is written (tens of megabytes for a
 * large agency's quarter); the work is the event loop's CPU either way, so more at once adds memory, not throughput.
 */
const BUILDING = 2

export type CompiledInsightsOptions = {
  schema: () => GraphQLSchema
  /** The context mercurius would give the resolvers for this request. */
  context: (request: unknown, reply: unknown) => object
}

export function compiledInsights({ schema, context }: CompiledInsightsOptions) {
  const compiled = new Map<string, CompiledQuery | null>()
  const admit = secondSighting(SEEN_ONCE)
  const building = pLimit(BUILDING)

  function compiledOf(query: string, document: DocumentNode, operationName: string | undefined): CompiledQuery | null {
    const key = `${operationName ?? ''}\u0000${query}`
    let found = compiled.get(key)
    if (found !== undefined) return found
    if (!admit(key)) return null
    const made = compileQuery(schema(), document, operationName)
    found = isCompiledQuery(made) ? made : null
    if (compiled.size >= COMPILED) compiled.delete(compiled.keys().next().value!)
    compiled.set(key, found)
    return found
  }

  return {
    /** Whether the operation is one this path answers: a query of the `insights` root alone, written plainly. */
    answers(operation: OperationDefinitionNode): boolean {
      const [only, ...more] = operation.selectionSet.selections
      return operation.operation === 'query' && more.length === 0 && only?.kind === Kind.FIELD && only.name.value === 'insights' && !only.directives?.length
    },

    /** The response body (`{"data":…}`), or undefined for mercurius: a document's first asking, or an answer with errors. */
    async body(request: unknown, reply: unknown, query: string, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): Promise<string | undefined> {
      const run = compiledOf(query, document, operationName)
      if (!run) return undefined
      return building(async () => {
        const result = await run.query(undefined, context(request, reply), variables)
        if (result.errors?.length) return undefined
        return JSON.stringify({ data: result.data })
      })
    },
  }
}
