// Inputs the topics service accepts; strict, so unknown fields are refused.
import { z } from 'zod'
import { translations } from '../shared/validation.ts'

export const topicCode = z.string().regex(/^[a-z][a-z0-9_]{1,62}$/, 'must be a lowercase topic code such as street_lighting')

export const addTopicInput = z.strictObject({
  code: topicCode,
  label: translations(200),
  description: translations(2000).optional(),
})

export const topicListQuery = z.strictObject({
  agency: z.string().regex(/^[a-z0-9-]{1,63}$/).optional(),
})
