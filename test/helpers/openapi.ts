// Holds responses to openapi.yaml: finds the operation a request hit, then checks status, media type, headers and body.
import { readFileSync } from 'node:fs'
import type { FastifyInstance, InjectOptions } from 'fastify'
import type { Test } from 'tap'
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import * as formatsModule from 'ajv-formats'
import { parse } from 'yaml'

/** What the checks need from a response: light-my-request's `inject` result fits, so does a fetch adapter. */
export type ContractResponse = {
  statusCode: number
  headers: Record<string, string | string[] | number | undefined>
  body: string
}

/** What each contract-*.ts part of contract-openapi.test.ts is given: a call held to the spec, and signed-in headers. */
export type ContractDeps = {
  call(t: Test, options: InjectOptions & { method: string; url: string }): Promise<ContractResponse & { json<T = any>(): T }>
  expectStatus(t: Test, res: ContractResponse, status: number, code?: string): void
  staff: Record<string, string>
  analyst: Record<string, string>
}

type Json = Record<string, unknown>
type Operation = { operationId?: string; responses?: Record<string, Json>; requestBody?: Json }

export const openapiFile = new URL('../../openapi.yaml', import.meta.url)
export const openapiDocument = parse(readFileSync(openapiFile, 'utf8')) as Json & { paths: Record<string, Record<string, unknown>> }

const DOC_ID = 'openapi.json'
const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const

type FormatsPlugin = (ajv: Ajv2020) => Ajv2020
const addFormats = ((formatsModule as unknown as { default?: FormatsPlugin }).default ?? formatsModule) as unknown as FormatsPlugin

// OpenAPI 3.1 schemas are JSON Schema 2020-12 plus a few annotation keywords (example, discriminator, xml, externalDocs):
// strict mode is off so Ajv ignores those instead of refusing the document.
const ajv = new Ajv2020({ strict: false, allErrors: true })
addFormats(ajv)
ajv.addSchema({ ...openapiDocument, $id: DOC_ID })
const validators = new Map<string, ValidateFunction>()

/** A validator for the schema at a JSON pointer into the document (compiled once). */
function validatorAt(pointer: string): ValidateFunction {
  let validate = validators.get(pointer)
  if (!validate) {
    validate = ajv.compile({ $ref: `${DOC_ID}#${pointer}` })
    validators.set(pointer, validate)
  }
  return validate
}

const escapePointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1')
const pointerOf = (segments: string[]) => segments.map((s) => `/${escapePointer(s)}`).join('')

/** Follows local $refs; returns the object and the JSON pointer where it really lives. */
function deref(node: Json, pointer: string): { node: Json; pointer: string } {
  for (let hops = 0; typeof node.$ref === 'string'; hops++) {
    if (hops > 10 || !node.$ref.startsWith('#/')) throw new Error(`cannot follow $ref ${String(node.$ref)}`)
    pointer = node.$ref.slice(1)
    node = resolvePointer(pointer) as Json
    if (!node) throw new Error(`dangling $ref ${pointer}`)
  }
  return { node, pointer }
}

function resolvePointer(pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as Json)[key] : undefined), openapiDocument)
}

/** Every documented operation, as (METHOD, path template, operationId). */
export function documentedOperations(): { method: string; path: string; operationId: string }[] {
  return Object.entries(openapiDocument.paths).flatMap(([path, item]) =>
    httpMethods
      .filter((m) => item[m])
      .map((m) => ({ method: m.toUpperCase(), path, operationId: String((item[m] as Operation).operationId ?? '') })),
  )
}

/** `/v1/events/{id}` → `/v1/events/:id` (fastify's syntax). */
export const toFastifyPath = (template: string) => template.replace(/\{([^}]+)\}/g, ':$1')

const templates = Object.keys(openapiDocument.paths)
  .map((path) => ({
    path,
    pattern: new RegExp(`^${path.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('([^/]+)')}$`),
    // Literal paths win over templated ones (as in the router): fewer parameters first, then more literal text
    // (`/v1/events/{id}.ics` before `/v1/events/{id}`).
    params: (path.match(/\{/g) ?? []).length,
    literal: path.replace(/\{[^}]+\}/g, '').length,
  }))
  .sort((a, b) => a.params - b.params || b.literal - a.literal)

