// Response schemas from openapi.yaml: every documented application/json success body is written by fast-json-stringify
// from the operation's own schema, so the contract is also what serializes. Problems and other media types are untouched.
// (Measured on Node 24 with the demo data: no faster than JSON.stringify, which writes an event page in ~28 µs of a ~2.5 ms
// request. What the schemas add is an allow-list: a property the contract does not declare never leaves the server.)
import { isDeepStrictEqual } from 'node:util'
import fastJson from 'fast-json-stringify'
import type { FastifySchema, FastifySerializerCompiler, RouteOptions } from 'fastify'
import { openapiContract } from '../openapi-document.ts'

type Json = Record<string, unknown>
type ResponseSchemas = Record<string, { content: { 'application/json': { schema: Json } } }>

/**
 * Documented JSON answers that are not serialized by a route schema, each with its reason. Every other operation with an
 * application/json success body gets one (a test holds this list to the contract).
 */
export const jsonWrittenElsewhere: Readonly<Record<string, string>> = {
  getOpenApiJson: 'the contract itself, a free-form document: a schema would serialize it no faster',
  getGraphqlIntrospection: 'an introspection result, a free-form document built from schema.graphql: a schema would serialize it no faster',
  getOpen311Discovery: 'Open311 writes its JSON (or XML) itself in open311-format.ts, as it writes its errors',
  listOpen311Services: 'Open311 writes its JSON (or XML) itself in open311-format.ts, as it writes its errors',
  getOpen311ServiceDefinition: 'Open311 writes its JSON (or XML) itself in open311-format.ts, as it writes its errors',
  listOpen311Requests: 'Open311 writes its JSON (or XML) itself in open311-format.ts, as it writes its errors',
  createOpen311Request: 'Open311 writes its JSON (or XML) itself in open311-format.ts, as it writes its errors',
  getOpen311Request: 'Open311 writes its JSON (or XML) itself in open311-format.ts, as it writes its errors',
}

const httpMethods = ['get', 'put', 'post', 'delete', 'patch'] as const

let operations: Map<string, { operationId: string; responses: Json }> | undefined
/** `METHOD /fastify/:path` → the operation in openapi.yaml. */
function operationIndex() {
  if (!operations) {
    operations = new Map()
    const paths = openapiContract().openapiDocument.paths as Record<string, Record<string, Json>>
    for (const [path, item] of Object.entries(paths))
      for (const method of httpMethods) {
        const op = item[method]
        if (op) operations.set(`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`, { operationId: String(op.operationId), responses: (op.responses ?? {}) as Json })
      }
  }
  return operations
}

const built = new Map<string, ResponseSchemas | undefined>()

/**
 * The fastify response schemas of a route (`url` in fastify's `:param` syntax; HEAD is GET's): one per 2xx status with
 * an application/json body, keyed by media type so JSON-LD, CSV and problems keep their own writers. Built once per process.
 */
export function contractResponseSchemas(method: string, url: string): ResponseSchemas | undefined {
  const key = `${method === 'HEAD' ? 'GET' : method} ${url}`
  if (built.has(key)) return built.get(key)
  const op = operationIndex().get(key)
  let schemas: ResponseSchemas | undefined
  if (op && !(op.operationId in jsonWrittenElsewhere)) {
    for (const [status, raw] of Object.entries(op.responses)) {
      if (!/^2\d\d$/.test(status)) continue
      const response = resolve(raw as Json, [])
      const schema = (response.content as Record<string, Json> | undefined)?.['application/json']?.schema as Json | undefined
      if (!schema) continue
      schemas ??= {}
      schemas[status] = { content: { 'application/json': { schema: forSerializer(schema, { inChoice: false, refs: [] }) } } }
    }
  }
  built.set(key, schemas)
  return schemas
}

/** Follows local `$ref`s into the document. */
function resolve(node: Json, refs: string[]): Json {
  while (typeof node.$ref === 'string') {
    const ref = node.$ref
    if (!ref.startsWith('#/')) throw new Error(`openapi.yaml: cannot follow $ref ${ref}`)
    if (refs.includes(ref) || refs.length > 32) throw new Error(`openapi.yaml: $ref cycle through ${ref}; response schemas are inlined`)
    refs = [...refs, ref]
    node = ref
      .slice(2)
      .split('/')
      .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<Json>((at, k) => at?.[k] as Json, openapiContract().openapiDocument as Json)
    if (!node) throw new Error(`openapi.yaml: dangling $ref ${ref}`)
  }
  return node
}

