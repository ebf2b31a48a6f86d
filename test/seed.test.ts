// The demo agency: what it loads, that loading is idempotent, and that its rotating series keeps local time across DST.
import { count, eq, isNotNull, isNull } from 'drizzle-orm'
import pino from 'pino'
import t, { type Test } from 'tap'
import { Temporal } from 'temporal-polyfill'
import type { RequestContext } from '../src/context.ts'
import type { Database } from '../src/db/client.ts'
import { agencies, areas, events, eventSeries } from '../src/db/schema/index.ts'
import { createAgenciesRepository } from '../src/modules/agencies/agencies-repository.ts'
import type { OverrideInput } from '../src/modules/events/events-schemas.ts'
import { createServices } from '../src/modules/services.ts'
import { seedDemo } from '../src/seed/demo.ts'
import { toLocal, toOffsetIso } from '../src/time.ts'
import { fileDatabase } from './helpers/database.ts'
import { testClock, TEST_NOW } from './helpers/clock.ts'

const ZONE = 'America/Chicago'

async function counts(database: Database) {
  const n = async (table: typeof agencies | typeof areas | typeof eventSeries | typeof events) =>
    (await database.db.select({ n: count() }).from(table))[0]!.n
  return { agencies: await n(agencies), areas: await n(areas), series: await n(eventSeries), events: await n(events) }
}

const weekday = (local: string) => Temporal.PlainDate.from(local.slice(0, 10)).dayOfWeek // 1 = Monday … 7 = Sunday
const timeOf = (local: string) => local.slice(11)

