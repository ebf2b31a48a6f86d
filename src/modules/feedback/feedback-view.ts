// The shapes of a feedback item per caller: staff see it all, partners their own without the giver, analysts it
// de-identified, everyone else only the published (redacted) text.
import type { FeedbackRow } from './feedback-repository.ts'
import { redact } from './redact.ts'

/** Who is looking: their role, agency and organization (a partner's). */
export type FeedbackViewer = { kind: 'public' | 'partner' | 'analyst' | 'staff'; agencyId: string | null; organizationId: string | null }
export const publicFeedbackViewer: FeedbackViewer = { kind: 'public', agencyId: null, organizationId: null }

type Access = 'full' | 'collector' | 'deidentified' | 'published'

export function accessTo(f: Pick<FeedbackRow, 'agencyId' | 'organizationId'>, viewer: FeedbackViewer): Access {
  if (viewer.agencyId !== f.agencyId) return 'published'
  if (viewer.kind === 'staff') return 'full'
  if (viewer.kind === 'partner' && viewer.organizationId && viewer.organizationId === f.organizationId) return 'collector'
  if (viewer.kind === 'analyst') return 'deidentified'
  return 'published'
}

export type FeedbackView = ReturnType<typeof feedbackView>

/** `access` may be forced (the giver's own receipt after submitting shows their text back, nothing more). */
export function feedbackView(f: FeedbackRow, viewer: FeedbackViewer, access: Access = accessTo(f, viewer)) {
  const iso = (d: Date | null) => (d ? d.toISOString() : null)
  const gone = f.deletedAt !== null
  const body = gone ? null : access === 'full' || access === 'collector' ? f.body : access === 'deidentified' ? redact(f.body) : f.publishedBody
  return {
    id: f.id,
    agencyId: f.agencyId,
    /** The text this caller may read: the original, a redacted copy (analysts), or the published text. */
    body,
    bodyLanguage: f.bodyLanguage,
    publishedBody: gone ? null : f.publishedBody,
    channel: f.channel,
    eventId: f.eventId,
    areaId: f.areaId,
    topic: f.topicCode,
    topicVocabularyVersion: f.topicVocabularyVersion,
    stance: f.stance,
    // Whether a person is linked, and who, is for the agency's staff only.
    anonymous: access === 'full' ? f.participantId === null : null,
    participantId: access === 'full' ? f.participantId : null,
    organizationId: access === 'published' ? null : f.organizationId,
    visibility: f.visibility,
    status: f.status,
    statusReason: access === 'published' ? null : f.statusReason,
    receivedAt: f.receivedAt.toISOString(),
    acknowledgedAt: iso(f.acknowledgedAt),
    decidedAt: iso(f.decidedAt),
    reportedBackAt: iso(f.reportedBackAt),
    version: f.version,
    createdAt: f.createdAt.toISOString(),
    updatedAt: f.updatedAt.toISOString(),
    deletedAt: iso(f.deletedAt),
  }
}

export type TransitionView = ReturnType<typeof transitionView>

export function transitionView(t: { id: string; fromStatus: string | null; toStatus: string; at: Date; actorKind: string; actorSubject: string | null; note: string | null }) {
  return { id: t.id, from: t.fromStatus, to: t.toStatus, at: t.at.toISOString(), actorKind: t.actorKind, actorSubject: t.actorSubject, note: t.note }
}
