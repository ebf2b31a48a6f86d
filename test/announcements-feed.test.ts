// Announcements over time and through the change feed: a scheduled one enters the public feed when its publish time
// comes and leaves when it expires (no write makes either), each moment noted once however many instances sweep;
// staff correct and publish announcements; liaisons, agency profiles and areas reach the feed too.
import t from 'tap'
import { buildApp } from '../src/app.ts'
import type { Clock } from '../src/clock.ts'
import { bearer } from './helpers/auth.ts'
import { build, testConfig } from './helpers/build.ts'
import { secondTuesdayAfterNow, TEST_NOW } from './helpers/clock.ts'
import { outboxSettled } from './helpers/outbox.ts'

const HOUR = 3_600_000
const at = (hours: number) => new Date(Date.parse(TEST_NOW) + hours * HOUR).toISOString()
/** A clock the test moves by hand. */
function settableClock(start: string) {
  let now = new Date(start)
  const clock: Clock = { now: () => now }
  return { clock, set: (iso: string) => (now = new Date(iso)) }
}

type Entry = { type: string; resourceType: string; id: string; tombstone?: boolean; resource?: Record<string, unknown> }
const body = (over: Record<string, unknown> = {}) => ({
  kind: 'upcoming_meeting',
  title: { en: 'Listening session at the library', es: 'Sesión de escucha en la biblioteca' },
  body: { en: 'Tell us what matters on your block.', es: 'Díganos qué importa en su cuadra.' },
  languages: ['en', 'es'],
  channels: ['web', 'sms'],
  ...over,
})

t.test('when a scheduled announcement goes live and expires, then the public feed gets it at each time, once, from any number of sweeps', async (t) => {
  const { clock, set } = settableClock(TEST_NOW)
  const { database } = await build(t)
  // The app under test reads time from the hand-moved clock (requests and the sweep alike).
  const timed = await buildApp({ config: testConfig(), database, clock })
  await timed.ready()
  t.teardown(() => timed.close())
  const other = await buildApp({ config: testConfig(), database, clock })
  await other.ready()
  t.teardown(() => other.close())
  const staff = await bearer()

  await outboxSettled(database)
  const start = (await timed.inject({ method: 'GET', url: '/v1/changes?agency=metro' })).json().cursor
  const made = await timed.inject({ method: 'POST', url: '/v1/announcements', headers: staff, payload: body({ publishAt: at(1), expiresAt: at(3) }) })
  t.equal(made.statusCode, 201, made.body)
  const id = made.json().id
  const brief = (await timed.inject({ method: 'POST', url: '/v1/announcements', headers: staff, payload: body({ publishAt: at(6), expiresAt: at(7) }) })).json()
  const feed = async (after: string): Promise<{ data: Entry[]; cursor: string }> => (await outboxSettled(database), await timed.inject({ method: 'GET', url: `/v1/changes?agency=metro&after=${after}` })).json()

  const before = await feed(start)
  t.same(before.data.map((e) => [e.type, e.id, e.tombstone ?? false]), [['announcement.published', id, true], ['announcement.published', brief.id, true]], 'before its time the public may drop it (a tombstone), never read it')
  t.equal(await timed.services.scheduledTimes.runOnce(), 0, 'nothing is due yet')

  set(at(1.5))
  t.equal(await timed.services.scheduledTimes.runOnce(), 1, 'its publish time came')
  const live = await feed(before.cursor)
  t.equal(live.data.length, 1)
  t.match(live.data[0], { type: 'announcement.live', resourceType: 'announcement', id, resource: { id, title: 'Listening session at the library' } })
  t.equal(await timed.services.scheduledTimes.runOnce(), 0, 'noted once')

  set(at(4))
  // Two instances sweep at once: the moment is noted by one of them.
  const swept = await Promise.all([timed.services.scheduledTimes.runOnce(), other.services.scheduledTimes.runOnce()])
  t.equal(swept[0] + swept[1], 1, 'the expiry is noted once by two instances sweeping together')
  const gone = await feed(live.cursor)
  t.same(gone.data.map((e) => [e.type, e.id, e.tombstone]), [['announcement.expired', id, true]], 'it leaves the public feed when it expires')
  t.equal((await timed.inject({ method: 'GET', url: `/v1/announcements/${id}` })).statusCode, 404, 'as it leaves the public read')

  // An announcement published and expired between two sweeps comes as one tombstone: a copy ends equal to a full read.
  set(at(8))
  t.equal(await timed.services.scheduledTimes.runOnce(), 1)
  const last = await feed(gone.cursor)
  t.same(last.data.map((e) => [e.type, e.id, e.tombstone]), [['announcement.expired', brief.id, true]])
  t.same((await timed.inject({ method: 'GET', url: '/v1/announcements?agency=metro' })).json().data, [], 'and the public list agrees')
})

