// Appends to the audit trail; the table refuses updates and deletes (see migration 0001).
import type { Queryable } from '../../db/client.ts'
import { plannedInsert, type PlannedInsert } from '../../db/unit-of-work.ts'
import { auditEvents } from '../../db/schema/index.ts'
import type { RequestContext } from '../../context.ts'

export type AuditEntry = {
  agencyId: string | null
  action: string
  entityType: string
  entityId: string | null
  details?: Record<string, unknown>
}

/** The audit row for `entry`, as `ctx`'s actor did it now. */
const rowOf = (ctx: RequestContext, entry: AuditEntry) => ({
  ...entry,
  actorKind: ctx.actor.kind,
  actorSubject: ctx.actor.kind === 'public' ? null : ctx.actor.subject,
  requestId: ctx.requestId,
  details: entry.details ?? {},
  at: ctx.clock.now(),
})

export function createAuditRepository(db: Queryable) {
  return {
    /** The entry as part of a unit of work (src/db/unit-of-work.ts), written in the same statement as the change. */
    planRecord(ctx: RequestContext, entry: AuditEntry): PlannedInsert {
      return plannedInsert(auditEvents, rowOf(ctx, entry))
    },

    async record(ctx: RequestContext, entry: AuditEntry): Promise<void> {
      await db.insert(auditEvents).values(rowOf(ctx, entry))
    },

    /** Several entries by the same actor at the same instant, in one statement. */
    async recordMany(ctx: RequestContext, entries: AuditEntry[], at: Date): Promise<void> {
      if (entries.length === 0) return
      const actorSubject = ctx.actor.kind === 'public' ? null : ctx.actor.subject
      await db.insert(auditEvents).values(entries.map((entry) => ({ ...entry, actorKind: ctx.actor.kind, actorSubject, requestId: ctx.requestId, details: entry.details ?? {}, at })))
    },
  }
}
