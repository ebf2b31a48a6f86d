// The shape of a liaison. The public sees only non-personal fields (the name only when the liaison chose to be listed by
// name); the contact is in it only when a staff member stated a purpose.
import type { ContactVisibility } from '../participants/participant-view.ts'
import type { LiaisonRow } from './liaisons-repository.ts'

export type LiaisonView = ReturnType<typeof liaisonView>

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** `staffView`: the agency's staff (and a partner for a liaison it proposed) see the name and consent whatever the listing. */
/** `allLinks`: the agency's staff see links to drafts too. */
export function liaisonView(l: LiaisonRow, visibility: ContactVisibility, staffView: boolean, allLinks: boolean) {
  const shown = visibility === 'shown'
  return {
    id: l.id,
    agencyId: l.agencyId,
    displayName: staffView || l.listedByName ? l.displayName : null,
    kind: l.kind,
    listedByName: l.listedByName,
    status: l.status,
    areaIds: l.areaIds,
    languages: l.languages,
    communities: l.communities,
    organizationIds: l.organizationIds,
    proposedByOrganizationId: staffView ? l.proposedByOrganizationId : null,
    // Drafts the caller may not see are left out (staff see every link).
    events: l.events.filter((e) => allLinks || e.public).map(({ eventId, role }) => ({ eventId, role })),
    announcementIds: l.announcements.filter((a) => allLinks || a.public).map((a) => a.id),
    consents: { contact: { givenAt: staffView ? iso(l.contactConsentAt) : null } },
    contact: { visibility, email: shown ? (l.contact?.email ?? null) : null, phone: shown ? (l.contact?.phone ?? null) : null },
    erasedAt: iso(l.erasedAt),
    version: l.version,
    createdAt: l.createdAt.toISOString(),
    updatedAt: l.updatedAt.toISOString(),
  }
}
