// Engagement rows written straight into the database (the services that write them are other modules' work),
// in bulk with generate_series so large groups cost one statement. Rows are stamped by the test clock, as the services
// stamp theirs, so the insights' change watermark (max updated_at) sees writes in order whatever the database's clock says.
import type { Database } from '../../src/db/client.ts'
import { testClock } from './clock.ts'

const stamp = () => testClock.now().toISOString()

export type EventSpec = { areaId: string | null; startsAt: string; timeZone?: string; format?: string; kind?: string; languages?: string[]; status?: string; headCount?: number; topics?: string[] }
export type Answers = Partial<Record<'age_band' | 'gender' | 'sexual_orientation' | 'faith' | 'disability' | 'income_band' | 'occupation', string>> & { race_ethnicity?: string[] }
export type FeedbackSpec = {
  topic?: string
  stance?: string | null
  channel?: string
  areaId?: string | null
  eventId?: string | null
  receivedAt: string
  status?: string
  acknowledgedAfterDays?: number
  decidedAfterDays?: number
  reportedBackAfterDays?: number
  /** When the row says it was written (default: the test clock's now); a survey comment is dated to its day. */
  updatedAt?: string
}

export async function addEvent(db: Database, agencyId: string, e: EventSpec): Promise<string> {
  const [row] = await db.raw<{ id: string }>(
    `insert into events (agency_id, title, kind, format, time_zone, area_id, languages, status, starts_at, ends_at, created_at, updated_at, topics)
     values ($1, '{"en":"Meeting"}', $2, $3, $4, $5, $6, $7, $8, $8::timestamptz + interval '90 minutes', $9, $9, $10) returning id`,
    [agencyId, e.kind ?? 'town_hall', e.format ?? 'in_person', e.timeZone ?? 'America/New_York', e.areaId, e.languages ?? ['en'], e.status ?? 'completed', e.startsAt, stamp(), e.topics ?? []],
  )
  if (e.headCount) await db.raw(`insert into event_head_counts (agency_id, event_id, count, counted_at, created_at, updated_at) values ($1, $2, $3, $4, $4, $4)`, [agencyId, row!.id, e.headCount, stamp()])
  return row!.id
}

/** n participants who attended the event, each with the given answers (none: no demographics row). */
export async function addAttendees(db: Database, agencyId: string, eventId: string, n: number, answers?: Answers): Promise<void> {
  if (n <= 0) return
  await db.raw(
    `with p as (insert into participants (agency_id, created_at, updated_at) select $1, $13, $13 from generate_series(1, $3) returning id),
          a as (insert into attendances (agency_id, event_id, participant_id, status, created_at, updated_at) select $1, $2, id, 'attended', $13, $13 from p returning participant_id)
     insert into participant_demographics (participant_id, agency_id, age_band, gender, race_ethnicity, sexual_orientation, faith, disability, income_band, occupation, created_at, updated_at)
     select participant_id, $1, $4, $5, $6, $7, $8, $9, $10, $11, $13, $13 from a where $12`,
    [agencyId, eventId, n, answers?.age_band ?? null, answers?.gender ?? null, answers?.race_ethnicity ?? null, answers?.sexual_orientation ?? null, answers?.faith ?? null, answers?.disability ?? null, answers?.income_band ?? null, answers?.occupation ?? null, answers !== undefined, stamp()],
  )
}

export async function addFeedback(db: Database, agencyId: string, n: number, f: FeedbackSpec): Promise<void> {
  if (n <= 0) return
  const after = (days: number | undefined) => (days === undefined ? null : days)
  await db.raw(
    `insert into feedback_items (agency_id, body, body_language, channel, event_id, area_id, topic_id, stance, status, received_at, acknowledged_at, decided_at, reported_back_at, created_at, updated_at)
     select $1, 'said something', 'en', $3, $4, $5, (select id from feedback_topics where agency_id is null and code = $6), $7, $8, $9::timestamptz,
            $9::timestamptz + make_interval(days => $10::int), $9::timestamptz + make_interval(days => $11::int), $9::timestamptz + make_interval(days => $12::int), $13, $13
     from generate_series(1, $2)`,
    [agencyId, n, f.channel ?? 'online_form', f.eventId ?? null, f.areaId ?? null, f.topic ?? 'community_safety', f.stance === undefined ? 'critical' : f.stance, f.status ?? 'received', f.receivedAt, after(f.acknowledgedAfterDays), after(f.decidedAfterDays), after(f.reportedBackAfterDays), f.updatedAt ?? stamp()],
  )
}

