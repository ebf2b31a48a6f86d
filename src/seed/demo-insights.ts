// Volume for the demo's insights: last season's meetings with check-ins, head counts and surveys, a year of anonymous
// feedback with its lifecycle, and voluntary demographics, so every insight shows cells above the small-cell threshold.
// The story: the listening-session rotation reaches most neighbourhoods but not District 4 on weekend mornings; concern
// about speeding in District 1 keeps rising; body-worn camera feedback turns from critical to neutral after the policy
// decision; voice scores improve once listening sessions move to weekday evenings. Deterministic (seeded PRNG),
// written with batched inserts (the services would take minutes for this volume); every person is fictional and nameless.
import { redact } from '../modules/feedback/redact.ts'
import { randomUUID } from 'node:crypto'
import { and, eq, inArray, isNull, sql } from 'drizzle-orm'
import { Temporal } from 'temporal-polyfill'
import type { Db } from '../db/client.ts'
import {
  attendances,
  decisionFeedback,
  decisions,
  eventHeadCounts,
  events,
  feedbackItems,
  feedbackTopics,
  feedbackTransitions,
  participantDemographics,
  participants,
  reportBackFeedback,
  reportBacks,
  surveyResponses,
} from '../db/schema/index.ts'
import { localToInstant } from '../time.ts'
import { DEMO_TIME_ZONE, venues } from './demo-data.ts'

/** The body-worn camera decision doubles as the marker: when it exists, this volume is already loaded. */
export const BODY_CAMERA_DECISION = 'Body-worn camera policy adopted after public comment'
const SPEED_DECISION = 'Radar speed signs and directed enforcement on North Harbor Avenue'
/** Listening sessions met on Saturday mornings until this many months ago, then on Tuesday evenings. */
export const EVENINGS_SINCE_MONTHS_AGO = 6
/**
 * The feedback streams' last month, this many months ago. The months after it hold the demo loop's own feedback
 * (given at recent meetings, so in months 0–2 depending on the load date), whose small cells would otherwise make
 * the story's figures complements to withhold on some load dates and not on others.
 */
export const VOICE_LAST_MONTH_AGO = 3
/** The body-worn camera decision was taken early in the month this many months ago (the streams' seventh month). */
export const BODY_CAMERA_DECIDED_MONTHS_AGO = VOICE_LAST_MONTH_AGO + 5

type Insert<T extends { $inferInsert: unknown }> = T['$inferInsert']
type District = 'D1' | 'D2' | 'D3' | 'D4'
type Venue = (typeof venues)[keyof typeof venues]
const DISTRICTS: District[] = ['D1', 'D2', 'D3', 'D4']
const DAY = 86_400_000
const ACTOR = { actorKind: 'admin', actorSubject: 'demo-seed' } as const

/** mulberry32: a small, well-known 32-bit PRNG, so every load tells the same story. */
export function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1))
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!
  const weighted = <T extends string>(w: Partial<Record<T, number>>): T => {
    const entries = Object.entries(w) as [T, number][]
    let r = next() * entries.reduce((s, [, n]) => s + n, 0)
    for (const [k, n] of entries) if ((r -= n) < 0) return k
    return entries.at(-1)![0]
  }
  /** A 1–5 score around `mean`. */
  const score = (mean: number) => Math.min(5, Math.max(1, Math.round(mean + (next() + next() - 1) * 1.6)))
  return { next, int, pick, weighted, score }
}

type MeetingPlan = {
  kind: 'listening_session' | 'coffee_with_an_officer' | 'community_walk' | 'virtual_forum' | 'youth_event'
  title: Record<string, string>
  district: District | null
  beat: string | null
  venue: Venue | null
  date: Temporal.PlainDate
  time: string
  minutes: number
  format: 'in_person' | 'virtual'
  languages: string[]
  interpretation: string[]
  attendees: number
  walkIns: number
  /** Mean voice score on the survey (the other principles vary less). */
  voice: number
}

const rotation: Record<District, { beat: string; venue: Venue }[]> = {
  D1: [{ beat: 'D1-B11', venue: venues.northsideLibrary }, { beat: 'D1-B12', venue: venues.cornerGrind }],
  D2: [{ beat: 'D2-B21', venue: venues.mapleRec }, { beat: 'D2-B22', venue: venues.centralLibrary }],
  D3: [{ beat: 'D3-B31', venue: venues.stBrendans }, { beat: 'D3-B32', venue: venues.vietHall }],
  D4: [{ beat: 'D4-B42', venue: venues.lincolnSchool }, { beat: 'D4-B41', venue: venues.westviewYouth }],
}

