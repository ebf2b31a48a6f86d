// @fastify/rate-limit's store interface over the allowances every instance shares (src/modules/rate-limits).
import type { SharedAllowances } from '../modules/rate-limits/shared-allowances.ts'

type Callback = (err: Error | null, result?: { current: number; ttl: number }) => void
/** Options a limiter is made with; `storeName` names its count apart from the others' (the same key counts once per limiter). */
export type StoreOptions = { storeName?: string }

/** A store class for the plugin's `store` option: limiters made with createRateLimit name their count with `storeName`. */
export function sharedRateLimitStore(allowances: SharedAllowances) {
  return class SharedRateLimitStore {
    readonly name: string
    constructor(options: object = {}) {
      this.name = (options as StoreOptions).storeName ?? 'requests'
    }
    incr(key: string, cb: Callback, timeWindow: number, max: number): void {
      const taken = allowances.take(this.name, key, max, timeWindow)
      // Answered at once while this instance holds part of the key's allowance: no promise on the common path.
      if (!(taken instanceof Promise)) return cb(null, taken)
      taken.then((result) => cb(null, result), (err: Error) => cb(err))
    }
    child(options: object): SharedRateLimitStore {
      return new SharedRateLimitStore(options)
    }
  }
}
