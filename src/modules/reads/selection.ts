// What a client asked to read, independent of the door it came through: a tree of fields with their arguments.
// GraphQL documents and REST projections both become one of these; the read repository turns it into one statement.

/** One field asked for: `key` names it in the response (a GraphQL alias), `field` is the field itself. */
export type Selection = {
  key: string
  field: string
  args: Record<string, unknown>
  selections: Selection[]
}

/** How values are written: GraphQL names enum values in upper case and lists translations; REST keeps the services' values. */
export type Dialect = 'graphql' | 'rest'

/** What a selection may ask of each type: the object type each field leads to, or null for a value. */
export type ReadableTypes = Record<string, Record<string, string | null>>

/** Whether every field in the tree is one the read path can build, so a request never half-takes it. */
export function readable(types: ReadableTypes, type: string, selections: Selection[]): boolean {
  const fields = types[type]
  if (!fields) return false
  for (const s of selections) {
    if (!(s.field in fields)) return false
    const child = fields[s.field]!
    if (child === null ? s.selections.length > 0 : !readable(types, child, s.selections)) return false
  }
  return true
}
