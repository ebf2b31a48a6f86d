// The shape of a participant for those who may see one. The contact is in it only when a staff member stated a purpose.
import type { ParticipantRow } from './participants-repository.ts'

/** Why the contact is, or is not, in a view: a clear signal instead of a silently missing field. */
export const contactVisibilities = ['shown', 'purpose_required', 'not_permitted', 'erased'] as const
export type ContactVisibility = (typeof contactVisibilities)[number]

export type ParticipantView = ReturnType<typeof participantView>

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** `visibility`: what the service decided about the contact for this caller and request. */
export function participantView(p: ParticipantRow, visibility: ContactVisibility) {
  const shown = visibility === 'shown'
  return {
    id: p.id,
    agencyId: p.agencyId,
    displayName: p.displayName,
    preferredLanguage: p.preferredLanguage,
    areaId: p.areaId,
    affiliation: p.affiliation,
    organizationId: p.organizationId,
    consents: {
      contact: { givenAt: iso(p.contactConsentAt), withdrawnAt: iso(p.contactConsentWithdrawnAt) },
      dataUse: { givenAt: iso(p.dataUseConsentAt), withdrawnAt: iso(p.dataUseConsentWithdrawnAt) },
    },
    contact: { visibility, email: shown ? (p.contact?.email ?? null) : null, phone: shown ? (p.contact?.phone ?? null) : null },
    erasedAt: iso(p.erasedAt),
    version: p.version,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
    deletedAt: iso(p.deletedAt),
  }
}
