/**
 * Rate limits counted across every instance on one database, without a statement per request: an instance takes a
 * slice of a key's allowance from PostgreSQL (one upsert, rate-limits-repository.ts) and spends it locally. Slices are
 * a sixteenth of what is left, so near the limit they shrink to one request and the shared total never passes the
 * limit; the cost is an undershoot: slices other instances hold unspent (at most (instances − 1) × (slice − 1)) are not
 * offered to this one. When PostgreSQL does not answer, each instance counts alone (fails open up to instances × limit)
 * until it answers again: refusing everyone while the database is away would turn an outage into a lockout.
 */
import type { Database } from '../../db/client.ts'
import type { Logger } from '../../context.ts'
import { createRepositories } from '../repositories.ts'
import type { Taken } from './rate-limits-repository.ts'

/** What a limiter learns of a key: requests counted in its window (this one included) and the milliseconds left in it. */
export type Allowance = { current: number; ttl: number }

/** A slice is this fraction of what is left of a key's allowance (at least one request). */
const SLICE_OF_REMAINING = 16
/** A take that has not answered within this long is given up: the request is counted locally instead. */
const TAKE_TIMEOUT_MS = 500
/** After a failed take, instances count alone this long before asking PostgreSQL again (no statement per request while it is down). */
const ALONE_MS = 1_000
/** Keys held in memory per instance; the oldest is dropped (with its unspent slice) past this. */
const KEYS = 10_000
const SWEEP_MS = 60_000

type Held = { endsAt: number; left: number; seen: number; exhausted: boolean; pending?: Promise<void> }

export type SharedAllowances = ReturnType<typeof createSharedAllowances>

/** `hash`: a keyed hash, so neither an address nor a principal is written to the database. */
export function createSharedAllowances({ database, hash, log }: { database: Database; hash: (key: string) => string; log?: Logger }) {
  const repo = createRepositories(database.background).rateLimits
  const held = new Map<string, Held>()
  const alone = new Map<string, { endsAt: number; count: number }>()
  let aloneUntil = 0
  let sweeper: NodeJS.Timeout | undefined
  /** Statements sent (takes), for tests and benchmarks that count what a request costs. */
  const stats = { takes: 0, requests: 0, alone: 0 }

  function countAlone(id: string, max: number, windowMs: number, now: number): Allowance {
    stats.alone++
    let c = alone.get(id)
    if (!c || now >= c.endsAt) alone.set(id, (c = { endsAt: now + windowMs, count: 0 }))
    c.count++
    if (alone.size > KEYS) alone.delete(alone.keys().next().value!)
    return { current: c.count, ttl: c.endsAt - now }
  }

  async function takeSlice(id: string, h: Held, max: number, windowMs: number): Promise<void> {
    const want = Math.max(1, Math.ceil((max - Math.min(h.seen, max)) / SLICE_OF_REMAINING))
    stats.takes++
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the rate-limit take timed out')), TAKE_TIMEOUT_MS)
      timer.unref()
    })
    let taken: Taken
    try {
      // A count is a write: on the primary even while a read is served from the replica.
      const take = () => repo.take(id, windowMs, want)
      taken = await Promise.race([database.replica ? database.replica.onPrimary(take) : take(), timeout])
    } finally {
      clearTimeout(timer)
    }
    h.endsAt = performance.now() + taken.msLeft
    h.seen = taken.taken
    // The slice's requests are numbered taken − want + 1 … taken; those past the limit are not ours to spend.
    h.left += Math.max(0, Math.min(want, max - (taken.taken - want)))
    h.exhausted = taken.taken >= max
  }

  const allowances = {
    stats,
    /**
     * Counts one request of `key` under `name` (a limiter) against `max` per `windowMs`. Synchronous while this
     * instance holds some of the key's allowance; a promise when it must take a slice first.
     */
    take(name: string, key: string, max: number, windowMs: number): Allowance | Promise<Allowance> {
      stats.requests++
      return spend(`${name}:${hash(key)}`, max, windowMs)
    },
    /** Sweeps ended windows from the table now and then (any instance may: the statement is idempotent). */
    start() {
      sweeper ??= setInterval(() => void repo.sweep().catch(() => {}), SWEEP_MS)
      sweeper.unref()
    },
    stop() {
      clearInterval(sweeper)
      sweeper = undefined
    },
  }

  function spend(id: string, max: number, windowMs: number): Allowance | Promise<Allowance> {
    const now = performance.now()
    let h = held.get(id)
    if (h && !h.pending && now >= h.endsAt) {
      held.delete(id)
      h = undefined
    }
    if (h && h.left > 0) {
      h.left--
      return { current: max - Math.max(0, max - h.seen) - h.left, ttl: h.endsAt - now }
    }
    if (h?.exhausted) return { current: max + 1, ttl: h.endsAt - now }
    if (now < aloneUntil) return countAlone(id, max, windowMs, now)
    if (!h) {
      h = { endsAt: Infinity, left: 0, seen: 0, exhausted: false }
      held.set(id, h)
      if (held.size > KEYS) held.delete(held.keys().next().value!)
    }
    const slice = h
    slice.pending ??= takeSlice(id, slice, max, windowMs)
      .catch((err: unknown) => {
        if (performance.now() >= aloneUntil) log?.warn({ err }, 'rate limits are not reaching the database; each instance counts alone for now')
        aloneUntil = performance.now() + ALONE_MS
        if (slice.left === 0) held.delete(id)
      })
      .finally(() => (slice.pending = undefined))
    return slice.pending.then(() => spend(id, max, windowMs))
  }
  return allowances
}