export async function addSurveys(db: Database, agencyId: string, eventId: string, n: number, scores: { dignity?: number | null; voice?: number | null; neutrality?: number | null; trust?: number | null }): Promise<void> {
  if (n <= 0) return
  await db.raw(
    `insert into survey_responses (agency_id, event_id, dignity, voice, neutrality, trust, created_at) select $1, $2, $4, $5, $6, $7, $8 from generate_series(1, $3)`,
    [agencyId, eventId, n, scores.dignity ?? null, scores.voice ?? null, scores.neutrality ?? null, scores.trust ?? null, stamp()],
  )
}

/**
 * A small agency story where every insight has published and suppressed figures: a big, well-attended town hall
 * in the north, a tiny one in the south, feedback large and small, surveys large and small.
 */
export async function insightStory(db: Database, agencyId: string, areas: { north: string; south: string }) {
  const big = await addEvent(db, agencyId, { areaId: areas.north, startsAt: '2026-02-10T23:30:00Z', kind: 'town_hall', format: 'hybrid', languages: ['en', 'es'], headCount: 60 })
  const small = await addEvent(db, agencyId, { areaId: areas.south, startsAt: '2026-02-12T14:00:00Z', kind: 'community_walk', format: 'in_person', headCount: 4 })
  const later = await addEvent(db, agencyId, { areaId: areas.north, startsAt: '2026-04-14T22:00:00Z', kind: 'listening_session', format: 'virtual' })
  await addAttendees(db, agencyId, big, 30, { age_band: 'age_25_34', gender: 'woman', race_ethnicity: ['hispanic_or_latino'], sexual_orientation: 'heterosexual', faith: 'christian', disability: 'no_disability', income_band: 'from_25k_to_50k', occupation: 'employed' })
  await addAttendees(db, agencyId, big, 14, { age_band: 'age_65_plus', gender: 'man', race_ethnicity: ['white', 'asian'] })
  await addAttendees(db, agencyId, big, 3)
  await addAttendees(db, agencyId, small, 5, { age_band: 'under_18' })
  await addAttendees(db, agencyId, later, 12, { gender: 'prefer_not_to_say' })
  // Feedback: a loud, well-handled topic in the north; a few items elsewhere.
  await addFeedback(db, agencyId, 25, { topic: 'agency_technology', stance: 'critical', channel: 'in_person', areaId: areas.north, eventId: big, receivedAt: '2026-02-10T23:45:00Z', status: 'reported_back', acknowledgedAfterDays: 2, decidedAfterDays: 20, reportedBackAfterDays: 30 })
  await addFeedback(db, agencyId, 15, { topic: 'agency_technology', stance: 'supportive', channel: 'in_person', areaId: areas.north, eventId: big, receivedAt: '2026-02-10T23:45:00Z', status: 'addressed', acknowledgedAfterDays: 5, decidedAfterDays: 40 })
  await addFeedback(db, agencyId, 12, { topic: 'community_safety', stance: 'critical', channel: 'online_form', areaId: areas.north, receivedAt: '2026-03-03T12:00:00Z', status: 'acknowledged', acknowledgedAfterDays: 1 })
  await addFeedback(db, agencyId, 3, { topic: 'community_safety', stance: 'neutral', channel: 'phone', areaId: areas.south, receivedAt: '2026-03-05T12:00:00Z', status: 'declined', acknowledgedAfterDays: 3 })
  await addFeedback(db, agencyId, 2, { topic: 'wellness', stance: null, channel: 'email', areaId: areas.south, receivedAt: '2026-03-07T12:00:00Z' })
  await addSurveys(db, agencyId, big, 20, { dignity: 4, voice: 3, neutrality: 4, trust: 3 })
  await addSurveys(db, agencyId, big, 5, { dignity: 5, voice: 5, neutrality: null, trust: 2 })
  await addSurveys(db, agencyId, small, 4, { dignity: 2, voice: 2, neutrality: 2, trust: 2 })
  await addSurveys(db, agencyId, later, 14, { dignity: 5, voice: 4, neutrality: 4, trust: 4 })
  return { big, small, later }
}

/** n online-only survey responses (carried by feedback without an event): of an area and topic, given at `givenAt`. */
export async function addOnlineSurveys(db: Database, agencyId: string, n: number, o: { areaId: string | null; topic: string; givenAt: string; trust?: number }): Promise<void> {
  if (n <= 0) return
  await db.raw(
    `insert into survey_responses (agency_id, event_id, area_id, topic_id, dignity, trust, created_at)
     select $1, null, $3, (select id from feedback_topics where agency_id is null and code = $4), 4, $5, $6 from generate_series(1, $2)`,
    [agencyId, n, o.areaId, o.topic, o.trust ?? 3, o.givenAt],
  )
}
