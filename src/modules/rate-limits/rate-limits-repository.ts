// SQL for the rate-limit allowances every instance shares (an UNLOGGED table: src/db/schema/platform.ts).
import { sql } from 'drizzle-orm'
import type { Queryable } from '../../db/client.ts'
import { rateLimitAllowances } from '../../db/schema/index.ts'

/** What a take found: the window's total taken by every instance (this take included) and the milliseconds left in it. */
export type Taken = { taken: number; msLeft: number }

const rowsOf = <T>(result: unknown): T[] => ((result as { rows?: T[] }).rows ?? (result as T[]))

export function createRateLimitsRepository(db: Queryable) {
  return {
    /**
     * Takes `count` more requests of `key`'s allowance in the current window of `windowMs` (the database's clock, so
     * every instance agrees where windows start): one upsert, starting the count afresh when the window has moved on.
     */
    async take(key: string, windowMs: number, count: number): Promise<Taken> {
      const t = rateLimitAllowances
      const result = await db.execute(sql`with now as (select (extract(epoch from clock_timestamp()) * 1000)::bigint as ms)
        insert into ${t} as r (key, window_index, taken, ends_at_ms)
        select ${key}::text, now.ms / ${windowMs}::bigint, ${count}::int, (now.ms / ${windowMs}::bigint + 1) * ${windowMs}::bigint from now
        on conflict (key) do update set
          taken = case when r.window_index = excluded.window_index then r.taken + excluded.taken else excluded.taken end,
          window_index = excluded.window_index, ends_at_ms = excluded.ends_at_ms
        returning r.taken, r.ends_at_ms - (select ms from now) as ms_left`)
      const [row] = rowsOf<{ taken: number | string; ms_left: number | string }>(result)
      return { taken: Number(row!.taken), msLeft: Math.max(1, Number(row!.ms_left)) }
    },

    /** Removes the rows of windows that have ended. */
    async sweep(): Promise<void> {
      await db.execute(sql`delete from ${rateLimitAllowances} where ends_at_ms < (extract(epoch from clock_timestamp()) * 1000)::bigint`)
    },
  }
}
export type RateLimitsRepository = ReturnType<typeof createRateLimitsRepository>
