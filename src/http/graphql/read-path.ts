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
  visit,
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
import { hoist, shapeOf, withLiterals, type Hoisted, type Shape } from './literal-shapes.ts'
import { isUuid } from '../../modules/shared/validation.ts'
import { refuseControlCharactersInGraphql } from './text-guard-hook.ts'

/** Documents parsed and validated once per shape (literal-shapes.ts): as the read path takes it, or marked for mercurius. */
const CACHED_DOCUMENTS = 1_000
/** Documents seen once, remembered so that a second sighting is kept (admission.ts). */
const SEEN_ONCE = 4_096
/** A document the read path may take, with its literals as variables and the variables that are only events' ids. */
type Known = { document: DocumentNode; slots: Hoisted['slots']; ids: string[] }
/** A shape whose literals cannot become variables exactly: its documents are kept one by one, as written. */
const AS_WRITTEN = 'as written'

/**
 * Stand-ins for the ids a plan is built with and each request binds (one per root `event`): a shape's plan is the
 * same whichever events are asked for. Version-4 UUIDs, so they pass as ids; a request whose other values hold one is
 * planned on its own.
 */
const ID_SLOT_MARK = '-8000-51d0'
const idSlot = (i: number) => `00000000-0000-4000${ID_SLOT_MARK}${i.toString(16).padStart(8, '0')}`

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

/** Each app's read path, so tests can see what it keeps (one document and one plan per shape, not per id). */
export const readPaths = new WeakMap<object, { kept(): { documents: number; plans: number } }>()

