// iCalendar feeds read back by independent parsers: node-ical (parsing, its own expansion) and ical.js's recurrence engine.
import ICAL from 'ical.js'
import ical, { type VEvent } from 'node-ical'
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const json = (res: { body: string }) => JSON.parse(res.body)
const window = 'from=2027-01-01T00:00:00Z&to=2028-01-01T00:00:00Z'
const vevents = (text: string) => Object.values(ical.sync.parseICS(text)).filter((c): c is VEvent => c?.type === 'VEVENT')
/** RFC 5545 §3.1 unfolding, so a long content line can be matched whole. */
const unfold = (text: string) => text.replace(/\r\n[ \t]/g, '')
const value = (v: unknown) => (v && typeof v === 'object' && 'val' in v ? String((v as { val: unknown }).val) : String(v))

/** The start instants a feed gives for a UID, expanded by ical.js: master RRULE minus EXDATEs, overrides applied. */
function icalJsStarts(text: string, uid: string): number[] {
  const cal = new ICAL.Component(ICAL.parse(text) as unknown as unknown[])
  for (const tz of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz)
  const all = cal.getAllSubcomponents('vevent').filter((v) => v.getFirstPropertyValue('uid') === uid)
  const master = new ICAL.Event(all.find((v) => !v.hasProperty('recurrence-id'))!)
  for (const o of all.filter((v) => v.hasProperty('recurrence-id'))) master.relateException(new ICAL.Event(o))
  const it = master.iterator()
  const starts: number[] = []
  for (let next = it.next(); next && starts.length < 500; next = it.next()) starts.push(master.getOccurrenceDetails(next).startDate.toJSDate().getTime())
  return starts.sort((a, b) => a - b)
}

t.test('when a rotating series with exceptions and overrides is in the feed, then its RRULE expands to the occurrences the API lists', async (t) => {
  const { app, fixtures } = await build(t)
  const staff = await bearer()
  const created = await app.inject({
    method: 'POST',
    url: '/v1/series',
    headers: staff,
    payload: {
      title: { en: 'Beat 12 community meeting', vi: 'Họp cộng đồng khu vực 12' },
      kind: 'listening_session',
      format: 'in_person',
      languages: ['en', 'vi'],
      recurrence: { rule: 'FREQ=MONTHLY;BYDAY=2TU;COUNT=8', start: '2027-01-12T18:30', durationMinutes: 90, exceptions: ['2027-04-13T18:30'] },
      rotation: [
        { venue: { name: 'North Library', address: { street: '1 Elm St', locality: 'Metro' }, geo: { latitude: 40.8, longitude: -73.95 } }, areaId: fixtures.areas.north.id },
        { venue: { name: 'North Library', address: { street: '1 Elm St', locality: 'Metro' }, geo: { latitude: 40.8, longitude: -73.95 } }, areaId: fixtures.areas.north.id },
        { venue: { name: 'South Rec Centre', address: { street: '9 Oak Ave', locality: 'Metro' } }, areaId: fixtures.areas.south.id },
      ],
      overrides: [
        { occurrence: '2027-05-11T18:30', start: '2027-05-15T10:00', durationMinutes: 120, format: 'hybrid', online: { joinUrl: 'https://meet.example.org/listen' } },
        { occurrence: '2027-06-08T18:30', cancelled: true },
      ],
    },
  })
  t.equal(created.statusCode, 201)
  const seriesId = json(created).id
  const listed = json(await app.inject({ method: 'GET', url: `/v1/events?seriesId=${seriesId}&limit=100&${window}` })).data as { startsAt: string; status: string }[]
  t.equal(listed.length, 7, 'eight rule dates, one exception')
  const apiStarts = listed.map((e) => Date.parse(e.startsAt)).sort((a, b) => a - b)

  const res = await app.inject({ method: 'GET', url: `/v1/events.ics?${window}` })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/calendar; charset=utf-8')
  t.match(res.body, /^BEGIN:VCALENDAR\r\n/)
  t.match(res.body, /\r\nBEGIN:VTIMEZONE\r\nTZID:America\/New_York\r\n/, 'a VTIMEZONE for the agency zone')
  t.match(res.body, /\r\nDTSTART;TZID=America\/New_York:20270112T183000\r\n/, 'DTSTART is wall-clock time with TZID')

  const parsed = vevents(res.body).filter((v) => v.uid === seriesId)
  t.equal(parsed.length, 1, 'one master per series UID (node-ical folds overrides into it)')
  const master = parsed[0]!
  t.ok(master.rrule, 'the master has an RRULE')
  t.ok(Object.keys(master.recurrences ?? {}).length >= 2, 'overrides carry RECURRENCE-ID')
  const expanded = ical.expandRecurringEvent(master, { from: new Date('2027-01-01T00:00:00Z'), to: new Date('2028-01-01T00:00:00Z') })
  t.same(expanded.map((i) => i.start.getTime()).sort((a, b) => a - b), apiStarts, 'node-ical expands to the listed starts (DST, exception and moved meeting included)')
  t.same(icalJsStarts(res.body, seriesId), apiStarts, 'ical.js expands to the same starts')

  const cancelled = expanded.find((i) => i.start.getTime() === Date.parse('2027-06-08T18:30:00-04:00'))!
  t.equal(cancelled.event.status, 'CANCELLED', 'the cancelled occurrence says STATUS:CANCELLED')
  const moved = expanded.find((i) => i.start.getTime() === Date.parse('2027-05-15T10:00:00-04:00'))!
  t.equal(moved.end.getTime() - moved.start.getTime(), 120 * 60_000, 'the moved meeting keeps its own length')
  t.equal(moved.event.url, 'https://meet.example.org/listen', 'the hybrid override has its join URL')
  const south = expanded.find((i) => i.start.getTime() === Date.parse('2027-03-09T18:30:00-05:00'))!
  t.match(value(south.event.location), /South Rec Centre/, 'a rotated place is an override with its own LOCATION')
})

