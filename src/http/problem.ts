// Turns any error into an RFC 9457 problem: AppErrors keep their code; framework errors get one; the rest are a bare 500.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, catalogue, oauthErrors, problemType, type ErrorCode, type FieldError } from '../errors.ts'
import { isDatabaseUnavailable, isPoolExhausted } from '../db/errors.ts'

export type Problem = {
  type: string
  title: string
  status: number
  code: ErrorCode
  detail: string
  instance?: string
  requestId?: string
  errors?: FieldError[]
  /** RFC 6749 error code, on token-endpoint problems only. */
  error?: string
}

const frameworkCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
}

/** Maps an error to a stable code and a message safe to show: no stack, SQL or internal detail. */
export function classify(err: unknown): { code: ErrorCode; detail: string; errors?: FieldError[]; retryAfterSeconds?: number } {
  if (err instanceof AppError) return { code: err.code, detail: err.message, ...err.extra }
  if (isPoolExhausted(err)) return { code: 'OVERLOADED', detail: 'Every database connection is busy; retry shortly', retryAfterSeconds: 2 }
  if (isDatabaseUnavailable(err)) return { code: 'DATABASE_UNAVAILABLE', detail: 'The database is unavailable; retry shortly', retryAfterSeconds: 5 }
  const fe = err as Partial<FastifyError> & { type?: string }
  // JSON.parse failures inside fastify's own parser surface as SyntaxError with statusCode 400.
  if (fe.code && frameworkCodes[fe.code]) return { code: frameworkCodes[fe.code]!, detail: catalogue[frameworkCodes[fe.code]!].title }
  if (err instanceof SyntaxError && fe.statusCode === 400) return { code: 'MALFORMED_JSON', detail: 'The request body is not valid JSON' }
  if (fe.statusCode === 413) return { code: 'PAYLOAD_TOO_LARGE', detail: catalogue.PAYLOAD_TOO_LARGE.title }
  if (fe.statusCode === 415) return { code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'Send JSON (Content-Type: application/json)' }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return { code: 'BAD_REQUEST', detail: catalogue.BAD_REQUEST.title }
  return { code: 'INTERNAL', detail: 'An unexpected error occurred; it has been logged with the request id' }
}

export function problemOf(err: unknown, request: FastifyRequest): Problem {
  const c = classify(err)
  const { status, title } = catalogue[c.code]
  return {
    type: problemType(c.code),
    title,
    status,
    code: c.code,
    detail: c.detail,
    instance: request.url.split('?')[0],
    requestId: request.id,
    ...(c.errors ? { errors: c.errors } : {}),
    ...(oauthErrors[c.code] ? { error: oauthErrors[c.code] } : {}),
  }
}

/** 503s that say "retry shortly": expected in an outage, at capacity or while draining, so a warning without a stack. */
const transientCodes: ReadonlySet<ErrorCode> = new Set(['DATABASE_UNAVAILABLE', 'OVERLOADED', 'SERVICE_UNAVAILABLE'])

/** Logs a failure once, at the level it deserves: transient 503s as warnings, bugs as errors (the err serializer keeps either free of SQL and stacks). */
export function logFailure(log: FastifyRequest['log'], code: ErrorCode, err: unknown, extra: Record<string, unknown> = {}) {
  if (transientCodes.has(code)) log.warn({ ...extra, code, err }, 'request turned away: retry shortly')
  else if (catalogue[code].status >= 500) log.error({ ...extra, err }, 'request failed')
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, err: unknown) {
  const problem = problemOf(err, request)
  logFailure(request.log, problem.code, err)
  const retry = classify(err).retryAfterSeconds
  if (retry) reply.header('retry-after', String(retry))
  return reply.code(problem.status).type('application/problem+json; charset=utf-8').send(problem)
}
