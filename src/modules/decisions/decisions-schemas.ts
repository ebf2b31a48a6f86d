// Inputs the decisions service accepts; every object is strict so unknown and read-only fields are refused.
import { z } from 'zod'
import { decisionStatuses, publicationStates } from '../../db/schema/index.ts'
import { topicCode } from '../topics/topics-schemas.ts'
import { instant, translations, uuid } from '../shared/validation.ts'
import { countFlag } from '../shared/pagination.ts'

const ids = (max: number, what: string) =>
  z
    .array(uuid)
    .max(max)
    .refine((list) => new Set(list).size === list.length, `names a ${what} twice`)

const content = {
  title: translations(300),
  summary: translations(5000),
  rationale: translations(10_000),
  /** A role or body ("Chief of Police", "Community Advisory Board"), not a person's account. */
  decidedBy: z.string().trim().min(1).max(200),
  decidedAt: instant,
  areaId: uuid,
  topic: topicCode,
  feedbackIds: ids(500, 'feedback item'),
  eventIds: ids(50, 'event'),
  organizationIds: ids(20, 'organization'),
}

export const recordDecisionInput = z.strictObject({
  title: content.title,
  summary: content.summary.optional(),
  rationale: content.rationale.optional(),
  decidedBy: content.decidedBy.optional(),
  decidedAt: content.decidedAt.optional(),
  status: z.enum(decisionStatuses).optional(),
  publication: z.enum(publicationStates).optional(),
  areaId: content.areaId.optional(),
  topic: content.topic.optional(),
  feedbackIds: content.feedbackIds.optional(),
  eventIds: content.eventIds.optional(),
  organizationIds: content.organizationIds.optional(),
})
export type RecordDecisionInput = z.output<typeof recordDecisionInput>

/** A PATCH: fields present change, null clears; link lists replace the links; status changes only through updates. */
export const updateDecisionInput = z
  .strictObject({
    title: content.title.optional(),
    summary: content.summary.nullable().optional(),
    rationale: content.rationale.nullable().optional(),
    decidedBy: content.decidedBy.nullable().optional(),
    decidedAt: content.decidedAt.nullable().optional(),
    publication: z.enum(publicationStates).optional(),
    areaId: content.areaId.nullable().optional(),
    topic: content.topic.nullable().optional(),
    feedbackIds: content.feedbackIds.optional(),
    eventIds: content.eventIds.optional(),
    organizationIds: content.organizationIds.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'must change at least one field')
export type UpdateDecisionInput = z.output<typeof updateDecisionInput>

const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2027-03-10')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), { message: 'is not a real calendar date', abort: true })

export const progressUpdateInput = z.strictObject({
  status: z.enum(decisionStatuses),
  /** The day the progress happened (in the agency's calendar). */
  on: calendarDate,
  note: translations(2000).optional(),
})

export const decisionListQuery = z.strictObject({
  agency: z.string().regex(/^[a-z0-9-]{1,63}$/).optional(),
  status: z.array(z.enum(decisionStatuses)).max(decisionStatuses.length).optional(),
  topic: z.array(topicCode).max(20).optional(),
  areaId: z.array(uuid).max(50).optional(),
  eventId: z.array(uuid).max(50).optional(),
  organizationId: z.array(uuid).max(20).optional(),
  feedbackId: uuid.optional(),
  q: z.string().trim().min(1).max(200).optional(),
  updatedSince: instant.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  count: countFlag,
  cursor: z.string().max(500).optional(),
})
export type DecisionListQuery = z.output<typeof decisionListQuery>
