// Inputs the feedback service accepts; every object is strict so unknown and read-only fields are refused.
import { z } from 'zod'
import { feedbackChannels, feedbackStatuses, feedbackVisibilities, stances } from '../../db/schema/index.ts'
import { surveyScores } from '../surveys/surveys-schemas.ts'
import { topicCode } from '../topics/topics-schemas.ts'
import { instant, languageTag, uuid } from '../shared/validation.ts'
import { countFlag } from '../shared/pagination.ts'

const slug = z.string().regex(/^[a-z0-9-]{1,63}$/, 'must be an agency slug')

/** How to reach the giver, if they ask to be contacted back. Personal data: stored apart, shown to staff only. */
export const contactInput = z
  .strictObject({
    displayName: z.string().trim().min(1).max(200).optional(),
    email: z.email({ error: 'must be an email address' }).max(320).optional(),
    phone: z.string().regex(/^\+?[0-9 ()\-.]{5,30}$/, 'must be a telephone number').optional(),
    preferredLanguage: languageTag.optional(),
    consentToContact: z.literal(true, { error: 'must be true: we contact people only with their consent' }),
  })
  .refine((c) => c.email || c.phone, { message: 'needs an email or a phone number', path: ['email'] })

export const submitFeedbackInput = z.strictObject({
  /** The agency the feedback is for (slug); signed-in callers may leave it out for their own. */
  agency: slug.optional(),
  body: z.string().trim().min(1).max(5000),
  language: languageTag,
  channel: z.enum(feedbackChannels).optional(),
  eventId: uuid.optional(),
  areaId: uuid.optional(),
  topic: topicCode,
  stance: z.enum(stances).optional(),
  /** When the community gave it; partners and staff may record feedback collected earlier. */
  receivedAt: instant.optional(),
  /** The giver asks for it to be published (after moderation, with contact details redacted). */
  publish: z.boolean().optional(),
  /** Staff entering feedback a partner collected name the organization; a partner's token names its own. */
  organizationId: uuid.optional(),
  contact: contactInput.optional(),
  /** Online-only feedback may carry the procedural-justice survey: kept as an anonymous response of its area and topic. */
  survey: surveyScores.optional(),
})
export type SubmitFeedbackInput = z.output<typeof submitFeedbackInput>

/** Staff re-classify: fields present change, null clears stance or area. */
export const classifyFeedbackInput = z
  .strictObject({ topic: topicCode.optional(), stance: z.enum(stances).nullable().optional(), areaId: uuid.nullable().optional() })
  .refine((v) => Object.keys(v).length > 0, 'must change at least one field')

const movable = feedbackStatuses.filter((s) => s !== 'received')
export const transitionInput = z
  .strictObject({
    to: z.enum(movable as [string, ...string[]]),
    note: z.string().trim().min(1).max(2000).optional(),
    /** Why it was declined (required to decline). */
    reason: z.string().trim().min(1).max(1000).optional(),
    /** To whom it was referred (required to refer). */
    referredTo: z.string().trim().min(1).max(300).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.to === 'declined' && !v.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is required to decline feedback' })
    if (v.to === 'referred' && !v.referredTo) ctx.addIssue({ code: 'custom', path: ['referredTo'], message: 'is required to refer feedback' })
    if (v.reason && v.to !== 'declined') ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is given only to decline' })
    if (v.referredTo && v.to !== 'referred') ctx.addIssue({ code: 'custom', path: ['referredTo'], message: 'is given only to refer' })
  })
export type TransitionInput = z.output<typeof transitionInput>

export const moderationInput = z
  .strictObject({
    action: z.enum(['publish', 'withhold']),
    /** An edited text to publish instead of the body; it is redacted too. */
    publishedBody: z.string().trim().min(1).max(5000).optional(),
    note: z.string().trim().min(1).max(2000).optional(),
  })
  .refine((v) => v.action === 'publish' || v.publishedBody === undefined, { message: 'is given only to publish', path: ['publishedBody'] })

export const feedbackListQuery = z.strictObject({
  agency: slug.optional(),
  status: z.array(z.enum(feedbackStatuses)).max(feedbackStatuses.length).optional(),
  topic: z.array(topicCode).max(20).optional(),
  stance: z.array(z.enum(stances)).max(stances.length).optional(),
  channel: z.array(z.enum(feedbackChannels)).max(feedbackChannels.length).optional(),
  visibility: z.array(z.enum(feedbackVisibilities)).max(feedbackVisibilities.length).optional(),
  areaId: z.array(uuid).max(50).optional(),
  eventId: z.array(uuid).max(50).optional(),
  organizationId: uuid.optional(),
  receivedFrom: instant.optional(),
  receivedTo: instant.optional(),
  q: z.string().trim().min(1).max(200).optional(),
  updatedSince: instant.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  count: countFlag,
  cursor: z.string().max(500).optional(),
})
export type FeedbackListQuery = z.output<typeof feedbackListQuery>
