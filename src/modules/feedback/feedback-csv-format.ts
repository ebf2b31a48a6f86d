// Feedback as de-identified CSV rows for analysts: who gave it (participant, anonymity) is never a column, and text is redacted.
import type { FeedbackView } from './feedback-view.ts'
import { redact } from './redact.ts'

// The body is the text the list shows this caller, redacted again so staff exports carry no contact details either.
const text = (s: string | null) => (s === null ? null : redact(s))

/** Column name → value; the order here is the column order of the export. */
const columns: Record<string, (f: FeedbackView) => string | number | null> = {
  id: (f) => f.id,
  agencyId: (f) => f.agencyId,
  receivedAt: (f) => f.receivedAt,
  topic: (f) => f.topic,
  topicVocabularyVersion: (f) => f.topicVocabularyVersion,
  stance: (f) => f.stance,
  channel: (f) => f.channel,
  status: (f) => f.status,
  statusReason: (f) => text(f.statusReason),
  visibility: (f) => f.visibility,
  eventId: (f) => f.eventId,
  areaId: (f) => f.areaId,
  organizationId: (f) => f.organizationId,
  bodyLanguage: (f) => f.bodyLanguage,
  body: (f) => text(f.body),
  acknowledgedAt: (f) => f.acknowledgedAt,
  decidedAt: (f) => f.decidedAt,
  reportedBackAt: (f) => f.reportedBackAt,
  updatedAt: (f) => f.updatedAt,
  // Set on tombstones, which an export with updatedSince includes (as the list does).
  deletedAt: (f) => f.deletedAt,
}

export const feedbackCsvColumns = Object.keys(columns)

export function feedbackCsvRecord(f: FeedbackView): (string | number | null)[] {
  return Object.values(columns).map((value) => value(f))
}
