// Inputs for surveys after police contact: strict, so nothing beyond what the rules need can be sent (no names, no narrative).
import { z } from 'zod'
import { contactChannels, contactFlags, contactKinds } from '../../db/schema/index.ts'
import { instant, languageTag } from '../shared/validation.ts'

export const MAX_CONTACT_BATCH = 500

/** A batch: its items are read one by one, so a bad item is reported without failing the others. */
export const contactBatchInput = z.strictObject({
  contacts: z.array(z.unknown()).min(1, 'needs at least one contact event').max(MAX_CONTACT_BATCH, `holds at most ${MAX_CONTACT_BATCH} contact events; send more in further batches`),
})

/** One contact event from a CAD/RMS system. `id`: the incident or contact id, unique within the agency. */
export const contactEventInput = z.strictObject({
  id: z.string().trim().min(1).max(200),
  kind: z.enum(contactKinds),
  occurredAt: instant,
  /** The beat (or any area): its code or its id. */
  area: z.string().trim().min(1).max(100),
  channel: z.enum(contactChannels),
  /** The phone (E.164) for sms, the email for email. */
  address: z.string().max(320),
  language: languageTag,
  flags: z.array(z.enum(contactFlags)).max(contactFlags.length).default([]),
})
export type ContactEventInput = z.output<typeof contactEventInput>

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM')
const rate = z.number().min(0).max(1)

/** A change of the rules: what is left out keeps its value. */
export const contactRulesInput = z.strictObject({
  excludedFlags: z.array(z.enum(contactFlags)).max(contactFlags.length).optional(),
  delayMinutes: z.int().min(0).max(10_080).optional(),
  quietHours: z.strictObject({ start: clock, end: clock }).optional(),
  oncePerDays: z.int().min(0).max(3_650).optional(),
  maxAgeHours: z.int().min(1).max(8_760).optional(),
  windowDays: z.int().min(1).max(90).optional(),
  samplingRates: z.partialRecord(z.enum(contactKinds), rate).optional(),
  defaultRate: rate.optional(),
})

/** An opt-out by phone or email (exactly one), for the agency named by its slug. */
export const contactOptOutInput = z
  .strictObject({ agency: z.string().trim().min(1).max(100), phone: z.string().max(40).optional(), email: z.string().max(320).optional() })
  .refine((v) => (v.phone === undefined) !== (v.email === undefined), 'send exactly one of phone and email')

export const contactTokenOptOutInput = z.strictObject({ token: z.string().max(200) })

const score = z.int().min(1).max(5)

/** An answer through the invitation's link: the four scores (at least one), an optional comment, a language. */
export const contactAnswerInput = z
  .strictObject({
    token: z.string().max(200),
    dignity: score.optional(),
    voice: score.optional(),
    neutrality: score.optional(),
    trust: score.optional(),
    comment: z.string().trim().min(1).max(4_000).optional(),
    language: languageTag.optional(),
  })
  .refine((v) => [v.dignity, v.voice, v.neutrality, v.trust].some((s) => s !== undefined), 'answer at least one of dignity, voice, neutrality, trust')
