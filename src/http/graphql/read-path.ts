// GraphQL's door onto the read path: a query whose every field the read path builds is answered with one SQL
// statement whose JSON PostgreSQL writes, passed through as the response's `data`. Anything else (mutations,
// introspection, fields only resolvers know, and every error) takes mercurius's path, which answers exactly as before.
import {
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  isObjectType,
  Kind,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ReadsService, RootRead } from '../../modules/reads/reads-service.ts'
import type { ReadableTypes, Selection } from '../../modules/reads/selection.ts'
import { secondSighting } from '../admission.ts'
import type { compiledInsights } from './compiled-insights.ts'
import { planCache, sightOf } from '../plan-cache.ts'
import type { CacheInvalidation } from '../../modules/outbox/cache-invalidation.ts'
import { contextOf, parseAcceptLanguage } from '../request-context.ts'
import { GRAPHQL_LIMITS } from './abuse-limits.ts'
import { refuseControlCharactersInGraphql } from './text-guard-hook.ts'

/** Documents parsed and validated once: a document either has its operation here, or is marked for mercurius. */
const CACHED_DOCUMENTS = 1_000
/** Documents seen once, remembered so that a second sighting is kept (admission.ts). */
const SEEN_ONCE = 4_096
type Validated = { document: DocumentNode } | null

/** Root fields the read path answers; a null answer is an error the services explain (not found), so mercurius answers it. */
const nonNullRoots = new Set(['event'])

export type ReadPathOptions = {
  schema: () => GraphQLSchema
  reads: ReadsService
  validationRules: ValidationRule[]
  /** Empties the plans when an agency changes on any instance (plan-cache.ts). */
  caches?: Pick<CacheInvalidation, 'on'>
  /** Queries of the insights alone, run compiled (compiled-insights.ts). */
  insights?: ReturnType<typeof compiledInsights>
}

export function readPathHandler({ schema, reads, validationRules, caches, insights }: ReadPathOptions) {
  const documents = new Map<string, Validated>()
  const admit = secondSighting(SEEN_ONCE)
  const rules = [...specifiedRules, ...validationRules]

  function documentOf(query: string): Validated {
    let validated = documents.get(query)
    if (validated !== undefined) return validated
    try {
      const document = parse(query, { maxTokens: GRAPHQL_LIMITS.tokens })
      validated = validate(schema(), document, rules).length === 0 ? { document } : null
    } catch {
      validated = null
    }
    if (!admit(query)) return validated
    if (documents.size >= CACHED_DOCUMENTS) documents.delete(documents.keys().next().value!)
    documents.set(query, validated)
    return validated
  }

  /** Requests already planned (plan-cache.ts): a repeated query only binds and runs its statement. */
  const plans = planCache<Plan>(caches)

  /** A request's valid query operation and its variables, guarded; undefined for mercurius (which explains what is wrong). */
  async function operationOf(body: Record<string, unknown>): Promise<Operation | undefined> {
    const doc = documentOf(body.query as string)
    if (!doc) return undefined
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined
    const operation = getOperationAST(doc.document, operationName)
    if (!operation || operation.operation !== 'query') return undefined
    let variables = body.variables ?? {}
    if (typeof variables === 'string') {
      try {
        variables = JSON.parse(variables)
      } catch {
        return undefined
      }
    }
    if (!variables || typeof variables !== 'object' || Array.isArray(variables)) return undefined
    try {
      await refuseControlCharactersInGraphql(undefined, doc.document, undefined, variables as Record<string, unknown>)
    } catch {
      return undefined
    }
    return { document: doc.document, operation, operationName, variables: variables as Record<string, unknown> }
  }

  /** Plans a request: its reads, the languages they are built in, and which roots must not be null; undefined for mercurius. */
  async function plan(request: FastifyRequest, { document, operation, variables }: Operation): Promise<Plan | undefined> {
    const coerced = getVariableValues(schema(), operation.variableDefinitions ?? [], variables)
    if (coerced.errors) return undefined
    const roots = selectionsOf({ schema: schema(), roots: reads.roots, types: reads.types }, document, operation, coerced.coerced)
    if (!roots || roots.length === 0) return undefined
    // One statement serves one list of languages: roots asking for different ones take mercurius's path.
    const asked = new Set(roots.map((r) => (r.args.language as string | null | undefined) ?? null))
    if (asked.size > 1) return undefined
    const [language] = asked
    const accepted = parseAcceptLanguage(request.headers['accept-language'])
    const languages = [...new Set([...(language ? [language] : []), ...accepted])]
    const ctx = contextOf(request, languages)
    if (!roots.every((r) => reads.answers(ctx, r))) return undefined
    // Bad arguments are reported by the resolvers' path, in GraphQL's error shape.
    const plans = await Promise.all(roots.map((r) => reads.plan(ctx, r))).catch(() => undefined)
    if (!plans || plans.some((p) => p === undefined)) return undefined
    return { reads: plans as RootRead[], languages, accepted, nonNull: roots.map((r) => nonNullRoots.has(r.field)) }
  }

  return async function readPath(request: FastifyRequest, reply: FastifyReply) {
    if (request.validationError) return
    const body = (request.method === 'GET' ? request.query : request.body) as Record<string, unknown> | undefined
    if (!body || typeof body.query !== 'string' || body.extensions != null) return
    const key = planKey(request, body)
    let found = plans.get(key)
    if (!found) {
      const operation = await operationOf(body)
      if (!operation) return
      if (insights?.answers(operation.operation)) {
        const answered = await insights.body(request, reply, body.query as string, operation.document, operation.operationName, operation.variables).catch(() => undefined)
        return answered === undefined ? undefined : reply.type('application/json; charset=utf-8').send(answered)
      }
      found = await plan(request, operation)
      if (!found) return
      plans.set(key, found)
    }
    let answer: { json: string; missing: boolean[] }
    try {
      answer = await reads.json(contextOf(request, found.languages), found.reads, 'graphql', found.accepted)
    } catch {
      // A failure is reported by the resolvers' path, in GraphQL's error shape.
      return
    }
    if (found.nonNull.some((nonNull, i) => nonNull && answer.missing[i])) return
    return reply.type('application/json; charset=utf-8').send(`{"data":${answer.json}}`)
  }
}

