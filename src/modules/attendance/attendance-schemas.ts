// Inputs for registrations, check-ins and head counts; every object is strict so unknown fields are refused.
import { z } from 'zod'
import { accommodations, attendanceRoles, attendanceStatuses } from '../../db/schema/index.ts'
import { consentsInput, contactInput, demographicsInput } from '../participants/participants-schemas.ts'
import { instant, languageTag, uuid } from '../shared/validation.ts'

const role = z.enum(attendanceRoles)

/** Someone registering themselves (the public form): who they are, how to reach them if they agree, and optionally demographics. */
export const selfRegistrationInput = z
  .strictObject({
    displayName: z.string().trim().min(1).max(200),
    contact: contactInput.optional(),
    preferredLanguage: languageTag.optional(),
    consents: consentsInput.default({ contact: false, dataUse: false }),
    demographics: demographicsInput.optional(),
    /** Accommodations asked for, from the event's list. */
    accommodations: z
      .array(z.enum(accommodations))
      .max(accommodations.length)
      .refine((list) => new Set(list).size === list.length, 'names an accommodation twice')
      .optional(),
    /** Anything else needed, in the registrant's words (staff read it; erased with the participant). */
    accommodationNote: z.string().trim().min(1).max(500).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.contact && !v.consents.contact) ctx.addIssue({ code: 'custom', path: ['consents', 'contact'], message: 'must be true to give a contact' })
  })

/** Staff (or a partner) registering a participant already on record. */
export const participantRegistrationInput = z.strictObject({ participantId: uuid, role: role.default('attendee') })

export const registrationInput = z.union([participantRegistrationInput, selfRegistrationInput])

export const checkInInput = z.strictObject({ participantId: uuid, role: role.optional() })

export const headCountInput = z.strictObject({
  count: z.int().min(0).max(1_000_000),
  countedAt: instant.optional(),
  note: z.string().trim().min(1).max(500).optional(),
})

export const registrationListQuery = z.strictObject({
  status: z.array(z.enum(attendanceStatuses)).max(attendanceStatuses.length).optional(),
  updatedSince: instant.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
})
export type RegistrationListQuery = z.output<typeof registrationListQuery>

/** A registrant's own request, with their code: replaces what they asked for before. */
export const accommodationRequestInput = z.strictObject({
  accommodations: z
    .array(z.enum(accommodations))
    .max(accommodations.length)
    .refine((list) => new Set(list).size === list.length, 'names an accommodation twice'),
  note: z.string().trim().min(1).max(500).nullable().optional(),
})
