// Inputs the report-backs service accepts; strict, so unknown and read-only fields are refused.
import { z } from 'zod'
import { publicationStates, reportBackAudiences, reportBackChannels } from '../../db/schema/index.ts'
import { httpsUrl, instant, languageTag, translations, uuid } from '../shared/validation.ts'
import { countFlag } from '../shared/pagination.ts'

export const recordReportBackInput = z.strictObject({
  decisionId: uuid,
  channel: z.enum(reportBackChannels),
  relayedAt: instant,
  eventId: uuid.optional(),
  languages: z.array(languageTag).max(20).optional(),
  audience: z.array(z.enum(reportBackAudiences)).max(reportBackAudiences.length).optional(),
  summary: translations(5000).optional(),
  url: httpsUrl.optional(),
  publication: z.enum(publicationStates).optional(),
  /** The feedback this relayed the outcome of; by default every item the decision answers. */
  feedbackIds: z
    .array(uuid)
    .max(1000)
    .refine((ids) => new Set(ids).size === ids.length, 'names a feedback item twice')
    .optional(),
})

export const reportBackListQuery = z.strictObject({
  agency: z.string().regex(/^[a-z0-9-]{1,63}$/).optional(),
  decisionId: uuid.optional(),
  eventId: uuid.optional(),
  channel: z.array(z.enum(reportBackChannels)).max(reportBackChannels.length).optional(),
  relayedFrom: instant.optional(),
  relayedTo: instant.optional(),
  updatedSince: instant.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  count: countFlag,
  cursor: z.string().max(500).optional(),
})
export type ReportBackListQuery = z.output<typeof reportBackListQuery>
