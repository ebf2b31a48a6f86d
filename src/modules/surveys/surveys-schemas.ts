// Inputs for the post-event survey; strict, so nothing beyond the four scores and a language can be sent.
import { z } from 'zod'
import { languageTag } from '../shared/validation.ts'

const score = z.int().min(1).max(5)

/** The four procedural-justice principles, 1 (not at all) to 5 (fully); each optional, at least one answered. */
export const surveyResponseInput = z
  .strictObject({ dignity: score.optional(), voice: score.optional(), neutrality: score.optional(), trust: score.optional(), language: languageTag.optional() })
  .refine((v) => [v.dignity, v.voice, v.neutrality, v.trust].some((s) => s !== undefined), 'answer at least one of dignity, voice, neutrality, trust')

export const surveyListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
})
