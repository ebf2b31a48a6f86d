// Appends to the outbox: changes a later delivery (change feed, webhooks) sends on, written with the change itself.
import type { RequestContext } from '../../context.ts'
import { plannedInsert, type PlannedInsert } from '../../db/unit-of-work.ts'
import { outbox } from '../../db/schema/index.ts'

/** `payload` carries ids and versions only: the outbox leaves the process, so no personal data goes in. */
export type OutboxEntry = {
  agencyId: string | null
  entityType: string
  entityId: string
  action: string
  visibility: 'public' | 'agency'
  payload: { id: string; version?: number } & Record<string, string | number | boolean | null>
}

export function createOutboxRepository() {
  return {
    /** The entry as part of a unit of work (src/db/unit-of-work.ts). */
    planAppend(ctx: RequestContext, entry: OutboxEntry): PlannedInsert {
      return plannedInsert(outbox, { ...entry, requestId: ctx.requestId, occurredAt: ctx.clock.now() })
    },
  }
}
