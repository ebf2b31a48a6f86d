// Time-zone arithmetic with Temporal: instants are stored in UTC, shown with the offset of the agency's zone.
import { Temporal } from 'temporal-polyfill'

export function isTimeZone(tz: string): boolean {
  try {
    Temporal.Now.zonedDateTimeISO(tz)
    return true
  } catch {
    return false
  }
}

type YearOffsets = { startOffset: number; transitions: { at: number; offset: number }[] }
const yearOffsets = new Map<string, YearOffsets>()

/** A zone's offset (ns) at the start of a UTC year and every transition in it: one Temporal walk per zone and year. */
function offsetsOfYear(timeZone: string, year: number): YearOffsets {
  const key = `${timeZone}|${year}`
  let found = yearOffsets.get(key)
  if (!found) {
    const end = Date.UTC(year + 1, 0, 1)
    let at = Temporal.Instant.fromEpochMilliseconds(Date.UTC(year, 0, 1)).toZonedDateTimeISO(timeZone)
    found = { startOffset: at.offsetNanoseconds, transitions: [] }
    for (let next = at.getTimeZoneTransition('next'); next && next.epochMilliseconds < end; next = at.getTimeZoneTransition('next')) {
      found.transitions.push({ at: next.epochMilliseconds, offset: next.offsetNanoseconds })
      at = next
    }
    if (yearOffsets.size > 10_000) yearOffsets.clear()
    yearOffsets.set(key, found)
  }
  return found
}

/** The zone's UTC offset in minutes at an instant, or undefined when it is not whole minutes (historic local mean time). */
function offsetMinutes(ms: number, timeZone: string): number | undefined {
  const { startOffset, transitions } = offsetsOfYear(timeZone, new Date(ms).getUTCFullYear())
  let ns = startOffset
  for (const t of transitions) if (t.at <= ms) ns = t.offset
  return ns % 60e9 === 0 ? ns / 60e9 : undefined
}

/** ISO 8601 with the zone's offset at that instant, e.g. 2026-03-10T18:30:00-05:00. */
export function toOffsetIso(instant: Date, timeZone: string): string {
  const ms = instant.getTime()
  const minutes = offsetMinutes(ms, timeZone)
  if (minutes === undefined)
    return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timeZone).toString({ timeZoneName: 'never', smallestUnit: 'second' })
  const abs = Math.abs(minutes)
  const sign = minutes < 0 ? '-' : '+'
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
  return new Date(ms + minutes * 60_000).toISOString().slice(0, 19) + offset
}

/** Local wall-clock "YYYY-MM-DDTHH:mm" of an instant in a zone. */
export function toLocal(instant: Date, timeZone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(instant.getTime())
    .toZonedDateTimeISO(timeZone)
    .toPlainDateTime()
    .toString({ smallestUnit: 'minute' })
}

/** The instant of a local wall-clock time; a time skipped or repeated by DST resolves as RFC 5545 §3.3.5 says. */
export function localToInstant(local: string, timeZone: string): Date {
  const zdt = Temporal.PlainDateTime.from(local, { overflow: 'reject' }).toZonedDateTime(timeZone, { disambiguation: 'compatible' })
  return new Date(zdt.epochMilliseconds)
}
