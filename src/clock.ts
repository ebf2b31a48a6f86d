// Domain time is an input: services ask the clock in their context, so a test or a seed can say what "now" is.

export type Clock = { now(): Date }

/** The wall clock: what a running server uses. */
export const systemClock: Clock = { now: () => new Date() }

/** A clock that reads `anchor` when made and then moves with real time, so timestamps still advance (seeds, tests). */
export function clockFrom(anchor: Date): Clock {
  // performance.now() is monotonic: a step of the wall clock does not move this clock back.
  const startedAt = performance.now()
  const at = anchor.getTime()
  return { now: () => new Date(at + Math.floor(performance.now() - startedAt)) }
}
