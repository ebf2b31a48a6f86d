// Custom scalars. DateTime keeps the exact string the services return (the event zone's offset intact):
// graphql-scalars validates it, but its own serializer would rewrite every time to UTC.
import type { ValueNode } from 'graphql'
import { GraphQLDateTime, GraphQLJSON } from 'graphql-scalars'

export const DateTimeScalar = {
  serialize(value: unknown): string {
    if (value instanceof Date) return value.toISOString()
    GraphQLDateTime.serialize(value) // throws unless an RFC 3339 date-time
    return value as string
  },
  parseValue(value: unknown): string {
    GraphQLDateTime.parseValue(value)
    return value as string
  },
  parseLiteral(ast: ValueNode, variables?: Record<string, unknown> | null): string {
    GraphQLDateTime.parseLiteral(ast, variables)
    return (ast as { value: string }).value
  },
}

/** GeoJSON geometry, passed through as given. */
export const JsonScalar = {
  serialize: GraphQLJSON.serialize,
  parseValue: GraphQLJSON.parseValue,
  parseLiteral: GraphQLJSON.parseLiteral,
}
