// What a log line may say about a request and an error: no query values but allow-listed ones, no SQL, no parameters, no stack.

/** Query parameters whose values are safe to log (filters, paging, formats); any other value is `[redacted]`. */
const loggedQueryValues = new Set([
  'limit', 'status', 'kind', 'format', 'language', 'from', 'to', 'updatedSince', 'agency', 'areaId', 'area', 'organizationId',
  'topic', 'stance', 'channel', 'visibility', 'accommodation', 'seriesId', 'eventId', 'decisionId', 'feedbackId',
  'receivedFrom', 'receivedTo', 'relayedFrom', 'relayedTo', 'start_date', 'end_date', 'service_code', 'jurisdiction_id', 'service_request_id',
])
/** Logged as present, never with their value: a cursor is opaque but may encode what was searched. */
const loggedQueryPresence = new Set(['cursor'])
const MAX_VALUE = 100
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,40}$/
const EMAIL = /[^\s@"'<>()/?&=]+@[^\s@"'<>()/?&=]+/g
/** An email in a path segment, percent-encoded or not. */
const PATH_EMAIL = /[^/]+(@|%40)[^/]+/gi

/** A URL for the log: its path, and its query with every value not on the allow-list replaced. */
export function loggableUrl(url: string): string {
  const at = url.indexOf('?')
  // A path is ids and names of routes, but a caller may put anything in it: an email there is replaced too.
  const path = (at < 0 ? url : url.slice(0, at)).replace(PATH_EMAIL, '[redacted]')
  if (at < 0) return path
  const parts: string[] = []
  for (const [name, value] of new URLSearchParams(url.slice(at + 1))) {
    const shown = loggedQueryValues.has(name) ? encodeURIComponent(value.slice(0, MAX_VALUE)) : loggedQueryPresence.has(name) ? '[present]' : '[redacted]'
    // A name is logged only when it looks like one: `?someone@example.org` has its text in the name.
    parts.push(`${PARAMETER_NAME.test(name) ? name : '[redacted]'}=${shown}`)
  }
  return parts.length ? `${path}?${parts.join('&')}` : path
}

/** The `req` serializer: no client address (anonymous feedback must not be traceable to one), no headers. */
export const serializeRequest = (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: loggableUrl(req.url) })

type ErrorLike = { name?: unknown; message?: unknown; code?: unknown; statusCode?: unknown; cause?: unknown; query?: unknown; params?: unknown; severity?: unknown } & Record<string, unknown>

const SQLSTATE = /^[0-9A-Z]{5}$/
const PHONE = /\+?\d[\d\s().-]{5,}\d/g

/** Whether an error carries a statement (drizzle's "Failed query: … params: …" or a driver's query/params fields). */
const carriesStatement = (e: ErrorLike) => 'query' in e || 'params' in e || (typeof e.message === 'string' && e.message.includes('Failed query'))

/** Messages can quote input: anything that reads as an email or a phone number is replaced, and the length is capped. */
function scrub(message: string): string {
  return message.replace(EMAIL, '[redacted]').replace(PHONE, '[redacted]').slice(0, 300)
}

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