// Dates are written as ISO strings by these formats; other formats do not change what is written.
const dateFormats = new Set(['date-time', 'date', 'time'])
const typeOfValue = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? 'number' : typeof v)

/**
 * The contract's schema as fast-json-stringify should write it, with the same result as JSON.stringify for any body that
 * conforms: $refs inlined; a property is never required (a gap is left out, not a 500) and never an integer (no rounding);
 * `const` writes the value, not the constant; an object that does not close itself keeps every property; `oneOf`/`anyOf`
 * of one schema and null becomes `nullable`. Other choices stay (fast-json-stringify validates each candidate with Ajv:
 * slow; in openapi.yaml only an insight row's figures), and keep their validation keywords so the right branch is picked.
 */
function forSerializer(node: unknown, at: { inChoice: boolean; refs: string[] }): Json {
  if (node === true || node === undefined) return {}
  if (node === false || typeof node !== 'object' || node === null) throw new Error(`openapi.yaml: unexpected schema ${JSON.stringify(node)}`)
  let schema = node as Json
  const refs = [...at.refs]
  if (typeof schema.$ref === 'string') {
    const ref = schema.$ref
    schema = resolve(schema, refs)
    refs.push(ref)
  }
  const next = { ...at, refs }

  if (Array.isArray(schema.allOf)) {
    // Parts that only add `required` (or annotations) change nothing written; more than one schema to merge is not supported.
    const parts = (schema.allOf as Json[]).map((p) => forSerializer(p, { inChoice: false, refs })).filter((p) => Object.keys(p).length > 0)
    const { allOf: _, ...rest } = schema
    const own = forSerializer(rest, next)
    const all = [own, ...parts].filter((p) => Object.keys(p).length > 0)
    if (all.length > 1) throw new Error(`openapi.yaml: allOf of several schemas is not supported in a response (${JSON.stringify(schema.allOf).slice(0, 120)})`)
    return all[0] ?? {}
  }

  const choice = (schema.oneOf ?? schema.anyOf) as Json[] | undefined
  if (Array.isArray(choice)) {
    const isNull = (s: Json) => resolve(s, refs).type === 'null'
    const others = choice.filter((s) => !isNull(s))
    // (Inside a choice, fast-json-stringify validates with Ajv, which knows no `nullable`: null stays a branch there.)
    if (!at.inChoice && others.length === 1 && others.length < choice.length) {
      const only = forSerializer(others[0], next)
      if (Object.keys(only).length === 0) return {}
      // A choice is tried before `nullable` is looked at, so a nested one takes null as a branch of its own.
      return Array.isArray(only.anyOf) ? { anyOf: [...only.anyOf, { type: 'null' }] } : { ...only, nullable: true }
    }
    return { anyOf: choice.map((s) => forSerializer(s, { inChoice: true, refs })) }
  }

  const out: Json = {}
  let type = schema.type as string | string[] | undefined
  if (type === undefined && schema.const !== undefined) type = typeOfValue(schema.const)
  if (type === undefined && Array.isArray(schema.enum)) {
    const types = [...new Set((schema.enum as unknown[]).map(typeOfValue))]
    type = types.length === 1 ? types[0] : types
  }
  if (Array.isArray(type)) {
    const nonNull = type.filter((t) => t !== 'null')
    if (!at.inChoice && nonNull.length === 1 && nonNull.length < type.length) {
      type = nonNull[0]
      out.nullable = true
    }
  }
  if (!at.inChoice && type === 'integer') type = 'number'
  if (Array.isArray(type)) out.type = at.inChoice ? type : type.map((t) => (t === 'integer' ? 'number' : t))
  else if (type !== undefined) out.type = type

  const isObject = type === 'object' || (Array.isArray(type) && type.includes('object')) || schema.properties !== undefined
  if (isObject) {
    const properties = Object.entries((schema.properties ?? {}) as Json)
    const additional = schema.additionalProperties
    // A free-form object (JSON Schema's default: any property) is written whole.
    if (properties.length === 0 && (additional === undefined || additional === true) && schema.patternProperties === undefined) return at.inChoice ? out : {}
    if (schema.patternProperties !== undefined) throw new Error('openapi.yaml: patternProperties is not supported in a response')
    out.type ??= 'object'
    if (properties.length) out.properties = Object.fromEntries(properties.map(([k, v]) => [k, forSerializer(v, next)]))
    out.additionalProperties = additional === false ? false : additional === undefined || additional === true ? true : forSerializer(additional, next)
  }
  if (schema.items !== undefined) out.items = forSerializer(schema.items, next)
  if (typeof schema.format === 'string' && (at.inChoice || dateFormats.has(schema.format))) out.format = schema.format
  if (at.inChoice) for (const k of ['required', 'enum', 'const', 'minimum', 'maximum', 'pattern'] as const) if (schema[k] !== undefined) out[k] = schema[k]
  return out
}

