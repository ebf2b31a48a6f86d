// What a log line may say, for every logger the process makes (the app's, the server's, the CLIs'): about a request and an error: no query values but allow-listed, filter-shaped ones, no SQL, no parameters, no stack.
import type { Bindings, ChildLoggerOptions, Level, Logger as PinoLogger } from 'pino'
import { redact } from './modules/feedback/redact.ts'

/** Query parameters whose values are safe to log (filters, paging, formats); any other value is `[redacted]`. */
const loggedQueryValues = new Set([
  'limit', 'status', 'kind', 'format', 'language', 'from', 'to', 'updatedSince', 'agency', 'areaId', 'area', 'organizationId',
  'topic', 'stance', 'channel', 'visibility', 'accommodation', 'seriesId', 'eventId', 'decisionId', 'feedbackId',
  'receivedFrom', 'receivedTo', 'relayedFrom', 'relayedTo', 'start_date', 'end_date', 'service_code', 'jurisdiction_id', 'service_request_id',
])
/** Logged as present, never with their value: a cursor is opaque but may encode what was searched. */
const loggedQueryPresence = new Set(['cursor'])
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,40}$/
/** A phone number in a URL: 7+ digits, perhaps with separators (a cheap test for every request; messages go through redact). */
const PHONE_LIKE = /\+?\d[\d\s().-]{5,}\d/
/** What a filter, paging or format value looks like (decoded): a word, an enum, a number, a date or an id list. */
const FILTER_VALUE = /^[\w.:,+-]{1,100}$/
/** Ids and ISO dates hold long digit runs but are never phone numbers. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/

const phoneLike = (text: string) => text.split(',').some((item) => !UUID.test(item) && !ISO_TIME.test(item) && PHONE_LIKE.test(item))
/** An allow-listed parameter's value is logged only when it has a filter's shape: never an email, an address or a phone. */
const filterShaped = (value: string) => FILTER_VALUE.test(value) && !value.includes('@') && !phoneLike(value)

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** A URL for the log: its path, and its query with every value not on the allow-list (or not shaped like a filter) replaced. */
export function loggableUrl(url: string): string {
  const at = url.indexOf('?')
  // A path is ids and names of routes, but a caller may put anything in it: a segment holding an email or a phone is replaced.
  const path = (at < 0 ? url : url.slice(0, at))
    .split('/')
    .map((segment) => (/@/.test(decoded(segment)) || phoneLike(decoded(segment)) ? '[redacted]' : segment))
    .join('/')
  if (at < 0) return path
  const parts: string[] = []
  for (const [name, value] of new URLSearchParams(url.slice(at + 1))) {
    const shown = loggedQueryValues.has(name) ? (filterShaped(value) ? encodeURIComponent(value) : '[redacted]') : loggedQueryPresence.has(name) ? '[present]' : '[redacted]'
    // A name is logged only when it looks like one: `?someone@example.org` has its text in the name.
    parts.push(`${PARAMETER_NAME.test(name) ? name : '[redacted]'}=${shown}`)
  }
  return parts.length ? `${path}?${parts.join('&')}` : path
}

/** The `req` serializer: no client address (anonymous feedback must not be traceable to one), no headers. */
export const serializeRequest = (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: loggableUrl(req.url) })

type ErrorLike = { name?: unknown; message?: unknown; code?: unknown; statusCode?: unknown; cause?: unknown; query?: unknown; params?: unknown; severity?: unknown } & Record<string, unknown>

const SQLSTATE = /^[0-9A-Z]{5}$/

/** Whether an error carries a statement (drizzle's "Failed query: … params: …" or a driver's query/params fields). */
const carriesStatement = (e: ErrorLike) => 'query' in e || 'params' in e || (typeof e.message === 'string' && e.message.includes('Failed query'))

/** Messages can quote input: the publication redaction (emails, phones, addresses, evasions included) runs on them, capped. */
const scrub = (message: string) => redact(message).slice(0, 300)

/**
 * The `err` serializer: a type, a stable code and a scrubbed message. Database errors give their SQLSTATE and the
 * constraint, table and column they name, never their message or detail (which quote values); no stack, ever.
 */
