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
     * Takes `count` more requests of `key`'s allowance in its current window of `windowMs`: one upsert, starting a
     * window afresh (from the database's clock, so every instance agrees) when the key has none or its window has ended.
     * Windows start at a key's first take, not on the clock's minutes: no caller's run straddles a boundary it did not start.
     */
    async take(key: string, windowMs: number, count: number): Promise<Taken> {
      const t = rateLimitAllowances
      const result = await db.execute(sql`with now as (select (extract(epoch from clock_timestamp()) * 1000)::bigint as ms)
        insert into ${t} as r (key, taken, ends_at_ms)
        select ${key}::text, ${count}::int, now.ms + ${windowMs}::bigint from now
        on conflict (key) do update set
          taken = case when r.ends_at_ms > (select ms from now) then r.taken + excluded.taken else excluded.taken end,
          ends_at_ms = case when r.ends_at_ms > (select ms from now) then r.ends_at_ms else excluded.ends_at_ms end
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
