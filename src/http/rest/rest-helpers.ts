// Small REST conventions: ETags from versions, If-Match, Idempotency-Key, query arrays and Link headers.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../../errors.ts'
import type { Page } from '../../modules/shared/pagination.ts'
import type { VersionCondition } from '../../modules/shared/versions.ts'

/** Event list filters that take several values. */
export const eventArrayParams = ['status', 'areaId', 'format', 'kind', 'language', 'accommodation', 'topic'] as const

export const etagOf = (version: number) => `"${version}"`

/**
 * The versions an If-Match header accepts (RFC 9110 §13.1.1): a list of our ETags, or "*" for any current version.
 * Updates without one are refused (428), so no write is blind.
 */
export function expectedVersion(request: FastifyRequest): VersionCondition {
  const header = request.headers['if-match']
  if (!header) throw new AppError('PRECONDITION_REQUIRED', 'Send If-Match with the ETag you last read, so changes are not lost')
  if (header.trim() === '*') return 'any'
  // Weak ETags never match in If-Match, and an ETag this server never issued cannot match the current one.
  const versions = header.split(',').map((tag) => /^"(\d{1,9})"$/.exec(tag.trim())?.[1]).filter((v) => v !== undefined).map(Number)
  if (versions.length === 0) throw new AppError('PRECONDITION_FAILED', 'If-Match does not match the current version of the resource')
  return versions.length === 1 ? versions[0]! : versions
}

export function idempotencyKey(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key']
  return Array.isArray(key) ? key[0] : key
}

/**
 * Query string → plain object; list parameters accept repeats (?a=x&a=y) and commas (?a=x,y). `lang` is the request
 * context's (request-context.ts), not a filter.
 */
export function listQuery(request: FastifyRequest, arrayKeys: readonly string[]): Record<string, unknown> {
  const raw = (request.query ?? {}) as Record<string, string | string[]>
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'lang') continue
    if (arrayKeys.includes(k)) out[k] = (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)
    else if (Array.isArray(v)) throw new AppError('VALIDATION_FAILED', `${k} may be given once`, { errors: [{ field: k, message: 'may be given once' }] })
    else out[k] = v
  }
  return out
}

/** Sends a page as {data, nextCursor} with a Link: rel="next" header carrying the same filters. */
export function sendPage<T>(request: FastifyRequest, reply: FastifyReply, page: Page<T>, baseUrl: string) {
  linkNext(request, reply, page.nextCursor, baseUrl)
  return page
}

/** A sync page (updatedSince) with what left the caller's view beside its items; any other page as it is. */
export function withRemoved<P extends object>(page: P, removed: { id: string; at: string }[] | undefined): P | (P & { removed: { id: string; at: string }[] }) {
  return removed === undefined ? page : { ...page, removed }
}

/** The Link: rel="next" header of a page, when there is a next page. */
export function linkNext(request: FastifyRequest, reply: FastifyReply, nextCursor: string | null, baseUrl: string) {
  if (!nextCursor) return
  const url = new URL(request.url, baseUrl)
  url.searchParams.set('cursor', nextCursor)
  reply.header('link', `<${url.pathname}${url.search}>; rel="next"`)
}

/** A JSON body PostgreSQL already wrote (the read path): sent as it is, with the type fastify gives JSON. */
export const sendJsonText = (reply: FastifyReply, body: string) => reply.type('application/json; charset=utf-8').send(body)

export function sendResource(reply: FastifyReply, resource: { version: number; contentLanguage?: string; descriptionLanguage?: string | null }) {
  reply.header('etag', etagOf(resource.version))
  if (resource.contentLanguage) reply.header('content-language', contentLanguageHeader(resource.contentLanguage, resource.descriptionLanguage))
  reply.header('vary', 'Accept-Language, Authorization')
  return resource
}

/** Content-Language names every language the text is in: the title's, and the description's when it is another. */
export function contentLanguageHeader(title: string, description: string | null | undefined): string {
  return description && description.toLowerCase() !== title.toLowerCase() ? `${title}, ${description}` : title
}

/** Commands that take no input refuse one, rather than ignore what the caller thought it was sending. */
export function noBody(request: FastifyRequest) {
  const body = request.body
  if (body === undefined || body === null || (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0)) return
  const fields = typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : ['(body)']
  throw new AppError('VALIDATION_FAILED', 'This command takes no body', { errors: fields.map((field) => ({ field, message: 'is not a known field' })) })
}
