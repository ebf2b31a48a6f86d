// One-time survey tokens: 256 random bits (base64url, 43 characters), handed out once and stored only as a SHA-256 hash.
import { hashOf, newTrackingCode, TRACKING_CODE_PATTERN } from '../follow-up/tracking-code.ts'

export const newSurveyToken = newTrackingCode
/** The hash a well-formed token is stored under; undefined for anything else (looked up no further). */
export const surveyTokenHash = (token: string): string | undefined => (TRACKING_CODE_PATTERN.test(token) ? hashOf(token) : undefined)

const DAY_MS = 86_400_000
/** The survey of an event takes answers from its start until `windowDays` after its end. */
export const surveyClosesAt = (endsAt: Date, windowDays: number): Date => new Date(endsAt.getTime() + windowDays * DAY_MS)