t.test('when events are one-off, then each has its UID, status, place, GEO, CONFERENCE and URL; SEQUENCE rises on change', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const hybrid = json(
    await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: staff,
      payload: eventBody({ format: 'hybrid', online: { joinUrl: 'https://meet.example.org/j/123', dialIn: { number: '+1 646 555 0142', accessCode: '8123#' }, captionsUrl: 'https://captions.example.org/e/1' } }),
    }),
  )
  const other = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ title: { en: 'Youth basketball night' }, languages: ['en'], interpretation: [], startsAt: '2027-04-01T18:00:00-04:00', endsAt: '2027-04-01T20:00:00-04:00' }) }))
  const draft = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ draft: true, title: { en: 'Secret draft' } }) }))

  const feed = vevents((await app.inject({ method: 'GET', url: `/v1/events.ics?${window}` })).body)
  t.same(feed.map((v) => v.uid).sort(), [hybrid.id, other.id].sort(), 'the public feed leaves the draft out, as the list does')
  const staffFeed = vevents((await app.inject({ method: 'GET', url: `/v1/events.ics?${window}`, headers: staff })).body)
  t.ok(staffFeed.some((v) => v.uid === draft.id), 'staff see their drafts, as in the list')

  const single = await app.inject({ method: 'GET', url: `/v1/events/${hybrid.id}.ics` })
  t.equal(single.statusCode, 200)
  t.equal(single.headers['content-type'], 'text/calendar; charset=utf-8')
  const [v] = vevents(single.body)
  t.equal(v!.uid, hybrid.id)
  t.equal(v!.status, 'CONFIRMED')
  t.equal(Number(v!.sequence), 0)
  t.equal(v!.start.getTime(), Date.parse('2027-03-10T09:00:00-05:00'))
  t.equal(v!.start.tz, 'America/New_York', 'DTSTART carries TZID')
  t.same(v!.geo, { lat: 40.75, lon: -73.99 }, 'GEO')
  t.match(value(v!.location), /Corner Café, 12 Main St, Metro, NY 10001, US/, 'LOCATION is the venue and address')
  t.equal(v!.url, 'https://meet.example.org/j/123', 'URL is the way in')
  t.match(unfold(single.body), /\r\nCONFERENCE;FEATURE=VIDEO,AUDIO;LABEL=Join online;VALUE=URI:https:\/\/meet\.example\.org\/j\/123\r\n/, 'CONFERENCE (RFC 7986) with FEATURE and LABEL')
  t.match(unfold(single.body), /\r\nCONFERENCE;FEATURE=PHONE;LABEL=Dial in;VALUE=URI:tel:\+16465550142\r\n/, 'the dial-in is a CONFERENCE too')
  t.match(single.body, /\r\nBEGIN:VTIMEZONE\r\n/, 'VTIMEZONE present')

  const changed = await app.inject({ method: 'POST', url: `/v1/events/${hybrid.id}/cancel`, headers: { ...staff, 'if-match': '"1"' }, payload: { reason: 'Venue flooded' } })
  t.equal(changed.statusCode, 200)
  const [after] = vevents((await app.inject({ method: 'GET', url: `/v1/events/${hybrid.id}.ics` })).body)
  t.equal(after!.status, 'CANCELLED', 'STATUS:CANCELLED')
  t.ok(Number(after!.sequence) > Number(v!.sequence), 'SEQUENCE rose')
  t.equal(after!.uid, v!.uid, 'the UID is stable')

  const postponed = await app.inject({ method: 'POST', url: `/v1/events/${other.id}/postpone`, headers: { ...staff, 'if-match': '"1"' }, payload: {} })
  t.equal(postponed.statusCode, 200)
  const [tentative] = vevents((await app.inject({ method: 'GET', url: `/v1/events/${other.id}.ics` })).body)
  t.equal(tentative!.status, 'TENTATIVE', 'a postponed meeting is TENTATIVE')
})