export function readPathHandler({ schema, reads, validationRules, caches, insights }: ReadPathOptions) {
  const documents = new Map<string, Known | null | typeof AS_WRITTEN>()
  const admit = secondSighting(SEEN_ONCE)
  const rules = [...specifiedRules, ...validationRules]

  const remember = (key: string, known: Known | null | typeof AS_WRITTEN) => {
    if (!admit(key)) return
    if (documents.size >= CACHED_DOCUMENTS) documents.delete(documents.keys().next().value!)
    documents.set(key, known)
  }

  /** A query's document, kept by its shape (or by its text when it has none to share); null when mercurius answers it. */
  function documentOf(query: string): { key: string; known: Known | null; literals: Shape['literals'] } {
    const shape = shapeOf(query, GRAPHQL_LIMITS.tokens)
    if (shape) {
      let known = documents.get(shape.key)
      if (known === undefined) remember(shape.key, (known = learn(query, shape)))
      if (known !== AS_WRITTEN) return { key: shape.key, known, literals: shape.literals }
    }
    const key = `\u0002${query}`
    let known = documents.get(key)
    if (known === undefined) remember(key, (known = learn(query)))
    return { key, known: known === AS_WRITTEN ? null : known, literals: [] }
  }

  /** Parses and validates a query, its literals made variables when it has a `shape` (AS_WRITTEN when they cannot be exactly). */
  function learn(query: string, shape?: Shape): Known | null | typeof AS_WRITTEN {
    try {
      const written = parse(query, { maxTokens: GRAPHQL_LIMITS.tokens })
      const hoisted = shape ? hoist(schema(), shape, written) : { document: written, slots: [] }
      if (!hoisted) return AS_WRITTEN
      // Valid with its literals as variables means valid whatever they are: no rule reads a literal but the cost
      // limit (page sizes, kept in the shape), and a value of the wrong kind fails coercion per request, which
      // mercurius then explains. Invalid so means invalid as written, for every literal.
      if (validate(schema(), hoisted.document, rules).length > 0) return null
      return { ...hoisted, ids: idVariables(hoisted.document) }
    } catch {
      return null
    }
  }

  /** Requests already planned (plan-cache.ts): a repeated shape only binds and runs its statement. */
  const plans = planCache<Plan>(caches)

  /** The request's query operation, guarded; undefined for mercurius (which explains what is wrong). */
  async function operationOf({ document }: Known, operationName: string | undefined, variables: Record<string, unknown>): Promise<Operation | undefined> {
    const operation = getOperationAST(document, operationName)
    if (!operation || operation.operation !== 'query') return undefined
    try {
      await refuseControlCharactersInGraphql(undefined, document, undefined, variables)
    } catch {
      return undefined
    }
    return { document, operation, operationName, variables }
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

  const readPath = async function readPath(request: FastifyRequest, reply: FastifyReply) {
    if (request.validationError) return
    const body = (request.method === 'GET' ? request.query : request.body) as Record<string, unknown> | undefined
    if (!body || typeof body.query !== 'string' || body.extensions != null) return
    const given = variablesOf(body.variables)
    if (!given) return
    const { key, known, literals } = documentOf(body.query)
    if (!known) return
    const variables = withLiterals(known.slots, literals, given)
    const ids = known.ids.map((name) => variables[name])
    // A root event's id that is not a UUID names nothing: the resolvers say so.
    if (!ids.every((id) => typeof id === 'string' && isUuid(id))) return
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined
    // The plan is the same for every id, so ids are left out of its key; a request whose other values hold a
    // stand-in id is planned for itself alone (binding would take that value for an id).
    const others = ids.length === 0 ? variables : { ...variables, ...Object.fromEntries(known.ids.map((name) => [name, null])) }
    const othersText = JSON.stringify(others)
    const shared = !othersText.includes(ID_SLOT_MARK)
    const planKey = [sightOf(request), request.headers['accept-language'] ?? '', operationName ?? '', othersText, key].join('\u0000')
    let found = shared ? plans.get(planKey) : undefined
    if (!found) {
      const operation = await operationOf(known, operationName, variables)
      if (!operation) return
      if (insights?.answers(operation.operation)) {
        const answered = await insights.body(request, reply, key, operation.document, operationName, variables).catch(() => undefined)
        return answered === undefined ? undefined : reply.type('application/json; charset=utf-8').send(answered)
      }
      const slotted = shared && ids.length > 0 ? { ...variables, ...Object.fromEntries(known.ids.map((name, i) => [name, idSlot(i)])) } : variables
      found = await plan(request, { ...operation, variables: slotted })
      if (!found) return
      if (shared) plans.set(planKey, found)
    }
    const bind = shared && ids.length > 0 ? new Map(ids.map((id, i) => [idSlot(i), id as string])) : undefined
    let answer: { json: string; missing: boolean[] }
    try {
      answer = await reads.json(contextOf(request, found.languages), found.reads, 'graphql', found.accepted, bind)
    } catch {
      // A failure is reported by the resolvers' path, in GraphQL's error shape.
      return
    }
    if (found.nonNull.some((nonNull, i) => nonNull && answer.missing[i])) return
    return reply.type('application/json; charset=utf-8').send(`{"data":${answer.json}}`)
  }
  /** How many documents (by shape) and plans are kept: for tests of what repeats. */
  return Object.assign(readPath, { kept: () => ({ documents: [...documents.values()].filter((d) => d !== null && d !== AS_WRITTEN).length, plans: plans.size() }) })
}

/** A request's variables: an object, or JSON text of one; undefined when neither (mercurius explains). */
function variablesOf(raw: unknown): Record<string, unknown> | undefined {
  let variables = raw ?? {}
  if (typeof variables === 'string') {
    try {
      variables = JSON.parse(variables)
    } catch {
      return undefined
    }
  }
  return variables && typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : undefined
}

/** Variables used only as root events' ids (`event(id: $x)`): a plan leaves them to be bound per request. */
function idVariables(document: DocumentNode): string[] {
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)
  if (!operation || operation.operation !== 'query') return []
  const asIds = operation.selectionSet.selections.flatMap((s) =>
    s.kind === Kind.FIELD && s.name.value === 'event' ? (s.arguments ?? []).flatMap((a) => (a.name.value === 'id' && a.value.kind === Kind.VARIABLE ? [a.value.name.value] : [])) : [],
  )
  const uses = new Map<string, number>()
  visit(document, { VariableDefinition: () => false, Variable: (node) => void uses.set(node.name.value, (uses.get(node.name.value) ?? 0) + 1) })
  return [...new Set(asIds)].filter((name) => uses.get(name) === asIds.filter((n) => n === name).length)
}

/** A valid query operation of a request's document, with its variables (not yet coerced). */
type Operation = { document: DocumentNode; operation: OperationDefinitionNode; operationName: string | undefined; variables: Record<string, unknown> }

/** What one request reads: its roots' reads, the languages they are built in, and which roots must not be null. */
type Plan = { reads: RootRead[]; languages: string[]; accepted: string[]; nonNull: boolean[] }

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