/** The `nth` given weekday (1 = Monday) of the month `monthsAgo` months before today's. */
function nthWeekday(today: Temporal.PlainDate, monthsAgo: number, weekday: number, nth: number) {
  const first = today.with({ day: 1 }).subtract({ months: monthsAgo })
  return first.add({ days: ((weekday - first.dayOfWeek + 7) % 7) + 7 * (nth - 1) })
}

/** Last season: about forty held meetings over the twelve full months before this one. */
export function pastMeetingPlan(today: Temporal.PlainDate, seed = 7): MeetingPlan[] {
  const r = prng(seed)
  const out: MeetingPlan[] = []
  const languagesOf = (d: District | null) => (d === 'D3' ? ['en', 'vi'] : d === 'D4' || d === 'D2' ? ['en', 'es'] : ['en'])
  for (let k = 12; k >= 1; k--) {
    if (k >= 3) {
      // The series before this one: monthly, rotating; on Saturday mornings until residents asked for evenings.
      const d = DISTRICTS[k % 4]!
      const stop = rotation[d][0]!
      const evening = k <= EVENINGS_SINCE_MONTHS_AGO
      const base = evening ? { D1: 34, D2: 41, D3: 30, D4: 27 }[d] : { D1: 18, D2: 21, D3: 16, D4: 3 }[d]
      out.push({
        kind: 'listening_session',
        title: { en: 'District Listening Session', es: 'Sesión comunitaria para escucharle en su distrito' },
        district: d,
        beat: stop.beat,
        venue: stop.venue,
        date: nthWeekday(today, k, evening ? 2 : 6, 2),
        time: evening ? '18:30' : '10:00',
        minutes: 90,
        format: 'in_person',
        languages: ['en', 'es'],
        interpretation: ['vi', 'so', 'ase'],
        attendees: base + r.int(0, d === 'D4' && !evening ? 2 : 5),
        walkIns: d === 'D4' && !evening ? r.int(1, 3) : r.int(8, 16),
        voice: evening ? 3.9 : 2.6,
      })
    }
    {
      const d = DISTRICTS[(k + 1) % 4]!
      const stop = rotation[d][1]!
      out.push({
        kind: 'coffee_with_an_officer',
        title: { en: 'Coffee with an Officer' },
        district: d,
        beat: stop.beat,
        venue: stop.venue,
        date: nthWeekday(today, k, 4, 1),
        time: '08:00',
        minutes: 90,
        format: 'in_person',
        languages: languagesOf(d),
        interpretation: [],
        attendees: 12 + r.int(0, 5),
        walkIns: r.int(6, 12),
        voice: 3.6,
      })
    }
    if (k % 2 === 1) {
      const d = DISTRICTS[((k - 1) / 2) % 4]!
      const stop = rotation[d][1]!
      out.push({
        kind: 'community_walk',
        title: { en: 'Community Walk with Your Beat Officers' },
        district: d,
        beat: stop.beat,
        venue: d === 'D4' ? venues.riversidePark : stop.venue,
        date: nthWeekday(today, k, 7, 3),
        time: '10:00',
        minutes: 120,
        format: 'in_person',
        languages: languagesOf(d),
        interpretation: [],
        attendees: d === 'D4' ? r.int(2, 4) : 14 + r.int(0, 5),
        walkIns: d === 'D4' ? r.int(1, 3) : r.int(8, 15),
        voice: 3.5,
      })
    } else {
      out.push({
        kind: 'virtual_forum',
        title: { en: 'Online Forum: Ask the Command Staff', es: 'Foro en línea: pregunte al mando' },
        district: null,
        beat: null,
        venue: null,
        date: nthWeekday(today, k, 3, 3),
        time: '12:00',
        minutes: 60,
        format: 'virtual',
        languages: ['en', 'es'],
        interpretation: [],
        attendees: 16 + r.int(0, 12),
        walkIns: r.int(10, 30),
        voice: 3.4,
      })
    }
    if (k % 3 === 0) {
      const d: District = k % 6 === 0 ? 'D2' : 'D3'
      const stop = rotation[d][0]!
      out.push({
        kind: 'youth_event',
        title: { en: 'Open Gym Night with Officers', es: 'Noche de gimnasio abierto con agentes' },
        district: d,
        beat: stop.beat,
        venue: stop.venue,
        date: nthWeekday(today, k, 5, 2),
        time: '16:30',
        minutes: 150,
        format: 'in_person',
        languages: ['en', 'es'],
        interpretation: [],
        attendees: 12 + r.int(0, 8),
        walkIns: r.int(10, 25),
        voice: 3.8,
      })
    }
  }
  return out
}

