// Refuses documents that nest too deep before any resolver runs. Mercurius's own queryDepth also counts the
// introspection query's deep type references, which would block the schema introspection client generators run.
import { GraphQLError, Kind, type FragmentDefinitionNode, type SelectionSetNode, type ValidationRule } from 'graphql'

/**
 * A validation rule: data fields may nest `limit` levels (`{ events { nodes { id } } }` is 2), introspection
 * (`__schema`, `__type`: in-memory, no database) `introspectionLimit` levels.
 */
export function depthLimit(limit: number, introspectionLimit: number): ValidationRule {
  return (context) => {
    const fragments = new Map<string, FragmentDefinitionNode>()
    for (const d of context.getDocument().definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d)

    return {
      OperationDefinition(operation) {
        const deepest = { data: 0, introspection: 0 }
        const walk = (set: SelectionSetNode, depth: number, introspection: boolean, spread: Set<string>) => {
          for (const selection of set.selections) {
            if (selection.kind === Kind.FIELD) {
              if (!selection.selectionSet) continue
              const meta = introspection || selection.name.value.startsWith('__')
              const kind = meta ? 'introspection' : 'data'
              deepest[kind] = Math.max(deepest[kind], depth + 1)
              // Stop walking once past both limits: the error is certain and the document may be huge.
              if (depth + 1 <= Math.max(limit, introspectionLimit)) walk(selection.selectionSet, depth + 1, meta, spread)
            } else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet, depth, introspection, spread)
            else {
              const fragment = fragments.get(selection.name.value)
              // Unknown and cyclic fragments are reported by graphql-js's own rules.
              if (fragment && !spread.has(fragment.name.value)) walk(fragment.selectionSet, depth, introspection, new Set(spread).add(fragment.name.value))
            }
          }
        }
        walk(operation.selectionSet, 0, false, new Set())
        if (deepest.data > limit)
          context.reportError(new GraphQLError(`The document nests ${deepest.data} levels deep; the limit is ${limit}`, { nodes: operation }))
        if (deepest.introspection > introspectionLimit)
          context.reportError(new GraphQLError(`The introspection nests ${deepest.introspection} levels deep; the limit is ${introspectionLimit}`, { nodes: operation }))
      },
    }
  }
}
