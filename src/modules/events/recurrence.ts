// Expands a series' RFC 5545 recurrence rule into occurrences, in the series' IANA time zone (DST-correct).
import { RRuleTemporal } from 'rrule-temporal'

export const MAX_OCCURRENCES = 400
/** Open-ended rules are materialized this far ahead; later occurrences appear as time passes and the series is edited. */
export const HORIZON_DAYS = 730

const allowedFrequencies = new Set(['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'])

export type Occurrence = {
  /** The local wall-clock start the rule gave, e.g. 2026-03-10T18:30 (the key overrides and EXDATEs use). */
  local: string
  /** The same instant in UTC. */
  start: Date
  /** Position in the rule's sequence, counting excluded dates too, so an exception never shifts a rotation. */
  index: number
}

export class RecurrenceError extends Error {}

/** Local "YYYY-MM-DDTHH:mm" → iCalendar "YYYYMMDDTHHmm00". */
const icalLocal = (local: string) => `${local.replaceAll('-', '').replace(':', '')}00`

export function parseRule(rrule: string, dtstartLocal: string, timeZone: string): RRuleTemporal {
  const body = rrule.replace(/^RRULE:/i, '').trim()
  if (!/^[A-Z0-9=;,+\-]+$/i.test(body)) throw new RecurrenceError('must be an RFC 5545 RRULE value such as FREQ=MONTHLY;BYDAY=2TU')
  const freq = /(?:^|;)FREQ=([A-Z]+)/i.exec(body)?.[1]?.toUpperCase()
  if (!freq || !allowedFrequencies.has(freq)) throw new RecurrenceError('FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY')
  try {
    return new RRuleTemporal({ rruleString: `DTSTART;TZID=${timeZone}:${icalLocal(dtstartLocal)}\nRRULE:${body}`, strict: true })
  } catch (err) {
    throw new RecurrenceError(`is not a valid recurrence rule (${err instanceof Error ? err.message : 'unparseable'})`)
  }
}

/**
 * Occurrences of the rule from its DTSTART, skipping exdates, bounded by MAX_OCCURRENCES and the horizon (after `now`).
 * Throws RecurrenceError when the rule yields nothing or cannot be expanded.
 */
export function expand(rrule: string, dtstartLocal: string, timeZone: string, exdates: string[], now: Date): Occurrence[] {
  const rule = parseRule(rrule, dtstartLocal, timeZone)
  const horizon = Math.max(now.getTime(), Date.parse(`${dtstartLocal}:00Z`)) + HORIZON_DAYS * 86_400_000
  const excluded = new Set(exdates)
  let zoned
  try {
    zoned = rule.all((dt, i) => i < MAX_OCCURRENCES + excluded.size && dt.epochMilliseconds <= horizon)
  } catch (err) {
    throw new RecurrenceError(`cannot be expanded (${err instanceof Error ? err.message : 'error'})`)
  }
  const occurrences = zoned
    .map((dt, index) => ({ local: dt.toPlainDateTime().toString({ smallestUnit: 'minute' }), start: new Date(dt.epochMilliseconds), index }))
    .filter((o) => !excluded.has(o.local))
    .slice(0, MAX_OCCURRENCES)
  if (occurrences.length === 0) throw new RecurrenceError('yields no occurrences')
  return occurrences
}