const demographicsWeights = {
  ageBand: { under_18: 3, age_18_24: 9, age_25_34: 16, age_35_44: 18, age_45_54: 15, age_55_64: 13, age_65_plus: 14, prefer_not_to_say: 12 },
  gender: { woman: 42, man: 36, non_binary: 3, another_gender: 1, prefer_not_to_say: 18 },
  raceEthnicity: { white: 34, hispanic_or_latino: 22, black_or_african_american: 12, asian: 10, middle_eastern_or_north_african: 4, american_indian_or_alaska_native: 2, another_race_or_ethnicity: 2, prefer_not_to_say: 14 },
  sexualOrientation: { heterosexual: 48, gay_or_lesbian: 4, bisexual: 4, another_orientation: 1, prefer_not_to_say: 43 },
  faith: { none: 22, christian: 30, muslim: 6, buddhist: 5, jewish: 2, another_faith: 3, prefer_not_to_say: 32 },
  disability: { no_disability: 55, has_disability: 12, prefer_not_to_say: 33 },
  incomeBand: { under_25k: 12, from_25k_to_50k: 17, from_50k_to_100k: 18, over_100k: 8, prefer_not_to_say: 45 },
  occupation: { employed: 40, self_employed: 7, unemployed: 5, student: 8, retired: 15, homemaker: 4, another_occupation: 2, prefer_not_to_say: 19 },
}

type Said = { topic: string; stance: 'supportive' | 'neutral' | 'critical' | null; channel: (typeof feedbackItems.$inferInsert)['channel']; district: District; eventIndex?: number; at: Date; body: string; language: string }

const speedingBodies = [
  'Drivers speed down North Harbor Avenue every morning; the crossing by the library is not safe for children.',
  'Cars race on Millrace Road at night. Please put a radar sign up.',
  'Speeding on Harbor Avenue is getting worse since the detour opened.',
  'Nobody stops at the crosswalk near Corner Grind; a neighbour was nearly hit.',
]
const cameraBodies: Record<'supportive' | 'neutral' | 'critical', string[]> = {
  critical: ['Officers should not be able to switch body cameras off during a stop.', 'Who decides when body-camera footage is released? It takes months.', 'Body cameras without a public policy are just surveillance.'],
  neutral: ['The new body-camera policy reads well; we will see how footage requests go.', 'Please report how many footage requests were granted each quarter.', 'The camera policy answers most of my questions; the retention period is still long.'],
  supportive: ['Thank you for publishing the body-camera policy in Spanish too.', 'Glad the cameras now stay on for the whole stop.'],
}
const otherBodies: Record<string, string[]> = {
  community_safety: ['Car break-ins near the park again this week.', 'The underpass lights are out; it is dark walking home.', 'Thanks for the extra patrols around the market.'],
  everyday_interactions: ['The officer at the school crossing knows every kid by name.', 'I was stopped and nobody explained why.', 'Officers were patient and clear when my car was towed.'],
  wellness: ['Officers need more support after difficult calls.', 'Crisis counsellors should come on mental-health calls.', 'The youth open gym keeps teenagers busy on Fridays.'],
  policy: ['The use-of-force policy should be in plain language.', 'The advisory board should include renters.', 'Publish the complaint process in every language we speak.'],
  high_profile_incident: ['After the incident downtown nobody explained what happened.', 'Thank you for the community meeting after the shooting.'],
  other: ['Could meetings be held in the evening so working parents can come?', 'Childcare at meetings made it possible for me to attend.', 'Please post meeting notes sooner.'],
}

/**
 * Adds the volume to the demo agency, once (returns undefined when it is already there). `areaId` resolves an area
 * code, `today` is the agency's local date and `now` the load time (nothing is placed after it).
 */