type Writer = (data: unknown) => string
// Compiled writers are kept for the process: every app built from the same contract reuses them (tests build many).
const compiled = new WeakMap<object, Writer>()
const writers = new WeakMap<object, Writer>()
const checkedWriters = new WeakMap<object, Writer>()

/** The fast-json-stringify writer of a response schema, compiled once per process (test/response-schemas.test.ts compiles every one). */
export function compiledWriter(schema: Json): Writer {
  let write = compiled.get(schema)
  if (!write) compiled.set(schema, (write = fastJson(schema) as Writer))
  return write
}

/**
 * Compiles route response schemas with fast-json-stringify, each on the first body it writes: an app starts without
 * compiling the writers of routes it may never answer (a sixth of a first build's CPU). `checked`: each body is also
 * compared with what JSON.stringify would have written, and a difference (a property the contract lacks, a type it would
 * coerce) is an error, not a quiet change.
 */
export function contractSerializerCompiler({ checked }: { checked: boolean }): FastifySerializerCompiler<Json> {
  return ({ schema }) => {
    let write = writers.get(schema)
    if (!write) {
      let ready: Writer | undefined
      write = (data) => (ready ??= compiledWriter(schema))(data)
      writers.set(schema, write)
    }
    if (!checked) return write
    let checkedWrite = checkedWriters.get(schema)
    if (!checkedWrite) {
      const unchecked = write
      checkedWrite = (data) => {
        const body = unchecked(data)
        const expected = JSON.parse(JSON.stringify(data)) as unknown
        if (!isDeepStrictEqual(JSON.parse(body), expected)) throw new Error(`The response schema from openapi.yaml changed the body: ${firstDifference(JSON.parse(body), expected, '')}`)
        return body
      }
      checkedWriters.set(schema, checkedWrite)
    }
    return checkedWrite
  }
}

/** Where two JSON values first differ, for the error message. */
function firstDifference(got: unknown, want: unknown, path: string): string {
  if (typeof got !== typeof want || got === null || want === null || typeof got !== 'object') return `${path || '(body)'}: written ${JSON.stringify(got)}, JSON.stringify writes ${JSON.stringify(want)}`
  const keys = new Set([...Object.keys(got as Json), ...Object.keys(want as Json)])
  for (const k of keys) if (!isDeepStrictEqual((got as Json)[k], (want as Json)[k])) return firstDifference((got as Json)[k], (want as Json)[k], `${path}/${k}`)
  return `${path}: differs`
}

/** onRoute hook: gives each documented route its response schemas (unless it brings its own) and the writer that uses them. */
export function serializeFromContract(options: { checked: boolean }) {
  const compiler = contractSerializerCompiler(options)
  return (route: RouteOptions) => {
    const schema = route.schema as FastifySchema | undefined
    if (schema?.response) return
    for (const method of [route.method].flat()) {
      const response = contractResponseSchemas(method.toUpperCase(), route.url)
      if (!response) continue
      route.schema = { ...schema, response }
      route.serializerCompiler = compiler as RouteOptions['serializerCompiler']
      return
    }
  }
}