/** The path template a concrete URL falls under, or undefined. Query strings and a trailing slash are ignored. */
export function matchPath(url: string): string | undefined {
  let path = url.split('?')[0]!.split('#')[0]!
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1)
  return templates.find((t) => t.pattern.test(path))?.path
}

const header = (res: ContractResponse, name: string): string | undefined => {
  const key = Object.keys(res.headers).find((k) => k.toLowerCase() === name.toLowerCase())
  const value = key === undefined ? undefined : res.headers[key]
  return value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : String(value)
}

const describe = (errors: ErrorObject[] | null | undefined, what: string) =>
  (errors ?? []).map((e) => {
    const extra = e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : e.params && 'unevaluatedProperty' in e.params ? ` (${String(e.params.unevaluatedProperty)})` : e.params && 'allowedValues' in e.params ? ` (${JSON.stringify(e.params.allowedValues)})` : ''
    return `${what}${e.instancePath || ''} ${e.message ?? 'is invalid'}${extra}`
  })

/** Checks a response object (possibly a $ref) against a concrete response: media type, headers, body. */
function checkAgainst(responseRef: Json, responsePointer: string, method: string, res: ContractResponse, where: string): string[] {
  const problems: string[] = []
  const { node: spec, pointer } = deref(responseRef, responsePointer)

  for (const [name, raw] of Object.entries((spec.headers ?? {}) as Record<string, Json>)) {
    if (name.toLowerCase() === 'content-type') continue
    const { node: h, pointer: hp } = deref(raw, `${pointer}/headers/${escapePointer(name)}`)
    const value = header(res, name)
    if (value === undefined) {
      if (h.required) problems.push(`${where}: required header ${name} is missing`)
      continue
    }
    if (h.schema) {
      const validate = validatorAt(`${hp}/schema`)
      if (!validate(value)) problems.push(...describe(validate.errors, `${where}: header ${name}`))
    }
  }

  const content = spec.content as Record<string, Json> | undefined
  const contentType = header(res, 'content-type')?.split(';')[0]!.trim().toLowerCase()
  const hasBody = method !== 'HEAD' && res.body.length > 0
  if (!content) {
    if (hasBody) problems.push(`${where}: the spec documents no body, but one was sent (${contentType ?? 'no content-type'})`)
    return problems
  }
  const mediaType = Object.keys(content).find((m) => m.toLowerCase() === contentType)
  if (!mediaType) {
    problems.push(`${where}: content-type ${contentType ?? '(none)'} is not one of ${Object.keys(content).join(', ')}`)
    return problems
  }
  if (method === 'HEAD') return problems
  const media = content[mediaType]!
  if (!media.schema) return problems
  let body: unknown = res.body
  if (/[/+]json$/.test(mediaType)) {
    try {
      body = JSON.parse(res.body)
    } catch {
      return [...problems, `${where}: the body is not JSON`]
    }
  }
  const validate = validatorAt(`${pointer}/content/${escapePointer(mediaType)}/schema`)
  if (!validate(body)) problems.push(...describe(validate.errors, `${where}: body`))
  return problems
}

/**
 * Checks one response against openapi.yaml and returns what is wrong (empty when it conforms).
 * The operation is found by matching the URL against the path templates; the response by status
 * (then `4XX`-style ranges, then `default`). Unknown paths must answer 404 ROUTE_NOT_FOUND, known
 * paths with an undocumented method 405 METHOD_NOT_ALLOWED with an `Allow` header (see info.description).
 */
