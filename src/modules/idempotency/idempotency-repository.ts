// SQL for idempotency keys; the claim and replay rules live in idempotency.ts.
import { and, eq, fillPlaceholders, lt, sql, type SQL } from 'drizzle-orm'
import { renderSql, type RenderedSql } from '../../db/render-sql.ts'
import type { Queryable } from '../../db/client.ts'
import { idempotencyKeys } from '../../db/schema/index.ts'

export type IdempotencyScope = { principal: string; operation: string; key: string }
export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect

let claim: RenderedSql | undefined
/** Named stand-ins for values, each as SQL (what an insert's values and an upsert's set both take). */
const placeholders = <K extends string>(names: K[]) => Object.fromEntries(names.map((n) => [n, sql`${sql.placeholder(n)}`])) as unknown as Record<K, SQL>

export function createIdempotencyRepository(db: Queryable) {
  const match = (scope: IdempotencyScope) =>
    and(eq(idempotencyKeys.principal, scope.principal), eq(idempotencyKeys.operation, scope.operation), eq(idempotencyKeys.key, scope.key))
  return {
    /** Forgets this scope's key if it was created before `before`. */
    async deleteExpired(scope: IdempotencyScope, before: Date): Promise<void> {
      await db.delete(idempotencyKeys).where(and(match(scope), lt(idempotencyKeys.createdAt, before)))
    },

    /** Inserts the key unless it exists; the id when this call inserted it. */
    async insertIfAbsent(scope: IdempotencyScope, requestHash: string, createdAt: Date): Promise<string | undefined> {
      const [claimed] = await db
        .insert(idempotencyKeys)
        .values({ ...scope, requestHash, createdAt })
        .onConflictDoNothing({ target: [idempotencyKeys.principal, idempotencyKeys.operation, idempotencyKeys.key] })
        .returning({ id: idempotencyKeys.id })
      return claimed?.id
    },

    /**
     * The claim as a unit of work's gate: inserts the key already naming the resource about to be created, or takes over
     * the key if it expired before `expiredBefore`; yields a row only when this request claimed it. A concurrent claim of
     * the same key waits on the unique index until the first commits, then yields nothing.
     */
    claimGate(scope: IdempotencyScope, requestHash: string, resourceId: string, statusCode: number, createdAt: Date, expiredBefore: Date): RenderedSql {
      // Its text is the same for every create: rendered once, with each request's values put in its place.
      // (renderSql hands statements with placeholders to drizzle's own renderer.)
      claim ??= renderSql(
        db
          .insert(idempotencyKeys)
          .values(placeholders(['principal', 'operation', 'key', 'requestHash', 'resourceId', 'statusCode', 'createdAt']))
          .onConflictDoUpdate({
            target: [idempotencyKeys.principal, idempotencyKeys.operation, idempotencyKeys.key],
            set: placeholders(['requestHash', 'resourceId', 'statusCode', 'createdAt']),
            setWhere: lt(idempotencyKeys.createdAt, sql.placeholder('expiredBefore')),
          })
          .returning({ id: idempotencyKeys.id })
          .getSQL(),
      )
      // Placeholders are not mapped by their column: times go as the driver would send them.
      const values = { ...scope, requestHash, resourceId, statusCode, createdAt: createdAt.toISOString(), expiredBefore: expiredBefore.toISOString() }
      return { sql: claim.sql, params: fillPlaceholders(claim.params, values) }
    },

    async complete(id: string, resourceId: string, statusCode: number): Promise<void> {
      await db.update(idempotencyKeys).set({ resourceId, statusCode }).where(eq(idempotencyKeys.id, id))
    },

    async find(scope: IdempotencyScope): Promise<IdempotencyKeyRow | undefined> {
      const [row] = await db.select().from(idempotencyKeys).where(match(scope)).limit(1)
      return row
    },

    async purgeCreatedBefore(before: Date): Promise<void> {
      await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before))
    },
  }
}
