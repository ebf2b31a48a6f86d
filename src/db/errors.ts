// Recognizes driver errors that mean "the database is unreachable right now" or "every connection is busy" (not a bug in the request).
const unavailableCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  '57P01', '57P02', '57P03', // admin/crash shutdown, cannot connect now
  '08000', '08001', '08003', '08004', '08006', // connection exceptions
  '53300', // too many connections
  '57014', // statement timeout / cancelled
])

const unavailableMessages = [/Connection terminated/i, /Client has encountered a connection error/i, /Query read timeout/i, /connection is closed/i]

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && unavailableCodes.has(code)) return true
    const message = (e as { message?: unknown }).message
    if (typeof message === 'string' && unavailableMessages.some((m) => m.test(message))) return true
  }
  return false
}

/** node-postgres's words when every pooled connection stayed busy for the whole wait: the database answers, we are at capacity. */
export function isPoolExhausted(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const message = (e as { message?: unknown }).message
    if (typeof message === 'string' && /timeout exceeded when trying to connect/i.test(message)) return true
  }
  return false
}