export async function seedDemoInsights(
  db: Db,
  { agencyId, areaId, today, now }: { agencyId: string; areaId: (code: string) => string; today: Temporal.PlainDate; now: Date },
): Promise<{ pastMeetings: number; participants: number; feedback: number; surveys: number } | undefined> {
  const [marker] = await db
    .select({ id: decisions.id })
    .from(decisions)
    .where(and(eq(decisions.agencyId, agencyId), sql`${decisions.title}->>'en' = ${BODY_CAMERA_DECISION}`))
    .limit(1)
  if (marker) return undefined
  const r = prng(20_240_611)
  // Rows are stamped as loaded at `now`, not at the database's clock.
  const loaded = { createdAt: now, updatedAt: now }
  const latest = now.getTime() - 60 * 60_000
  const clamp = (ms: number) => (ms <= latest ? new Date(ms) : null)

  // Meetings: public records, so they read like the demo's other meetings.
  const plan = pastMeetingPlan(today)
  const meetingRows: Insert<typeof events>[] = plan.map((m) => {
    const startsAt = localToInstant(`${m.date.toString()}T${m.time}`, DEMO_TIME_ZONE)
    return {
      id: randomUUID(),
      agencyId,
      ...loaded,
      title: m.title,
      description: { en: 'A past meeting of the community engagement programme; notes were published within two weeks.' },
      kind: m.kind,
      format: m.format,
      timeZone: DEMO_TIME_ZONE,
      status: 'completed' as const,
      startsAt,
      endsAt: new Date(startsAt.getTime() + m.minutes * 60_000),
      areaId: m.beat ? areaId(m.beat) : null,
      venueName: m.venue?.name ?? null,
      address: m.venue?.address ?? null,
      latitude: m.venue?.geo?.latitude ?? null,
      longitude: m.venue?.geo?.longitude ?? null,
      joinUrl: m.format === 'virtual' ? 'https://meet.riverton-pd.example/forum' : null,
      languages: m.languages,
      interpretation: m.interpretation,
      accommodations: m.format === 'virtual' ? ['live_captioning'] : ['step_free_access', 'accessible_restroom'],
      registrationRequired: m.kind === 'listening_session' || m.kind === 'virtual_forum',
      hostUnit: 'Community Engagement Unit',
      topics: { listening_session: ['community_safety', 'everyday_interactions', 'policy'], coffee_with_an_officer: ['everyday_interactions'], community_walk: ['community_safety'], virtual_forum: ['policy', 'agency_technology'], youth_event: ['wellness'] }[m.kind],
    } satisfies Insert<typeof events>
  })
  await insertAll(db, events, meetingRows)

  // People: a few regulars per district come back; everyone else attends once. No names, no contact.
  const people: Insert<typeof participants>[] = []
  const demographics: Insert<typeof participantDemographics>[] = []
  const attendanceRows: Insert<typeof attendances>[] = []
  const headCounts: Insert<typeof eventHeadCounts>[] = []
  const surveys: Insert<typeof surveyResponses>[] = []
  const person = (district: District | null, language: string, at: Date) => {
    const id = randomUUID()
    people.push({ id, agencyId, ...loaded, preferredLanguage: language, areaId: areaId(district ?? r.pick(DISTRICTS)), dataUseConsentAt: at })
    if (r.next() < 0.75) {
      const answer = (q: keyof typeof demographicsWeights) => (r.next() < 0.1 ? null : r.weighted(demographicsWeights[q] as Record<string, number>))
      const race = answer('raceEthnicity')
      demographics.push({
        participantId: id,
        ...loaded,
        agencyId,
        ageBand: answer('ageBand') as never,
        gender: answer('gender') as never,
        raceEthnicity: (race ? (race !== 'prefer_not_to_say' && r.next() < 0.08 ? [race, 'white'] : [race]) : null) as never,
        sexualOrientation: answer('sexualOrientation') as never,
        faith: answer('faith') as never,
        disability: answer('disability') as never,
        incomeBand: answer('incomeBand') as never,
        occupation: answer('occupation') as never,
      })
    }
    return id
  }
  const regulars = new Map(DISTRICTS.map((d) => [d, Array.from({ length: 5 }, () => person(d, d === 'D3' ? 'vi' : 'en', new Date(meetingRows[0]!.startsAt)))]))
  plan.forEach((m, i) => {
    const event = meetingRows[i]!
    const start = event.startsAt.getTime()
    // Regulars come on top of the newcomers (they count once a quarter, at their first meeting); not to the smallest.
    const attendeeIds = m.district && m.attendees >= 11 ? regulars.get(m.district)!.filter(() => r.next() < 0.4) : []
    for (let n = 0; n < m.attendees; n++) attendeeIds.push(person(m.district, r.pick(m.languages), event.startsAt))
    for (const participantId of attendeeIds) {
      const registered = event.registrationRequired || r.next() < 0.3
      attendanceRows.push({ agencyId, ...loaded, eventId: event.id!, participantId, status: 'attended', role: 'attendee', registeredAt: registered ? new Date(start - r.int(1, 10) * DAY) : null, checkedInAt: new Date(start + r.int(-10, 20) * 60_000) })
    }
    // Some who registered did not come.
    if (event.registrationRequired)
      for (let n = Math.floor(m.attendees / 8); n > 0; n--) attendanceRows.push({ agencyId, ...loaded, eventId: event.id!, participantId: person(m.district, 'en', event.startsAt), status: 'registered', registeredAt: new Date(start - r.int(2, 12) * DAY) })
    headCounts.push({ agencyId, ...loaded, eventId: event.id!, count: m.attendees + m.walkIns, countedAt: new Date(start + 30 * 60_000), note: 'Counted at the door, including walk-ins who gave no name.' })
    // Most fill in the survey; at the smallest meetings nobody stayed for it.
    const responses = m.attendees >= 11 ? Math.max(11, Math.round(m.attendees * 0.7)) : 0
    for (let n = 0; n < responses; n++) {
      const skip = () => r.next() < 0.05
      surveys.push({
        agencyId,
        eventId: event.id!,
        dignity: r.score(4.1),
        voice: r.score(m.voice),
        neutrality: skip() ? null : r.score(3.6),
        trust: r.score(m.voice - 0.3),
        language: r.pick(m.languages),
        createdAt: new Date(event.endsAt!.getTime() + r.int(5, 60 * 24) * 60_000),
      })
    }
  })
  await insertAll(db, participants, people)
  await insertAll(db, participantDemographics, demographics)
  await insertAll(db, attendances, attendanceRows)
  await insertAll(db, eventHeadCounts, headCounts)
  await insertAll(db, surveyResponses, surveys)

  // Feedback: the two stories, and a year of everything else, mostly anonymous and online.
  const inMonth = (monthsAgo: number, fromDay = 1, toDay = 28) => {
    const month = today.with({ day: 1 }).subtract({ months: monthsAgo })
    const date = month.with({ day: r.int(fromDay, Math.min(toDay, month.daysInMonth)) })
    return localToInstant(`${date.toString()}T${String(r.int(7, 22)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}`, DEMO_TIME_ZONE)
  }
  const said: Said[] = []
  // Each stream is one kind of remark, month by month (twelve months up to VOICE_LAST_MONTH_AGO); a month's remarks share their
  // topic, stance, channel and area, so they make one cell, published when it counts 11 or more.
  const streams: { topic: string; stance: Said['stance']; channel: Said['channel']; district: District; perMonth: number[]; bodies: string[]; language?: string }[] = [
    // Speeding in District 1, rising month after month.
    { topic: 'community_safety', stance: 'critical', channel: 'online_form', district: 'D1', perMonth: [2, 3, 4, 5, 6, 8, 11, 12, 14, 16, 18, 21], bodies: speedingBodies },
    // Body-worn cameras in District 2: critical until the decision, neutral after it.
    { topic: 'agency_technology', stance: 'critical', channel: 'online_form', district: 'D2', perMonth: [14, 12, 15, 13, 12, 11, 0, 0, 0, 0, 0, 0], bodies: cameraBodies.critical },
    { topic: 'agency_technology', stance: 'neutral', channel: 'online_form', district: 'D2', perMonth: [0, 0, 0, 0, 0, 0, 11, 13, 12, 14, 12, 13], bodies: cameraBodies.neutral },
    { topic: 'everyday_interactions', stance: 'supportive', channel: 'email', district: 'D3', perMonth: [12, 11, 13, 12, 14, 11, 12, 13, 11, 12, 14, 12], bodies: otherBodies.everyday_interactions!, language: 'vi' },
    { topic: 'wellness', stance: 'critical', channel: 'phone', district: 'D4', perMonth: [11, 0, 12, 0, 11, 0, 13, 0, 12, 0, 11, 0], bodies: otherBodies.wellness! },
    { topic: 'other', stance: 'neutral', channel: 'social_media', district: 'D2', perMonth: [0, 12, 0, 0, 13, 0, 0, 11, 0, 0, 12, 0], bodies: otherBodies.other! },
  ]
  for (const st of streams)
    st.perMonth.forEach((n, i) => {
      const k = VOICE_LAST_MONTH_AGO + 11 - i
      // The month of the camera decision: what came after it (from the 5th) is about the new policy.
      const fromDay = st.topic === 'agency_technology' && k === BODY_CAMERA_DECIDED_MONTHS_AGO ? 5 : 1
      for (let j = 0; j < n; j++) said.push({ topic: st.topic, stance: st.stance, channel: st.channel, district: st.district, at: inMonth(k, fromDay), body: r.pick(st.bodies), language: st.language && r.next() < 0.4 ? st.language : 'en' })
    })
  // Policy questions raised in person at every listening session (about a dozen each).
  plan.forEach((m, eventIndex) => {
    if (m.kind !== 'listening_session' || m.attendees < 11) return
    const start = meetingRows[eventIndex]!.startsAt.getTime()
    for (let j = 11 + r.int(0, 3); j > 0; j--)
      said.push({ topic: 'policy', stance: 'neutral', channel: 'in_person', district: m.district!, eventIndex, at: new Date(start + r.int(20, 80) * 60_000), body: r.pick(otherBodies.policy!), language: 'en' })
  })
  const topics = Object.fromEntries([...streams.map((st) => st.topic), 'policy'].map((code) => [code, true]))

  const topicRows = await db
    .select({ id: feedbackTopics.id, code: feedbackTopics.code })
    .from(feedbackTopics)
    .where(and(isNull(feedbackTopics.agencyId), inArray(feedbackTopics.code, Object.keys(topics))))
  const topicId = new Map(topicRows.map((t) => [t.code, t.id]))

  // Decisions answer the two stories; what came before each is addressed on its date and reported back later.
  const cameraDecidedAt = localToInstant(`${today.with({ day: 3 }).subtract({ months: BODY_CAMERA_DECIDED_MONTHS_AGO }).toString()}T15:00`, DEMO_TIME_ZONE)
  const speedDecidedAt = localToInstant(`${today.with({ day: 1 }).subtract({ months: VOICE_LAST_MONTH_AGO + 2 }).toString()}T08:00`, DEMO_TIME_ZONE)
  const answers = [
    { id: randomUUID(), title: BODY_CAMERA_DECISION, topic: 'agency_technology', district: 'D2' as District, decidedAt: cameraDecidedAt, reportedAfterDays: 21, summary: 'Cameras stay on for the whole contact; footage of critical incidents is released within 30 days; requests are reported quarterly.' },
    { id: randomUUID(), title: SPEED_DECISION, topic: 'community_safety', district: 'D1' as District, decidedAt: speedDecidedAt, reportedAfterDays: 26, summary: 'Two radar speed signs installed and directed enforcement at school drop-off and pick-up.' },
  ]
  const items: Insert<typeof feedbackItems>[] = []
  const transitions: Insert<typeof feedbackTransitions>[] = []
  const links: Insert<typeof decisionFeedback>[] = []
  const reported = new Map<string, string[]>()
  for (const s of said) {
    const id = randomUUID()
    const received = s.at.getTime()
    const steps: { to: NonNullable<Insert<typeof feedbackTransitions>['toStatus']>; at: number; note?: string }[] = []
    // Everything is read within two days; each stream then has one outcome, so a month's cell moves as one.
    steps.push({ to: 'acknowledged', at: received + r.int(2, 48) * 3_600_000 })
    const answer = answers.find((a) => a.topic === s.topic && a.district === s.district && s.channel === 'online_form' && received < a.decidedAt.getTime())
    if (answer) {
      steps.push({ to: 'addressed', at: Math.max(answer.decidedAt.getTime(), steps[0]!.at + 3_600_000), note: answer.title })
      steps.push({ to: 'reported_back', at: answer.decidedAt.getTime() + answer.reportedAfterDays * DAY })
      links.push({ decisionId: answer.id, feedbackId: id, agencyId })
    } else if (s.topic === 'policy') steps.push({ to: 'referred', at: steps[0]!.at + r.int(10, 30) * DAY, note: 'Referred to the Community Advisory Board.' })
    else if (s.topic === 'wellness') steps.push({ to: 'under_review', at: steps[0]!.at + r.int(1, 14) * DAY, note: 'With the wellness coordinator.' })
    // Nothing is dated after the load: later steps have simply not happened yet.
    const done = steps.filter((st) => st.at <= latest)
    for (let i = 1; i < done.length; i++) if (done[i]!.at < done[i - 1]!.at) done.length = i
    let from: Insert<typeof feedbackTransitions>['fromStatus'] = 'received'
    transitions.push({ agencyId, feedbackId: id, fromStatus: null, toStatus: 'received', at: s.at, actorKind: s.eventIndex === undefined ? 'public' : 'admin', actorSubject: s.eventIndex === undefined ? null : 'demo-seed', note: null })
    for (const st of done) {
      transitions.push({ agencyId, feedbackId: id, fromStatus: from, toStatus: st.to, at: new Date(st.at), ...ACTOR, note: st.note ?? null })
      from = st.to
    }
    const first = (...to: string[]) => {
      const st = done.find((x) => to.includes(x.to))
      return st ? clamp(st.at) : null
    }
    if (answer && done.some((st) => st.to === 'reported_back')) reported.set(answer.id, [...(reported.get(answer.id) ?? []), id])
    items.push({
      id,
      agencyId,
      body: s.body,
      deidentifiedBody: redact(s.body),
      bodyLanguage: s.language,
      channel: s.channel,
      eventId: s.eventIndex === undefined ? null : meetingRows[s.eventIndex]!.id!,
      areaId: areaId(s.district),
      topicId: topicId.get(s.topic)!,
      stance: s.stance,
      status: from!,
      statusReason: done.at(-1)?.to === 'declined' ? done.at(-1)!.note! : null,
      receivedAt: s.at,
      acknowledgedAt: first('acknowledged', 'under_review', 'addressed', 'declined', 'referred', 'reported_back'),
      decidedAt: first('addressed', 'declined', 'referred'),
      reportedBackAt: first('reported_back'),
      createdAt: s.at,
      updatedAt: new Date(Math.max(s.at.getTime(), ...done.map((st) => st.at))),
    })
  }
  await insertAll(db, feedbackItems, items)
  await insertAll(db, feedbackTransitions, transitions)
  await insertAll(
    db,
    decisions,
    answers.map((a) => ({
      id: a.id,
      agencyId,
      title: { en: a.title },
      summary: { en: a.summary },
      rationale: { en: 'What residents told us, month after month, at meetings and online.' },
      decidedBy: 'Chief of Police',
      decidedAt: a.decidedAt,
      status: 'implemented' as const,
      publication: 'published' as const,
      areaId: areaId(a.district),
      topicId: topicId.get(a.topic)!,
      ...loaded,
    })),
  )
  await insertAll(db, decisionFeedback, links)
  const backs = answers.flatMap((a) => {
    const relayedAt = clamp(a.decidedAt.getTime() + a.reportedAfterDays * DAY)
    return relayedAt ? [{ id: randomUUID(), agencyId, ...loaded, decisionId: a.id, channel: 'website' as const, relayedAt, url: 'https://riverton.example.gov/you-said-we-did', languages: ['en', 'es'], audience: ['feedback_givers' as const, 'area_residents' as const], summary: { en: `You said: ${a.title.toLowerCase()} mattered. We did: ${a.summary}` } }] : []
  })
  await insertAll(db, reportBacks, backs)
  await insertAll(
    db,
    reportBackFeedback,
    backs.flatMap((b) => (reported.get(b.decisionId) ?? []).map((feedbackId) => ({ reportBackId: b.id, feedbackId, agencyId }))),
  )
  return { pastMeetings: meetingRows.length, participants: people.length, feedback: items.length, surveys: surveys.length }
}

/** Multi-row inserts in chunks, well under PostgreSQL's 65,535 bind parameters per statement. */
export async function insertAll<T extends Parameters<Db['insert']>[0]>(db: Db, table: T, rows: T['$inferInsert'][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 400) await db.insert(table).values(rows.slice(i, i + 400) as never)
}