t.test('when staff correct and publish announcements, then each change is checked, versioned, and reaches the feed', async (t) => {
  const { app, database, fixtures } = await build(t)
  const staff = await bearer()
  const analyst = await bearer({ role: 'analyst' })
  await outboxSettled(database)
  const start = (await app.inject({ method: 'GET', url: '/v1/changes', headers: staff })).json().cursor
  const a = (await app.inject({ method: 'POST', url: '/v1/announcements', headers: staff, payload: body() })).json()
  const patch = (id: string, payload: unknown, headers: Record<string, string> = { ...staff, 'if-match': '"1"' }) => app.inject({ method: 'PATCH', url: `/v1/announcements/${id}`, headers, payload: payload as object })

  // Bad input and the wrong caller are problems, never a 500, and change nothing.
  t.equal((await patch(a.id, { title: { en: 'x' } }, staff)).statusCode, 428, 'If-Match is required')
  t.equal((await patch(a.id, { title: { en: 'x' } }, { ...staff, 'if-match': '"7"' })).statusCode, 412)
  t.equal((await patch(a.id, { title: { en: 'x' } }, { ...analyst, 'if-match': '"1"' })).statusCode, 403)
  t.equal((await patch(a.id, { title: { en: 'x' } }, { 'if-match': '"1"' })).statusCode, 401)
  t.equal((await patch(a.id, {})).json().code, 'VALIDATION_FAILED', 'an edit changes something')
  t.equal((await patch(a.id, { status: 'withdrawn' })).json().code, 'VALIDATION_FAILED', 'status changes only by command')
  t.equal((await patch(a.id, { expiresAt: '2000-01-01T00:00:00Z' })).json().code, 'VALIDATION_FAILED', 'expiry before publish time')
  t.equal((await patch(a.id, { areaIds: [fixtures.areas.lakeArea.id] })).json().code, 'VALIDATION_FAILED', "another agency's area")
  t.equal((await patch(a.id, { title: { en: 'nul\u0000byte' } })).statusCode, 400)
  t.equal((await patch('not-a-uuid', { title: { en: 'x' } })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: `/v1/announcements/${a.id}` })).json().version, 1, 'nothing changed')

  const fixed = await patch(a.id, { title: { en: 'Listening session moved to the rec center', es: 'Sesión de escucha en el centro recreativo' }, areaIds: [fixtures.areas.north.id], expiresAt: at(48) })
  t.equal(fixed.statusCode, 200, fixed.body)
  t.match(fixed.json(), { version: 2, title: 'Listening session moved to the rec center', areaIds: [fixtures.areas.north.id], expiresAt: at(48) })
  t.equal(fixed.headers.etag, '"2"')
  const cleared = await patch(a.id, { expiresAt: null }, { ...staff, 'if-match': '"2"' })
  t.equal(cleared.json().expiresAt, null, 'null clears the expiry')

  // A draft is published by command; anything else is a 409.
  const draft = (await app.inject({ method: 'POST', url: '/v1/announcements', headers: staff, payload: body({ publish: false }) })).json()
  t.equal((await app.inject({ method: 'GET', url: `/v1/announcements/${draft.id}` })).statusCode, 404, 'a draft is not public')
  t.equal((await app.inject({ method: 'POST', url: `/v1/announcements/${draft.id}/publish`, headers: staff })).statusCode, 428)
  t.equal((await app.inject({ method: 'POST', url: `/v1/announcements/${draft.id}/publish`, headers: { ...staff, 'if-match': '"1"' }, payload: { now: true } })).statusCode, 400, 'no body')
  const published = await app.inject({ method: 'POST', url: `/v1/announcements/${draft.id}/publish`, headers: { ...staff, 'if-match': '"1"' } })
  t.equal(published.statusCode, 200, published.body)
  t.equal(published.json().status, 'published')
  t.equal((await app.inject({ method: 'GET', url: `/v1/announcements/${draft.id}` })).statusCode, 200, 'now public')
  t.equal((await app.inject({ method: 'POST', url: `/v1/announcements/${draft.id}/publish`, headers: { ...staff, 'if-match': '*' } })).json().code, 'INVALID_TRANSITION')

  await app.inject({ method: 'POST', url: `/v1/announcements/${a.id}/withdraw`, headers: staff, payload: { reason: 'Replaced by a new one' } })
  t.equal((await patch(a.id, { title: { en: 'x' } }, { ...staff, 'if-match': '*' })).json().code, 'INVALID_TRANSITION', 'a withdrawn one stays as it was')

  await outboxSettled(database)
  const entries: Entry[] = (await app.inject({ method: 'GET', url: `/v1/changes?after=${start}`, headers: staff })).json().data
  t.same(
    entries.map((e) => [e.type, e.id]),
    [
      ['announcement.published', draft.id],
      ['announcement.withdrawn', a.id],
    ],
    'staff follow each announcement to its latest change',
  )
  const pub: Entry[] = (await app.inject({ method: 'GET', url: `/v1/changes?after=${start}` })).json().data
  t.same(pub.map((e) => [e.id, e.tombstone ?? false]), [[draft.id, false], [a.id, true]], 'the public gets the published draft, and the withdrawn one as a tombstone')

  // GraphQL: the same commands, and the feed's announcement field.
  const gql = (query: string, headers: Record<string, string> = staff) => app.inject({ method: 'POST', url: '/graphql', headers, payload: { query } })
  const g = await gql(`mutation { updateAnnouncement(id: "${draft.id}", expectedVersion: 2, input: { channels: [WEB, PRINT] }) { version channels } }`)
  t.same(g.json().data.updateAnnouncement, { version: 3, channels: ['WEB', 'PRINT'] }, g.body)
  const stale = await gql(`mutation { publishAnnouncement(id: "${draft.id}", expectedVersion: 1) { id } }`)
  t.equal(stale.json().errors[0].extensions.code, 'PRECONDITION_FAILED')
  await outboxSettled(database)
  const feedG = await gql(`{ changes(after: "${start}") { entries { resourceType tombstone announcement { id channels } } } }`, {})
  t.same(feedG.json().data.changes.entries, [
    { resourceType: 'ANNOUNCEMENT', tombstone: true, announcement: null },
    { resourceType: 'ANNOUNCEMENT', tombstone: false, announcement: { id: draft.id, channels: ['WEB', 'PRINT'] } },
  ])
})

