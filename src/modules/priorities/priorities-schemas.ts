// Inputs the priorities service accepts; every object is strict so unknown and read-only fields are refused.
import { z } from 'zod'
import { priorityModerations, priorityStatuses } from '../../db/schema/index.ts'
import { topicCode } from '../topics/topics-schemas.ts'
import { translations, uuid } from '../shared/validation.ts'
import { countFlag } from '../shared/pagination.ts'

const ids = (max: number, what: string) =>
  z
    .array(uuid)
    .max(max)
    .refine((list) => new Set(list).size === list.length, `names a ${what} twice`)

const slug = z.string().regex(/^[a-z0-9-]{1,63}$/, 'must be an agency slug')

const content = {
  statement: translations(1000),
  areaIds: ids(20, 'area'),
  topics: z
    .array(topicCode)
    .max(10)
    .refine((list) => new Set(list).size === list.length, 'names a topic twice'),
  feedbackIds: ids(500, 'feedback item'),
  decisionIds: ids(50, 'decision'),
  reportBackIds: ids(50, 'report-back'),
}

/** Staff may link the loop when proposing; partners and the public state the priority only. */
export const proposePriorityInput = z.strictObject({
  /** The agency the proposal is for (slug); signed-in callers may leave it out for their own. */
  agency: slug.optional(),
  statement: content.statement,
  areaIds: content.areaIds.optional(),
  topics: content.topics.optional(),
  feedbackIds: content.feedbackIds.optional(),
  decisionIds: content.decisionIds.optional(),
  reportBackIds: content.reportBackIds.optional(),
})

/** A PATCH by staff: fields present change; link lists replace the links; status changes through its own command. */
export const updatePriorityInput = z
  .strictObject({
    statement: content.statement.optional(),
    areaIds: content.areaIds.optional(),
    topics: content.topics.optional(),
    moderation: z.enum(priorityModerations).optional(),
    feedbackIds: content.feedbackIds.optional(),
    decisionIds: content.decisionIds.optional(),
    reportBackIds: content.reportBackIds.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'must change at least one field')

export const priorityStatusInput = z
  .strictObject({
    status: z.enum(priorityStatuses),
    /** Why it was declined: published with it, required to decline and given only then. */
    reason: translations(2000).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.status === 'declined' && !v.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is required to decline a priority: it is published with it' })
    if (v.reason && v.status !== 'declined') ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is given only to decline' })
  })

/** A named endorsement: a partner's token names its organization; staff recording one name it. The public send nothing. */
export const endorsePriorityInput = z.strictObject({
  organizationId: uuid.optional(),
  note: translations(1000).optional(),
})

export const prioritySorts = ['recent', 'endorsements'] as const
export const priorityListQuery = z.strictObject({
  agency: slug.optional(),
  status: z.array(z.enum(priorityStatuses)).max(priorityStatuses.length).optional(),
  areaId: z.array(uuid).max(50).optional(),
  topic: z.array(topicCode).max(20).optional(),
  sort: z.enum(prioritySorts).default('recent'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  count: countFlag,
  cursor: z.string().max(500).optional(),
})