/** A valid query operation of a request's document, with its variables (not yet coerced). */
type Operation = { document: DocumentNode; operation: OperationDefinitionNode; operationName: string | undefined; variables: Record<string, unknown> }

/** What one request reads: its roots' reads, the languages they are built in, and which roots must not be null. */
type Plan = { reads: RootRead[]; languages: string[]; accepted: string[]; nonNull: boolean[] }

/** Everything a plan depends on: who may see what (not who asks), languages, the operation and its variables. */
function planKey(request: FastifyRequest, body: Record<string, unknown>): string {
  const variables = typeof body.variables === 'string' ? body.variables : JSON.stringify(body.variables ?? null)
  return [sightOf(request), request.headers['accept-language'] ?? '', body.operationName ?? '', variables, body.query].join('\u0000')
}

/** The operation's root fields as selections, with @skip/@include applied and fragments merged; undefined when not plain. */
function selectionsOf(
  { schema, roots, types }: { schema: GraphQLSchema; roots: Record<string, string>; types: ReadableTypes },
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): Selection[] | undefined {
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])))

  const included = (node: { directives?: readonly { name: { value: string }; arguments?: readonly { name: { value: string }; value: unknown }[] }[] }) => {
    for (const d of node.directives ?? []) {
      const arg = d.arguments?.find((a) => a.name.value === 'if')?.value as { kind: string; value?: boolean; name?: { value: string } } | undefined
      const on = arg?.kind === Kind.VARIABLE ? Boolean(variables[arg.name!.value]) : Boolean(arg?.value)
      if (d.name.value === 'skip' && on) return false
      if (d.name.value === 'include' && !on) return false
    }
    return true
  }

  /** Fields by response key, in first-seen order (GraphQL's CollectFields), across fragments on this type. */
  function collect(set: SelectionSetNode, typeName: string, into: Map<string, FieldNode[]>): boolean {
    for (const s of set.selections) {
      if (!included(s as never)) continue
      if (s.kind === Kind.FIELD) {
        const k = s.alias?.value ?? s.name.value
        into.set(k, [...(into.get(k) ?? []), s])
        continue
      }
      const fragment = s.kind === Kind.FRAGMENT_SPREAD ? fragments.get(s.name.value) : s
      if (!fragment) return false
      // Every type here is an object type: a fragment on another (an interface, a union) is left to the resolvers.
      if (fragment.typeCondition && fragment.typeCondition.name.value !== typeName) return false
      if (!collect(fragment.selectionSet, typeName, into)) return false
    }
    return true
  }

  /** The selections under one object type; `fieldType` names the type each readable field leads to (null: a value). */
  function build(set: SelectionSetNode, typeName: string): Selection[] | undefined {
    const type = schema.getType(typeName)
    if (!isObjectType(type)) return undefined
    const byKey = new Map<string, FieldNode[]>()
    if (!collect(set, typeName, byKey)) return undefined
    const out: Selection[] = []
    for (const [key, nodes] of byKey) {
      const node = nodes[0]!
      const field = node.name.value
      if (field === '__typename' && typeName !== rootName) {
        out.push({ key, field, args: {}, selections: [] })
        continue
      }
      const definition = type.getFields()[field]
      const childType = typeName === rootName ? roots[field] : types[typeName]?.[field]
      if (!definition || childType === undefined) return undefined
      let selections: Selection[] = []
      if (childType !== null) {
        const merged: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: nodes.flatMap((n) => n.selectionSet?.selections ?? []) }
        const built = build(merged, childType)
        if (!built) return undefined
        selections = built
      }
      out.push({ key, field, args: getArgumentValues(definition, node, variables), selections })
    }
    return out
  }

  const rootName = schema.getQueryType()?.name
  return rootName ? build(operation.selectionSet, rootName) : undefined
}
