// Inputs for the procedural-justice survey; strict, so nothing beyond the four scores, a language and the token can be sent.
import { z } from 'zod'
import { ageBands, genders, raceEthnicities } from '../../db/schema/people.ts'
import { languageTag } from '../shared/validation.ts'

const score = z.int().min(1).max(5)
const answered = (v: { dignity?: number; voice?: number; neutrality?: number; trust?: number }) => [v.dignity, v.voice, v.neutrality, v.trust].some((s) => s !== undefined)
const atLeastOne = 'answer at least one of dignity, voice, neutrality, trust'
/** Voluntary demographics of an answer, each optional (prefer_not_to_say allowed): the codes of the population margins it is weighted to. */
const demographics = { ageBand: z.enum(ageBands).optional(), gender: z.enum(genders).optional(), raceEthnicity: z.enum(raceEthnicities).optional() }

/** The four procedural-justice principles, 1 (not at all) to 5 (fully); each optional, at least one answered. */
export const surveyScores = z.strictObject({ dignity: score.optional(), voice: score.optional(), neutrality: score.optional(), trust: score.optional(), ...demographics }).refine(answered, atLeastOne)

/** An event's survey: the scores and the one-time token handed out at registration, check-in or follow-up. */
export const surveyResponseInput = z
  .strictObject({ token: z.string().max(200).optional(), dignity: score.optional(), voice: score.optional(), neutrality: score.optional(), trust: score.optional(), language: languageTag.optional(), ...demographics })
  .refine(answered, atLeastOne)

export const surveyListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
})
