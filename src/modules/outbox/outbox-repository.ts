// Appends to the outbox: changes a later delivery (change feed, webhooks, subscriptions) sends on, written with the
// change itself; and reads it back in commit order.
import { sql } from 'drizzle-orm'
import type { RequestContext } from '../../context.ts'
import type { Queryable } from '../../db/client.ts'
import { plannedInsert, type PlannedInsert } from '../../db/unit-of-work.ts'
import { outbox } from '../../db/schema/index.ts'

/** `payload` carries ids and versions only: the outbox leaves the process, so no personal data goes in. */
export type OutboxEntry = {
  agencyId: string | null
  entityType: string
  entityId: string
  /** The change's type, e.g. event.cancelled (the audit trail's action). */
  action: string
  visibility: 'public' | 'agency'
  payload: { id: string; version?: number } & Record<string, string | number | boolean | null>
}

/** A position in commit order: the writing transaction, then the row. */
export type OutboxPosition = { tx: string; id: number }
export type OutboxRow = Omit<OutboxEntry, 'payload'> & { payload: Record<string, unknown>; id: number; tx: string; occurredAt: Date; requestId: string | null }

export function createOutboxRepository(db: Queryable) {
  return {
    /** The entry as part of a unit of work (src/db/unit-of-work.ts). */
    planAppend(ctx: RequestContext, entry: OutboxEntry): PlannedInsert {
      return plannedInsert(outbox, { ...entry, requestId: ctx.requestId, occurredAt: ctx.clock.now() })
    },

    /** The entry appended now: bind the repository to the change's transaction (repositories.on(tx)) so both commit together. */
    async append(ctx: RequestContext, entry: OutboxEntry): Promise<void> {
      await db.insert(outbox).values({ ...entry, requestId: ctx.requestId, occurredAt: ctx.clock.now() })
    },

    /**
     * Rows after `after` (the start when undefined) in (tx, id) order, only from transactions older than every one still
     * running: a transaction that commits later always has a larger tx, so a reader that moves its position on never skips one.
     */
    async readCommitted(after: OutboxPosition | undefined, limit: number): Promise<OutboxRow[]> {
      const from = after === undefined ? sql`true` : sql`(${outbox.tx}, ${outbox.id}) > (${after.tx}::xid8, ${after.id})`
      return db
        .select({
          id: outbox.id,
          tx: sql<string>`${outbox.tx}::text`,
          agencyId: outbox.agencyId,
          entityType: outbox.entityType,
          entityId: outbox.entityId,
          action: outbox.action,
          visibility: outbox.visibility,
          payload: outbox.payload,
          requestId: outbox.requestId,
          occurredAt: outbox.occurredAt,
        })
        .from(outbox)
        .where(sql`${from} and ${outbox.tx} < pg_snapshot_xmin(pg_current_snapshot())`)
        .orderBy(outbox.tx, outbox.id)
        .limit(limit)
    },
  }
}
