// The tests' time: the app, tokens and fixtures all read a clock anchored at TEST_NOW, so no test depends on the calendar day.
import { clockFrom, type Clock } from '../../src/clock.ts'

/** "Now" for every test: dates in 2026 before it are the past, 2027 is the future. */
export const TEST_NOW = '2026-12-04T15:00:00Z'

/** Reads TEST_NOW when the test file starts, then ticks with real time (timestamps still advance within a test). */
export const testClock: Clock = clockFrom(new Date(TEST_NOW))

const DAY_MS = 86_400_000
/** The date `days` after TEST_NOW (YYYY-MM-DD): a test's "future" written relative to its now, never as a calendar year. */
export const dateAfterNow = (days: number) => new Date(Date.parse(TEST_NOW) + days * DAY_MS).toISOString().slice(0, 10)
/** The second Tuesday (YYYY-MM-DD) of the month `months` after TEST_NOW's: the first meeting of a BYDAY=2TU rule. */
export function secondTuesdayAfterNow(months: number): string {
  const now = new Date(TEST_NOW)
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + months, 1))
  return `${month.toISOString().slice(0, 8)}${String(1 + ((2 - month.getUTCDay() + 7) % 7) + 7).padStart(2, '0')}`
}
