// Every read of a participant's contact is recorded: who, when, which participant, which fields, and why.
import type { RequestContext } from '../../context.ts'
import type { Queryable } from '../../db/client.ts'
import { createAuditRepository } from '../audit/audit-repository.ts'
import type { ContactPurpose } from './participants-schemas.ts'
import type { ParticipantRow } from './participants-repository.ts'

/** One audit row per participant whose contact is about to be shown (erased ones have none to show). */
export async function recordContactReads(db: Queryable, ctx: RequestContext, rows: ParticipantRow[], purpose: ContactPurpose): Promise<void> {
  const read = rows.filter((r) => !r.erasedAt)
  if (read.length === 0 || ctx.actor.kind === 'public') return
  await createAuditRepository(db).recordMany(
    ctx,
    read.map((r) => ({
      agencyId: r.agencyId,
      action: 'participant.contact_read',
      entityType: 'participant',
      entityId: r.id,
      // Field names only, never their values.
      details: { purpose, fields: (['email', 'phone'] as const).filter((f) => r.contact?.[f]) },
    })),
    ctx.clock.now(),
  )
}
