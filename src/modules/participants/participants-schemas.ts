// Inputs the participants service accepts; every object is strict so unknown fields are refused.
import { z } from 'zod'
import { ageBands, disabilityStatuses, faiths, genders, incomeBands, occupations, raceEthnicities, sexualOrientations } from '../../db/schema/index.ts'
import { instant, languageTag, uuid } from '../shared/validation.ts'
import { countFlag } from '../shared/pagination.ts'

/** Why a staff member reads a participant's contact; each read is audited with it. */
export const contactPurposes = ['report_back', 'event_logistics', 'follow_up_on_feedback', 'safeguarding', 'data_subject_request'] as const
export type ContactPurpose = (typeof contactPurposes)[number]
export const contactPurpose = z.enum(contactPurposes, { error: `must be one of ${contactPurposes.join(', ')}` })

export const contactInput = z
  .strictObject({
    email: z.email({ error: 'must be an email address' }).max(254).optional(),
    phone: z.string().regex(/^\+?[0-9 ()\-.]{5,30}$/, 'must be a telephone number').optional(),
  })
  .refine((c) => c.email !== undefined || c.phone !== undefined, 'needs an email or a phone')

/** Consent as the person gave it: true records it now; it is withdrawn with the withdraw-consent command. */
export const consentsInput = z.strictObject({ contact: z.boolean().default(false), dataUse: z.boolean().default(false) })

const fields = {
  displayName: z.string().trim().min(1).max(200),
  preferredLanguage: languageTag,
  areaId: uuid,
  affiliation: z.string().trim().min(1).max(200),
  organizationId: uuid,
}

/** A contact may be kept only with consent to be contacted. */
const contactNeedsConsent = (v: { contact?: unknown; consents?: { contact: boolean } }, ctx: z.RefinementCtx) => {
  if (v.contact && !v.consents?.contact) ctx.addIssue({ code: 'custom', path: ['consents', 'contact'], message: 'must be true to keep a contact' })
}

export const createParticipantInput = z
  .strictObject({
    displayName: fields.displayName,
    contact: contactInput.optional(),
    preferredLanguage: fields.preferredLanguage.optional(),
    consents: consentsInput.default({ contact: false, dataUse: false }),
    areaId: fields.areaId.optional(),
    affiliation: fields.affiliation.optional(),
    organizationId: fields.organizationId.optional(),
  })
  .superRefine(contactNeedsConsent)
export type CreateParticipantInput = z.output<typeof createParticipantInput>

/** A PATCH: fields present are changed, null clears an optional one. Consent changes go through their own commands. */
export const updateParticipantInput = z
  .strictObject({
    displayName: fields.displayName.optional(),
    contact: contactInput.nullable().optional(),
    preferredLanguage: fields.preferredLanguage.nullable().optional(),
    areaId: fields.areaId.nullable().optional(),
    affiliation: fields.affiliation.nullable().optional(),
    organizationId: fields.organizationId.nullable().optional(),
    /** Giving consent (true); withdrawing is the withdraw-consent command. */
    consents: z.strictObject({ contact: z.literal(true).optional(), dataUse: z.literal(true).optional() }).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'must change at least one field')
export type UpdateParticipantInput = z.output<typeof updateParticipantInput>

export const withdrawConsentInput = z
  .strictObject({ contact: z.boolean().default(false), dataUse: z.boolean().default(false) })
  .refine((v) => v.contact || v.dataUse, 'name the consent withdrawn: contact and/or dataUse')

/** Every answer optional; each list allows prefer_not_to_say. */
export const demographicsInput = z.strictObject({
  ageBand: z.enum(ageBands).nullable().optional(),
  gender: z.enum(genders).nullable().optional(),
  raceEthnicity: z.array(z.enum(raceEthnicities)).max(raceEthnicities.length).nullable().optional(),
  sexualOrientation: z.enum(sexualOrientations).nullable().optional(),
  faith: z.enum(faiths).nullable().optional(),
  disability: z.enum(disabilityStatuses).nullable().optional(),
  incomeBand: z.enum(incomeBands).nullable().optional(),
  occupation: z.enum(occupations).nullable().optional(),
})
export type DemographicsInput = z.output<typeof demographicsInput>

export const consentFilters = ['contact', 'data_use'] as const

export const participantListQuery = z.strictObject({
  areaId: z.array(uuid).max(50).optional(),
  language: z.array(languageTag).max(20).optional(),
  /** Only participants whose consent of each kind named is given and not withdrawn. */
  consent: z.array(z.enum(consentFilters)).max(2).optional(),
  organizationId: uuid.optional(),
  updatedSince: instant.optional(),
  purpose: contactPurpose.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  count: countFlag,
  cursor: z.string().max(500).optional(),
})
export type ParticipantListQuery = z.output<typeof participantListQuery>
