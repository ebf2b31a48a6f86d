// Inputs the organizations service accepts; every object is strict so unknown fields are refused.
import { z } from 'zod'
import { organizationKinds, partnershipStatuses } from '../../db/schema/index.ts'
import { languageTag, uuid } from '../shared/validation.ts'
import { countFlag } from '../shared/pagination.ts'

const contactInput = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    email: z.email({ error: 'must be an email address' }).max(254).optional(),
    phone: z.string().regex(/^\+?[0-9 ()\-.]{5,30}$/, 'must be a telephone number').optional(),
  })
  .refine((c) => Object.keys(c).length > 0, 'needs a name, email or phone')

const fields = {
  name: z.string().trim().min(1).max(200),
  kind: z.enum(organizationKinds),
  areaIds: z.array(uuid).max(100),
  languages: z.array(languageTag).max(40),
  contact: contactInput,
  partnershipStatus: z.enum(partnershipStatuses),
}

export const createOrganizationInput = z.strictObject({
  name: fields.name,
  kind: fields.kind,
  areaIds: fields.areaIds.default([]),
  languages: fields.languages.default([]),
  contact: fields.contact.optional(),
  partnershipStatus: fields.partnershipStatus.default('active'),
})
export type CreateOrganizationInput = z.output<typeof createOrganizationInput>

/** A PATCH: fields present are changed; null clears the contact. */
export const updateOrganizationInput = z
  .strictObject({
    name: fields.name.optional(),
    kind: fields.kind.optional(),
    areaIds: fields.areaIds.optional(),
    languages: fields.languages.optional(),
    contact: fields.contact.nullable().optional(),
    partnershipStatus: fields.partnershipStatus.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'must change at least one field')
export type UpdateOrganizationInput = z.output<typeof updateOrganizationInput>

export const organizationListQuery = z.strictObject({
  agency: z.string().regex(/^[a-z0-9-]{1,63}$/).optional(),
  kind: z.array(z.enum(organizationKinds)).max(organizationKinds.length).optional(),
  areaId: z.array(uuid).max(50).optional(),
  language: z.array(languageTag).max(20).optional(),
  status: z.array(z.enum(partnershipStatuses)).max(partnershipStatuses.length).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  count: countFlag,
  cursor: z.string().max(500).optional(),
})
export type OrganizationListQuery = z.output<typeof organizationListQuery>
