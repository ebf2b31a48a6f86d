// Inputs the liaisons service accepts; every object is strict so unknown fields are refused.
import { z } from 'zod'
import { liaisonKinds, liaisonRoles, liaisonStatuses } from '../../db/schema/index.ts'
import { languageTag, uuid } from '../shared/validation.ts'
import { consentsInput, contactInput, contactPurpose } from '../participants/participants-schemas.ts'
import { countFlag } from '../shared/pagination.ts'

const community = z.string().trim().min(1).max(100)
const fields = {
  displayName: z.string().trim().min(1).max(200),
  kind: z.enum(liaisonKinds, { error: `must be one of ${liaisonKinds.join(', ')}` }),
  listedByName: z.boolean(),
  areaIds: z.array(uuid).max(50),
  languages: z.array(languageTag).max(20),
  communities: z.array(community).max(20),
  organizationIds: z.array(uuid).max(20),
}

/** A contact may be kept only with consent to be contacted. */
const contactNeedsConsent = (v: { contact?: unknown; consents?: { contact: boolean } }, ctx: z.RefinementCtx) => {
  if (v.contact && !v.consents?.contact) ctx.addIssue({ code: 'custom', path: ['consents', 'contact'], message: 'must be true to keep a contact' })
}

export const proposeLiaisonInput = z
  .strictObject({
    displayName: fields.displayName,
    kind: fields.kind,
    listedByName: fields.listedByName.default(false),
    areaIds: fields.areaIds.default([]),
    languages: fields.languages.default([]),
    communities: fields.communities.default([]),
    organizationIds: fields.organizationIds.default([]),
    contact: contactInput.optional(),
    consents: consentsInput.pick({ contact: true }).default({ contact: false }),
  })
  .superRefine(contactNeedsConsent)
export type ProposeLiaisonInput = z.output<typeof proposeLiaisonInput>

/** A PATCH: fields present are changed; a null contact removes it (as withdrawing consent does). */
export const updateLiaisonInput = z
  .strictObject({
    displayName: fields.displayName.optional(),
    kind: fields.kind.optional(),
    listedByName: fields.listedByName.optional(),
    areaIds: fields.areaIds.optional(),
    languages: fields.languages.optional(),
    communities: fields.communities.optional(),
    organizationIds: fields.organizationIds.optional(),
    contact: contactInput.nullable().optional(),
    /** Consent to be contacted: true gives it now, false withdraws it and the contact is not kept. */
    consents: z.strictObject({ contact: z.boolean() }).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'must change at least one field')
export type UpdateLiaisonInput = z.output<typeof updateLiaisonInput>

export const liaisonStatusInput = z.strictObject({ status: z.enum(['confirmed', 'declined'], { error: 'must be confirmed or declined' }) })

export const liaisonLinksInput = z.strictObject({
  events: z.array(z.strictObject({ eventId: uuid, role: z.enum(liaisonRoles, { error: `must be one of ${liaisonRoles.join(', ')}` }) })).max(100).default([]),
  announcementIds: z.array(uuid).max(100).default([]),
})

export const liaisonListQuery = z.strictObject({
  agency: z.string().max(100).optional(),
  status: z.array(z.enum(liaisonStatuses)).max(3).optional(),
  kind: z.array(fields.kind).max(liaisonKinds.length).optional(),
  areaId: z.array(uuid).max(50).optional(),
  language: z.array(languageTag).max(20).optional(),
  purpose: contactPurpose.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  count: countFlag,
  cursor: z.string().max(500).optional(),
})
