// List totals that stay cheap: count(*) over at most cap + 1 of a listing's rows, so a total never reads more than
// cap + 1 rows; past the cap the answer is the cap itself, flagged as an estimate (a lower bound: "at least").
import { sql, type SQL, type Subquery } from 'drizzle-orm'
import type { Queryable } from './client.ts'

/** A list's total as both doors answer it (REST's page envelope, GraphQL's connection). */
export type TotalCount = { totalCount: number; totalCountIsEstimate: boolean }

/** TOTAL_COUNT_CAP's default (config.ts). */
export const DEFAULT_TOTAL_COUNT_CAP = 10_000

/** The cap as a literal for a statement: a validated integer, never text from a request. */
export function countCap(cap: number): number {
  if (!Number.isInteger(cap) || cap < 1 || cap > 1_000_000) throw new Error(`not a count cap: ${cap}`)
  return cap
}

/** A count of at most cap + 1 rows as the total: exact up to the cap, else the cap flagged as an estimate. */
export function totalOf(counted: number, cap: number): TotalCount {
  return counted > cap ? { totalCount: cap, totalCountIsEstimate: true } : { totalCount: counted, totalCountIsEstimate: false }
}

/**
 * SQL for the capped count of `rows` (a listing's own FROM and WHERE, without cursor or limit), as one integer: to be
 * read with totalOf, or built into a larger statement (the read path's).
 */
export const cappedCountSql = (rows: SQL, cap: number) => sql`(SELECT count(*)::int FROM (${rows} LIMIT ${sql.raw(String(countCap(cap) + 1))}) counted)`

/**
 * The capped total of a listing: `rows` selects the listing's rows (any columns) under exactly the conditions its page
 * uses, without the cursor and without a limit (drizzle's builder, before .limit()).
 */
export async function cappedCount(db: Queryable, rows: { limit(n: number): { as(alias: string): Subquery } }, cap: number): Promise<TotalCount> {
  const counted = rows.limit(countCap(cap) + 1).as('counted')
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(counted)
  return totalOf(row?.n ?? 0, cap)
}
