// TEMPORARY placeholder (replaced by helper).
import type { Database } from '../db/client.ts'
export async function seedDemo(_database: Database, _opts: { onlyIfEmpty: boolean }): Promise<{ slug: string } | undefined> {
  return undefined
}