export function serializeError(err: unknown, depth = 0): Record<string, unknown> {
  if (err === null || typeof err !== 'object') return { type: typeof err }
  const e = err as ErrorLike
  const type = typeof e.name === 'string' ? e.name : 'Error'
  const cause = depth < 2 && e.cause && typeof e.cause === 'object' ? { cause: serializeError(e.cause, depth + 1) } : {}
  // A driver's error (node-postgres, PGlite) is told by its SQLSTATE; PGlite's also carries the statement and parameters.
  if (typeof e.code === 'string' && SQLSTATE.test(e.code) && 'severity' in e) {
    const named = Object.fromEntries(['constraint', 'table', 'column', 'routine'].filter((k) => typeof e[k] === 'string').map((k) => [k, e[k]]))
    return { type: 'DatabaseError', code: e.code, ...named, ...cause }
  }
  if (carriesStatement(e)) return { type, message: 'a database statement failed (statement and parameters are not logged)', ...cause }
  return {
    type,
    ...(typeof e.code === 'string' ? { code: e.code.slice(0, 60) } : {}),
    ...(typeof e.statusCode === 'number' ? { statusCode: e.statusCode } : {}),
    ...(typeof e.message === 'string' ? { message: scrub(e.message) } : {}),
    ...cause,
  }
}

const MAX_FRAMES = 20

/**
 * For errors outside any request (a crash, a failed background job): serializeError's fields plus the stack's frames
 * (function, file:line), so a crash can be found. The stack's first line repeats the message unscrubbed: it is dropped.
 */
export function serializeProcessError(err: unknown): Record<string, unknown> {
  const stack = err && typeof err === 'object' && typeof (err as { stack?: unknown }).stack === 'string' ? (err as { stack: string }).stack : ''
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line)).slice(0, MAX_FRAMES).map((line) => line.trim())
  return { ...serializeError(err), ...(frames.length ? { frames } : {}) }
}

/** The serializers every pino logger in the process is made with, so no line anywhere can carry SQL, parameters or a query's values. */
export const logSerializers = { req: serializeRequest, err: serializeError, error: serializeError }

type LogMethod = (this: LazyChild, ...args: unknown[]) => void

/**
 * Fastify's `childLoggerFactory`: a request's logger that becomes pino's child (its bindings serialized, redaction set up)
 * only when a line is logged at an enabled level. Above `info` most requests log nothing; making the child anyway cost
 * each request about 3 µs of CPU (fastify inject, 20,000 requests, pino with the app's redaction and serializers).
 */
export function lazyChildLogger(parent: PinoLogger, bindings: Bindings, options: ChildLoggerOptions): object {
  return new LazyChild(parent, bindings, options)
}

class LazyChild {
  #made: PinoLogger | undefined
  readonly parent: PinoLogger
  readonly bindings: Bindings
  readonly options: ChildLoggerOptions
  constructor(parent: PinoLogger, bindings: Bindings, options: ChildLoggerOptions) {
    this.parent = parent
    this.bindings = bindings
    this.options = options
  }
  /** The pino child, made on first use. */
  made(): PinoLogger {
    return (this.#made ??= this.parent.child(this.bindings, this.options))
  }
  isLevelEnabled(level: string): boolean {
    if (this.#made) return this.#made.isLevelEnabled(level)
    // A route's own level (fastify's logLevel option) decides for its requests, as it would on the child.
    const own = this.options.level
    return own === undefined ? this.parent.isLevelEnabled(level) : (this.parent.levels.values[level] ?? 0) >= (this.parent.levels.values[own] ?? Infinity)
  }
  get level(): string {
    return this.#made?.level ?? this.options.level ?? this.parent.level
  }
  set level(level: string) {
    this.made().level = level
  }
  child(bindings: Bindings, options?: ChildLoggerOptions): PinoLogger {
    return this.made().child(bindings, options)
  }
  silent(): void {}
  declare fatal: LogMethod
  declare error: LogMethod
  declare warn: LogMethod
  declare info: LogMethod
  declare debug: LogMethod
  declare trace: LogMethod
}
for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const satisfies Level[])
  LazyChild.prototype[level] = function (this: LazyChild, ...args: unknown[]) {
    if (this.isLevelEnabled(level)) (this.made()[level] as (...a: unknown[]) => void)(...args)
  }