t.test('when liaisons, the agency profile and areas change, then the feed carries them as their own reads show them', async (t) => {
  const { app, database } = await build(t)
  const staff = await bearer()
  const admin = await bearer({ role: 'admin', agency: 'metro' })
  await outboxSettled(database)
  const start = (await app.inject({ method: 'GET', url: '/v1/changes?agency=metro' })).json().cursor
  const contact = { email: 'imam.hassan@example.org', phone: '+1 555 0100' }
  const l = (await app.inject({ method: 'POST', url: '/v1/liaisons', headers: staff, payload: { displayName: 'Imam Yusuf Hassan', kind: 'faith_leader', languages: ['so'], listedByName: true, contact, consents: { contact: true } } })).json()
  const confirmed = await app.inject({ method: 'POST', url: `/v1/liaisons/${l.id}/status`, headers: { ...staff, 'if-match': `"${l.version}"` }, payload: { status: 'confirmed' } })
  t.equal(confirmed.statusCode, 200, confirmed.body)
  const profile = (await app.inject({ method: 'GET', url: '/v1/agencies/metro' })).json()
  const renamed = await app.inject({ method: 'PATCH', url: '/v1/agencies/metro', headers: { ...admin, 'if-match': `"${profile.version}"` }, payload: { name: 'Metro Police Department' } })
  t.equal(renamed.statusCode, 200, renamed.body)
  const area = await app.inject({ method: 'POST', url: '/v1/agencies/metro/areas', headers: admin, payload: { code: 'B-77', name: 'Beat 77', kind: 'beat' } })
  t.equal(area.statusCode, 201, area.body)
  const removed = await app.inject({ method: 'DELETE', url: `/v1/agencies/metro/areas/${area.json().id}`, headers: { ...admin, 'if-match': '"1"' } })
  t.equal(removed.statusCode, 204, removed.body)

  await outboxSettled(database)
  const raw = await app.inject({ method: 'GET', url: `/v1/changes?agency=metro&after=${start}` })
  const entries: Entry[] = raw.json().data
  t.same(entries.map((e) => [e.resourceType, e.type, e.tombstone ?? false]), [
    ['liaison', 'liaison.confirmed', false],
    ['agency', 'agency.updated', false],
    ['area', 'area.removed', true],
  ])
  t.match(entries[0]!.resource, { id: l.id, displayName: 'Imam Yusuf Hassan' })
  t.notMatch(raw.body, /imam\.hassan@example\.org|555 0100/, 'a liaison\'s contact never travels in the feed')
  t.match(entries[1]!.resource, { slug: 'metro', name: 'Metro Police Department', version: profile.version + 1 })

  // Organizations and series, read in one batch each, are exactly what their own reads return.
  const org = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: { name: 'Cedar Street Mosque', kind: 'faith' } })).json()
  const series = await app.inject({
    method: 'POST',
    url: '/v1/series',
    headers: staff,
    payload: { title: { en: 'Coffee with an officer' }, kind: 'coffee_with_an_officer', format: 'in_person', recurrence: { rule: 'FREQ=MONTHLY;BYDAY=2TU;COUNT=2', start: `${secondTuesdayAfterNow(1)}T08:30`, durationMinutes: 60 }, rotation: [{ venue: { name: 'Corner Café' } }] },
  })
  t.equal(series.statusCode, 201, series.body)
  await outboxSettled(database)
  const later: Entry[] = (await app.inject({ method: 'GET', url: `/v1/changes?agency=metro&after=${raw.json().cursor}` })).json().data
  t.same(later.find((e) => e.resourceType === 'organization')!.resource, (await app.inject({ method: 'GET', url: `/v1/organizations/${org.id}` })).json())
  t.same(later.find((e) => e.resourceType === 'series')!.resource, (await app.inject({ method: 'GET', url: `/v1/series/${series.json().id}` })).json())

  const gql = (await app.inject({ method: 'POST', url: '/graphql', payload: { query: `{ changes(agency: "metro", after: "${start}") { entries { resourceType liaison { displayName } agency { name } area { id } } } }` } })).json()
  t.same(gql.data.changes.entries.slice(0, 3), [
    { resourceType: 'LIAISON', liaison: { displayName: 'Imam Yusuf Hassan' }, agency: null, area: null },
    { resourceType: 'AGENCY', liaison: null, agency: { name: 'Metro Police Department' }, area: null },
    { resourceType: 'AREA', liaison: null, agency: null, area: null },
  ])
})
