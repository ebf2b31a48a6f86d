// The tests' time: the app, tokens and fixtures all read a clock anchored at TEST_NOW, so no test depends on the calendar day.
import { clockFrom, type Clock } from '../../src/clock.ts'

/** "Now" for every test: dates in 2026 before it are the past, 2027 is the future. */
export const TEST_NOW = '2026-12-04T15:00:00Z'

/** Reads TEST_NOW when the test file starts, then ticks with real time (timestamps still advance within a test). */
export const testClock: Clock = clockFrom(new Date(TEST_NOW))
