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

/** ISO 8601 with the zone's offset at that instant, e.g. 2026-03-10T18:30:00-05:00. */
export function toOffsetIso(instant: Date, timeZone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(instant.getTime())
    .toZonedDateTimeISO(timeZone)
    .toString({ timeZoneName: 'never', smallestUnit: 'second' })
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
