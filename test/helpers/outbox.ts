// The change feed reads only below the oldest transaction still writing, cluster-wide: on a PostgreSQL shared with other
// test files (or background work) a fresh row may be held back a moment. Tests wait for that before reading the feed.
import type { FileDatabase } from './database.ts'

/** Resolves once no outbox row is held back by a transaction still running (at most `timeoutMs`, then it fails). */
export async function outboxSettled(database: Pick<FileDatabase, 'raw'>, timeoutMs = 15_000): Promise<void> {
  for (const deadline = performance.now() + timeoutMs; performance.now() < deadline; ) {
    const [row] = await database.raw<{ n: number }>('select count(*)::int as n from outbox where tx >= pg_snapshot_xmin(pg_current_snapshot())')
    if (Number(row!.n) === 0) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`outbox rows were still held back by a running transaction after ${timeoutMs} ms`)
}