/** Checks the listening-session series of a seeded database; returns its occurrences for further checks. */
async function checkSeries(t: Test, database: Database, now: Date) {
  const [series] = await database.db.select().from(eventSeries)
  t.ok(series, 'the series exists')
  const s = series!
  t.equal(s.kind, 'listening_session')
  t.equal(s.timeZone, ZONE)
  const occurrences = await database.db.select().from(events).where(eq(events.seriesId, s.id)).orderBy(events.startsAt)
  const count = Number(/COUNT=(\d+)/.exec(s.rrule)?.[1])
  t.ok(count >= 10, 'the rule runs for about a year')
  t.equal(occurrences.length, count - s.exdates.length, 'every occurrence of the rule is materialized except the skipped one')

  // The exception: one December session is skipped.
  t.equal(s.exdates.length, 1)
  const skipped = s.exdates[0]!
  t.equal(skipped.slice(5, 7), '12', 'the skipped session is in December')
  const ruleStarts = occurrences.map((o) => toLocal(o.recurrenceId!, ZONE))
  t.notOk(ruleStarts.includes(skipped), 'no meeting on the skipped date')

  const overrides = s.overrides as OverrideInput[]
  const overridden = new Set(overrides.map((o) => o.occurrence))
  const regular = occurrences.filter((o) => !overridden.has(toLocal(o.recurrenceId!, ZONE)))
  t.ok(regular.length >= 8)
  for (const o of regular) {
    const local = toLocal(o.startsAt, ZONE)
    t.equal(timeOf(local), '18:30', `${local} starts at 18:30 local`)
    t.equal(weekday(local), 2, `${local} is a Tuesday`)
    t.equal(o.endsAt.getTime() - o.startsAt.getTime(), 90 * 60_000)
    if (o.status === 'scheduled') t.equal(o.isException, false, 'an upcoming regular session follows the rule')
  }
  // The same local time is a different UTC time in winter (CST) and summer (CDT).
  const utc = new Set(regular.map((o) => o.startsAt.toISOString().slice(11, 16)))
  t.same([...utc].sort(), ['00:30', '23:30'], 'UTC start differs across the DST change')
  const offsets = new Set(regular.map((o) => toOffsetIso(o.startsAt, ZONE).slice(-6)))
  t.same([...offsets].sort(), ['-05:00', '-06:00'])

  // Rotation: the sessions move between the four district venues, never twice running in the same place.
  const rotation = s.rotation as { venue: { name: string }; areaId: string }[]
  t.equal(rotation.length, 4)
  const inPerson = occurrences.filter((o) => o.format === 'in_person')
  for (const o of inPerson) {
    const stop = rotation.find((r) => r.venue.name === o.venueName)
    t.ok(stop && stop.areaId === o.areaId && o.latitude !== null, `${toLocal(o.startsAt, ZONE)} meets at a rotation venue, in its area`)
  }
  t.same(new Set(inPerson.map((o) => o.venueName)), new Set(rotation.map((r) => r.venue.name)), 'every venue hosts over the year')
  const places = occurrences.map((o) => o.venueName ?? 'online')
  t.ok(places.every((p, i) => i === 0 || p !== places[i - 1]), `consecutive sessions meet in different places: ${places.join('; ')}`)

  // Override 1: moved to Saturday 10:00.
  const saturday = occurrences.filter((o) => weekday(toLocal(o.startsAt, ZONE)) === 6)
  t.equal(saturday.length, 1, 'one session moved to a Saturday')
  const sat = saturday[0]!
  t.equal(timeOf(toLocal(sat.startsAt, ZONE)), '10:00')
  t.equal(timeOf(toLocal(sat.recurrenceId!, ZONE)), '18:30', 'it keeps the Tuesday evening it replaces as its recurrence id')
  t.equal(sat.isException, true)
  t.ok(sat.startsAt.getTime() > now.getTime(), 'the moved session is still ahead')

  // Override 2: held online.
  const virtual = occurrences.filter((o) => o.format === 'virtual')
  t.equal(virtual.length, 1, 'one session is online only')
  const v = virtual[0]!
  t.equal(v.venueName, null, 'the online session names no venue')
  t.match(v.joinUrl, /^https:\/\//)
  t.ok(v.dialIn?.number, 'it can be joined by phone')
  t.match(v.captionsUrl, /^https:\/\//)
  t.equal(timeOf(toLocal(v.startsAt, ZONE)), '18:30')

  // Sessions already over are completed; the rest are ahead.
  for (const o of occurrences) {
    const over = o.endsAt.getTime() <= now.getTime()
    t.equal(o.status, over ? 'completed' : 'scheduled', `${toLocal(o.startsAt, ZONE)} is ${over ? 'completed' : 'scheduled'}`)
  }
  t.ok(occurrences.some((o) => o.status === 'completed'), 'some sessions have happened')
  t.ok(occurrences.filter((o) => o.status === 'scheduled').length >= 6, 'most sessions are ahead')
  return occurrences
}

t.test('when the demo is seeded into an empty database, then it loads the agency, areas, series and events; seeding again adds nothing', async (t) => {
  const database = await emptyDatabase()
  const now = new Date(TEST_NOW)

  const started = performance.now()
  const result = await seedDemo(database, { now })
  t.comment(`seeded in ${Math.round(performance.now() - started)} ms on ${database.kind}`)
  t.match(result, { slug: 'riverton', created: true, summary: { areas: 12, series: 1 } })
  const summary = result!.summary!

  const after = await counts(database)
  t.same(after, { agencies: 1, areas: 12, series: 1, events: summary.meetings + summary.events + summary.pastMeetings })
  t.ok(summary.events >= 8 && summary.events <= 12, 'eight to twelve one-off events')

  const [agency] = await database.db.select().from(agencies)
  t.match(agency, { slug: 'riverton', name: 'Riverton Police Department', timeZone: ZONE, defaultLanguage: 'en' })
  t.ok(agency!.supportedLanguages.length >= 4)

  const all = await database.db.select().from(areas).orderBy(areas.code)
  const districts = all.filter((a) => a.parentId === null)
  const beats = all.filter((a) => a.parentId !== null)
  t.same(districts.map((d) => d.code), ['D1', 'D2', 'D3', 'D4'])
  t.ok(districts.every((d) => d.kind === 'district'))
  t.equal(beats.length, 8)
  for (const b of beats) {
    const parent = districts.find((d) => d.id === b.parentId)
    t.ok(parent && b.code.startsWith(`${parent.code}-B`), `${b.code} is a beat of ${parent?.code}`)
    t.equal(b.kind, 'beat')
  }
  t.ok(all.every((a) => (a.boundary as { type?: string } | null)?.type === 'Polygon'), 'every area has a GeoJSON boundary')

  const oneOffs = await database.db.select({ n: count() }).from(events).where(isNull(events.seriesId))
  t.equal(oneOffs[0]!.n, summary.events + summary.pastMeetings, 'one-off events and last season\'s meetings')
  const occurrences = await database.db.select({ n: count() }).from(events).where(isNotNull(events.seriesId))
  t.equal(occurrences[0]!.n, summary.meetings)

  await checkSeries(t, database, now)

  t.same(await seedDemo(database, { now }), { slug: 'riverton', created: false }, 'a second run finds the agency')
  t.same(await counts(database), after, 'and adds nothing')
  t.equal(await seedDemo(database, { onlyIfEmpty: true, now: new Date(TEST_NOW) }), undefined, 'onlyIfEmpty finds an agency and does nothing')
  t.same(await counts(database), after)
})

t.test('when another agency exists, then onlyIfEmpty does nothing, and a plain seed adds the demo beside it', async (t) => {
  const database = await emptyDatabase()
  await createAgenciesRepository(database.db).insert({
    slug: 'lakeside',
    name: 'Lakeside Sheriff',
    jurisdiction: 'Lakeside County',
    timeZone: ZONE,
    defaultLanguage: 'en',
    supportedLanguages: ['en'],
  })

  t.equal(await seedDemo(database, { onlyIfEmpty: true, now: new Date(TEST_NOW) }), undefined)
  t.same(await counts(database), { agencies: 1, areas: 0, series: 0, events: 0 })

  const result = await seedDemo(database, { now: new Date(TEST_NOW) })
  t.equal(result?.created, true)
  t.equal((await counts(database)).agencies, 2)
})

t.test('when seeded with a given now, then the series keeps 18:30 local across the DST change and applies its overrides and exception', async (t) => {
  const database = await emptyDatabase()
  // Mid-January: the series runs from November through October, across the March DST change.
  const now = new Date('2026-01-20T18:00:00Z')
  await seedDemo(database, { now })

  const occurrences = await checkSeries(t, database, now)
  const local = occurrences.map((o) => toLocal(o.startsAt, ZONE))
  t.equal(local[0], '2025-11-11T18:30', 'the first session is the second Tuesday of November, two months before now')
  t.notOk(local.some((l) => l.startsWith('2025-12')), 'no session in December')
  t.ok(local.includes('2026-03-10T18:30') && local.includes('2026-05-12T18:30'), 'sessions before and after the change meet at 18:30')
  const march = occurrences.find((o) => toLocal(o.startsAt, ZONE) === '2026-03-10T18:30')!
  t.equal(march.startsAt.toISOString(), '2026-03-10T23:30:00.000Z', 'after the change (8 March) 18:30 CDT is 23:30 UTC')
  const january = occurrences.find((o) => toLocal(o.startsAt, ZONE) === '2026-01-13T18:30')!
  t.equal(january.startsAt.toISOString(), '2026-01-14T00:30:00.000Z', 'before it 18:30 CST is 00:30 UTC the next day')
  t.ok(local.includes('2026-04-18T10:00'), 'the April session moved to Saturday 18 April at 10:00')
})

t.test('when the demo is loaded, then it covers every format, several languages and accommodations, and every status', async (t) => {
  const database = await emptyDatabase()
  const now = new Date(TEST_NOW)
  await seedDemo(database, { now })
  const all = await database.db.select().from(events)
  const oneOffs = all.filter((e) => e.seriesId === null)

  t.same(new Set(all.map((e) => e.format)), new Set(['in_person', 'virtual', 'hybrid']))
  const languages = new Set(all.flatMap((e) => [...e.languages, ...e.interpretation]))
  t.ok(languages.size >= 3, `languages: ${[...languages].join(', ')}`)
  for (const l of ['en', 'es', 'vi', 'so', 'ase']) t.ok(languages.has(l), `${l} is spoken or interpreted somewhere`)
  t.ok(oneOffs.some((e) => e.languages.length === 1 && e.languages[0] === 'es'), 'a meeting held in Spanish')
  t.ok(oneOffs.some((e) => e.languages.length === 1 && e.languages[0] === 'vi'), 'a meeting held in Vietnamese')
  const accommodations = new Set(all.flatMap((e) => e.accommodations))
  t.ok(accommodations.size >= 4, `accommodations: ${[...accommodations].join(', ')}`)
  for (const a of ['step_free_access', 'sign_language_interpretation', 'live_captioning', 'childcare', 'transit_nearby'] as const)
    t.ok(accommodations.has(a), a)

  const kinds = new Set(oneOffs.map((e) => e.kind))
  for (const k of ['town_hall', 'community_walk', 'coffee_with_an_officer', 'youth_event', 'advisory_board', 'virtual_forum', 'training'] as const)
    t.ok(kinds.has(k), `a ${k}`)
  t.ok(oneOffs.filter((e) => e.title.en && e.title.es && e.description.es).length >= 5, 'several are translated into Spanish')

  const hybrid = oneOffs.find((e) => e.kind === 'town_hall')!
  t.equal(hybrid.format, 'hybrid')
  t.ok(hybrid.venueName && hybrid.joinUrl && hybrid.dialIn && hybrid.captionsUrl, 'the town hall has a room, a join link, a phone line and captions')

  const status = (s: string) => oneOffs.filter((e) => e.status === s)
  t.equal(status('cancelled').length, 1)
  t.ok(status('cancelled')[0]!.statusReason, 'the cancellation says why')
  t.equal(status('postponed').length, 1)
  t.ok(status('postponed')[0]!.statusReason, 'the postponement says why')
  t.equal(status('draft').length, 1)
  t.ok(status('completed').length >= 2 && status('completed').every((e) => e.endsAt.getTime() <= now.getTime()), 'past meetings are completed')
  t.ok(status('scheduled').filter((e) => e.startsAt.getTime() > now.getTime()).length >= 6, 'upcoming meetings are scheduled')
  t.ok(oneOffs.some((e) => e.registrationRequired) && oneOffs.some((e) => !e.registrationRequired))
  t.ok(oneOffs.every((e) => e.hostUnit && e.topics.length > 0), 'every event names its host unit and topics')
  const topics = new Set(all.flatMap((e) => e.topics))
  for (const topic of ['community_safety', 'policy', 'high_profile_incident', 'agency_technology', 'everyday_interactions', 'wellness'])
    t.ok(topics.has(topic), topic)

  // The draft is for staff only: the public calendar does not show it.
  const services = createServices(database)
  const ctx = (actor: RequestContext['actor']): RequestContext => ({ actor, requestId: 'test', log: pino({ level: 'silent' }), languages: ['es'], clock: testClock })
  const publicList = await services.events.list(ctx({ kind: 'public' }), { agency: 'riverton', limit: 100 })
  t.equal(publicList.data.length, all.length - 1, 'the public sees every event but the draft')
  t.notOk(publicList.data.some((e) => e.status === 'draft'))
  const staffList = await services.events.list(ctx({ kind: 'staff', subject: 's1', agencySlug: 'riverton' }), { agency: 'riverton', limit: 100 })
  t.equal(staffList.data.length, all.length, 'staff see the draft too')
  t.ok(publicList.data.some((e) => e.contentLanguage === 'es'), 'Spanish readers get Spanish titles')
})

/** The file's database, emptied back to the migrated template (no fixtures: the demo wants an empty database). */
async function emptyDatabase() {
  const database = await fileDatabase()
  await database.reset()
  return database
}