export function checkResponse(method: string, url: string, response: ContractResponse): string[] {
  const verb = method.toUpperCase()
  const status = response.statusCode
  const where = `${verb} ${url} → ${status}`
  const path = matchPath(url)

  if (!path) {
    if (status !== 404) return [`${where}: the URL matches no documented path, so only 404 ROUTE_NOT_FOUND is allowed`]
    return [...checkAgainst({ $ref: '#/components/responses/NotFound' }, '', verb, response, where), ...expectCode(response, 'ROUTE_NOT_FOUND', where)]
  }

  const item = openapiDocument.paths[path]!
  const operation = (item[verb.toLowerCase()] ?? (verb === 'HEAD' ? item.get : undefined)) as Operation | undefined
  if (!operation) {
    const documented = httpMethods.filter((m) => item[m]).map((m) => m.toUpperCase())
    if (status !== 405) return [`${where}: ${path} documents no ${verb} (only ${documented.join(', ')}), so only 405 is allowed`]
    const problems = checkProblem(response, 'METHOD_NOT_ALLOWED', where)
    const allow = header(response, 'allow')
    if (!allow) problems.push(`${where}: a 405 must carry an Allow header`)
    else {
      const allowed = allow.split(',').map((m) => m.trim().toUpperCase())
      const missing = documented.filter((m) => !allowed.includes(m))
      if (missing.length) problems.push(`${where}: Allow (${allow}) leaves out documented methods ${missing.join(', ')}`)
    }
    return problems
  }

  const operationMethod = item[verb.toLowerCase()] ? verb.toLowerCase() : 'get'
  const responses = operation.responses ?? {}
  const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => responses[k])
  if (!key) return [`${where}: status ${status} is not documented for ${operation.operationId ?? `${verb} ${path}`} (documented: ${Object.keys(responses).join(', ')})`]
  return checkAgainst(responses[key]!, pointerOf(['paths', path, operationMethod, 'responses', key]), verb, response, `${where} (${operation.operationId})`)
}

function expectCode(res: ContractResponse, code: string, where: string): string[] {
  try {
    const body = JSON.parse(res.body) as { code?: unknown }
    return body.code === code ? [] : [`${where}: expected problem code ${code}, got ${String(body.code)}`]
  } catch {
    return [`${where}: the body is not JSON`]
  }
}

/** A problem answered outside any operation (405): problem+json, the Problem schema, the expected code. */
function checkProblem(res: ContractResponse, code: string, where: string): string[] {
  const contentType = header(res, 'content-type')?.split(';')[0]!.trim().toLowerCase()
  if (contentType !== 'application/problem+json') return [`${where}: content-type ${contentType ?? '(none)'} is not application/problem+json`]
  const problems = header(res, 'x-request-id') ? [] : [`${where}: required header X-Request-Id is missing`]
  let body: unknown
  try {
    body = JSON.parse(res.body)
  } catch {
    return [...problems, `${where}: the body is not JSON`]
  }
  const validate = validatorAt('/components/schemas/Problem')
  if (!validate(body)) problems.push(...describe(validate.errors, `${where}: body`))
  return [...problems, ...expectCode(res, code, where)]
}

/** Checks a JSON request body against the operation's requestBody schema (for tests that want the spec and server to agree on inputs). */
export function checkRequestBody(method: string, url: string, body: unknown): string[] {
  const path = matchPath(url)
  const verb = method.toLowerCase()
  const where = `${method.toUpperCase()} ${url} request body`
  const operation = path ? (openapiDocument.paths[path]![verb] as Operation | undefined) : undefined
  if (!path || !operation) return [`${where}: no such documented operation`]
  if (!operation.requestBody) return body === undefined ? [] : [`${where}: the operation documents no body`]
  const { node, pointer } = deref(operation.requestBody, pointerOf(['paths', path, verb, 'requestBody']))
  if (body === undefined) return node.required ? [`${where}: a body is required`] : []
  if (!(node.content as Json | undefined)?.['application/json']) return [`${where}: no application/json body is documented`]
  const validate = validatorAt(`${pointer}/content/application~1json/schema`)
  return validate(body) ? [] : describe(validate.errors, where)
}

/** tap assertion: the response conforms to openapi.yaml. */
export function assertContract(t: Test, method: string, url: string, response: ContractResponse, message?: string): boolean {
  return t.strictSame(checkResponse(method, url, response), [], message ?? `${method.toUpperCase()} ${url} → ${response.statusCode} conforms to openapi.yaml`)
}

/** `app.inject` plus `assertContract`: every response a test sees is held to the spec. */
export async function injectChecked(t: Test, app: FastifyInstance, options: InjectOptions & { method: string; url: string }): Promise<ContractResponse & { json<T = unknown>(): T }> {
  const response = await app.inject(options)
  assertContract(t, options.method, options.url, response)
  return response as unknown as ContractResponse & { json<T = unknown>(): T }
}
