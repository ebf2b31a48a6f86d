// The feedback lifecycle: which status may follow which, and the milestones each first reaches.
import { feedbackStatuses } from '../../db/schema/index.ts'

export type FeedbackStatus = (typeof feedbackStatuses)[number]

/** received → acknowledged → under_review → addressed / declined / referred → reported_back. Steps may be skipped forward, never back. */
export const nextStatuses: Record<FeedbackStatus, FeedbackStatus[]> = {
  received: ['acknowledged', 'under_review', 'addressed', 'declined', 'referred'],
  acknowledged: ['under_review', 'addressed', 'declined', 'referred'],
  under_review: ['addressed', 'declined', 'referred'],
  addressed: ['reported_back'],
  declined: ['reported_back'],
  referred: ['reported_back'],
  reported_back: [],
}

export const canMove = (from: FeedbackStatus, to: FeedbackStatus) => nextStatuses[from].includes(to)

/** Which statuses may move to `to` (for batch moves: decisions address, report-backs report back). */
export const statusesBefore = (to: FeedbackStatus): FeedbackStatus[] => feedbackStatuses.filter((s) => canMove(s, to))

/** The outcome statuses: reaching one fills decided_at. */
export const outcomes: FeedbackStatus[] = ['addressed', 'declined', 'referred']

export function transitionRefusal(from: FeedbackStatus, to: FeedbackStatus): string {
  const allowed = nextStatuses[from]
  return `A ${from} feedback item cannot move to ${to}; from ${from} it may move to: ${allowed.length ? allowed.join(', ') : 'nothing (reported_back is final)'}`
}
