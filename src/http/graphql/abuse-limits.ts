// Limits on what one GraphQL document may ask for, enforced before any resolver runs (GraphQL Armor rules).
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit'
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases'
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives'
import { GraphQLError, Kind, visit, type DocumentNode, type FieldNode, type ValidationContext, type ValidationRule } from 'graphql'
import type { Actor } from '../../auth/actor.ts'

export const GRAPHQL_LIMITS = {
  /** Lexical tokens in a document: bounds parsing work before anything else. */
  tokens: 10_000,
  aliases: 15,
  directives: 10,
  /** Estimated cost (objects and scalars, weighted by depth), so wide-and-deep documents are refused. */
  cost: 50_000,
  /**
   * `__schema` selections per document: introspection is outside the cost estimate (the standard query alone is over
   * it), so aliased copies of it are what is bounded.
   */
  schemaIntrospections: 1,
}

// Armor reports through onReject; reporting on the context makes each refusal an ordinary validation error.
const report = [(ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(error)]
const armor = { propagateOnRejection: false, onReject: report, exposeLimits: true }

export const armorRules: ValidationRule[] = [
  maxAliasesRule({ n: GRAPHQL_LIMITS.aliases, ...armor }) as unknown as ValidationRule,
  maxDirectivesRule({ n: GRAPHQL_LIMITS.directives, ...armor }) as unknown as ValidationRule,
  costLimitRule({ maxCost: GRAPHQL_LIMITS.cost, ignoreIntrospection: true, ...armor }) as unknown as ValidationRule,
  maxSchemaIntrospections,
]

/** Refuses a document that selects `__schema` more than GRAPHQL_LIMITS.schemaIntrospections times (aliases, fragments). */
function maxSchemaIntrospections(context: ValidationContext) {
  let count = 0
  return {
    Field(node: FieldNode) {
      if (node.name.value === '__schema' && ++count === GRAPHQL_LIMITS.schemaIntrospections + 1)
        context.reportError(new GraphQLError(`__schema may be selected ${GRAPHQL_LIMITS.schemaIntrospections} time(s) per document`, { nodes: node }))
    },
  }
}

export type IntrospectionPolicy = 'everyone' | 'signed-in' | 'nobody'

/** Whether a document asks for the schema (__schema / __type); __typename is ordinary data. */
export function asksForIntrospection(document: DocumentNode): boolean {
  let found = false
  visit(document, {
    [Kind.FIELD](node) {
      if (node.name.value === '__schema' || node.name.value === '__type') found = true
    },
  })
  return found
}

/** Refuses introspection the policy does not allow this caller (the schema itself is public in schema.graphql). */
export function checkIntrospection(policy: IntrospectionPolicy, actor: Actor, document: DocumentNode): void {
  if (policy === 'everyone' || !asksForIntrospection(document)) return
  if (policy === 'signed-in' && actor.kind !== 'public') return
  throw new GraphQLError('Introspection is not available to this caller; the schema is published as schema.graphql', {
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
  })
}