t.test('when the feed is filtered, then it holds what the list holds for the same filters', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const es = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody() }))
  const so = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ title: { so: 'Kulan bulsho', en: 'Community meeting' }, languages: ['so', 'en'], interpretation: [], accommodations: ['childcare'] }) }))
  const uids = async (query: string) => vevents((await app.inject({ method: 'GET', url: `/v1/events.ics?${window}&${query}` })).body).map((v) => v.uid).sort()
  t.same(await uids('language=es'), [es.id], 'language=es')
  t.same(await uids('language=so'), [so.id], 'language=so')
  t.same(await uids('accommodation=childcare'), [so.id], 'accommodation')
  t.same(await uids('format=virtual'), [], 'format')

  const spanish = await app.inject({ method: 'GET', url: `/v1/events/${es.id}.ics`, headers: { 'accept-language': 'es' } })
  t.equal(vevents(spanish.body)[0]!.summary && value(vevents(spanish.body)[0]!.summary), 'Café con un policía', 'SUMMARY follows Accept-Language')
  t.match(unfold(spanish.body), /\r\nSUMMARY;LANGUAGE=es:Café con un policía\r\n/, 'and says its language')
  t.equal(spanish.headers['content-language'], 'es')

  for (const bad of ['language=x', 'from=yesterday', 'status=archived', 'colour=blue']) {
    const res = await app.inject({ method: 'GET', url: `/v1/events.ics?${bad}` })
    t.equal(res.statusCode, 400, `${bad} is a 400`)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
  }
  const missing = await app.inject({ method: 'GET', url: '/v1/events/3f2b8c1e-5d4a-4e7b-9c61-2a8f0d9e7b14.ics' })
  t.equal(missing.statusCode, 404)
  t.equal(json(missing).code, 'EVENT_NOT_FOUND')
})
