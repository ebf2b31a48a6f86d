// A second guard under the services' own agency checks: reads of personal data run as the role
// engagement_agency_scope (migration 0008), for which PostgreSQL row-level security shows only one agency's rows.
import { sql } from 'drizzle-orm'
import type { Db, Queryable } from './client.ts'

const scopeAvailable = new WeakMap<Db, Promise<boolean>>()

/** Whether this connection may take the scope role (a deployment whose migration could not create it runs without). */
function available(db: Db): Promise<boolean> {
  let known = scopeAvailable.get(db)
  if (!known) {
    known = db
      .execute(sql`SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'engagement_agency_scope') AND pg_has_role(current_user, 'engagement_agency_scope', 'MEMBER') AS ok`)
      .then((r) => Boolean((r as unknown as { rows: { ok: boolean }[] }).rows[0]?.ok))
    scopeAvailable.set(db, known)
  }
  return known
}

/** Runs fn in a transaction that can see only `agencyId`'s rows of participants, their demographics and attendance. */
export async function inAgencyScope<T>(db: Db, agencyId: string, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  if (!(await available(db))) return fn(db)
  return db.transaction(async (tx) => {
    // Both settings are transaction-local (SET LOCAL), so the pooled connection is back to itself after COMMIT.
    await tx.execute(sql`SELECT set_config('app.agency_id', ${agencyId}, true), set_config('role', 'engagement_agency_scope', true)`)
    return fn(tx)
  })
}
