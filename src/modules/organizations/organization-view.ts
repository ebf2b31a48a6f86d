// The public shape of an organization. The contact is private: it is in the view only for those who may see it.
import type { OrganizationRow } from './organizations-repository.ts'

/** Who is looking: their agency, whether they manage it (staff, admin), and the organization they speak for (partner). */
export type OrganizationViewer = { agencyId: string | null; manages: boolean; organizationId: string | null }

export const publicViewer: OrganizationViewer = { agencyId: null, manages: false, organizationId: null }

/** Staff and admins of the organization's agency, and the organization itself, may see its contact. */
export function seesContact(o: { id: string; agencyId: string }, viewer: OrganizationViewer): boolean {
  if (viewer.agencyId !== o.agencyId) return false
  return viewer.manages || viewer.organizationId === o.id
}

export type OrganizationView = ReturnType<typeof organizationView>

export function organizationView(o: OrganizationRow, viewer: OrganizationViewer) {
  const contact = seesContact(o, viewer) && o.contact ? { name: o.contact.name ?? null, email: o.contact.email ?? null, phone: o.contact.phone ?? null } : null
  return {
    id: o.id,
    agencyId: o.agencyId,
    name: o.name,
    kind: o.kind,
    areaIds: o.areaIds,
    languages: o.languages,
    contact,
    partnershipStatus: o.partnershipStatus,
    version: o.version,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
  }
}
