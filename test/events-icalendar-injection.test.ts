// Text in iCalendar feeds is escaped (RFC 5545 §3.3.11): line breaks, "BEGIN:VEVENT", semicolons and commas in a title,
// description or place cannot add lines or events, and both ical.js and node-ical read the text back as it was.
import ICAL from 'ical.js'
import ical, { type VEvent } from 'node-ical'
import t from 'tap'
import { sql } from 'drizzle-orm'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const window = 'from=2027-01-01T00:00:00Z&to=2028-01-01T00:00:00Z'
const hostile = [
  'Town hall\rBEGIN:VEVENT\rSUMMARY:fake',
  'Town hall\nEND:VEVENT\nBEGIN:VEVENT\nUID:injected',
  'Town hall\r\nX-INJECTED:yes\r\nBEGIN:VEVENT',
  String.raw`Literal \r\n and \n stay text; BEGIN:VEVENT`,
  'Semicolons; commas, backslash \\ and "quotes": all text',
  'Long multi-byte: 社区会议与警察对话 🧑🏽‍🤝‍🧑🏿 Họp cộng đồng khu vực mười hai — réunion communautaire ' + '警察'.repeat(30),
]
// What a calendar shows for a stored text: a CR or CRLF is a line break, as LF is.
const shown = (s: string) => s.replace(/\r\n?/g, '\n')

t.test('when titles, descriptions and places hold line breaks and iCalendar syntax, then every feed has one VEVENT per event and the text round-trips', async (t) => {
  const { app, database } = await build(t)
  const staff = await bearer()
  const ids: string[] = []
  for (const [i, text] of hostile.entries()) {
    const created = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ title: { en: `Event ${i}` }, startsAt: `2027-03-1${i}T09:00:00-05:00`, endsAt: `2027-03-1${i}T10:30:00-05:00` }) })
    t.equal(created.statusCode, 201, created.body)
    const id = created.json().id as string
    ids.push(id)
    // Stored as is, whatever the API accepts at its edge today: the feed must be safe for any stored text.
    await database.db.execute(sql`update events set title = ${JSON.stringify({ en: text })}::jsonb, description = ${JSON.stringify({ en: text })}::jsonb, venue_name = ${text}, address = ${JSON.stringify({ street: text })}::jsonb, join_url = ${`https://meet.example.org/x\r\nBEGIN:VEVENT`} where id = ${id}::uuid`)
  }

  const feeds: { name: string; url: string; events: string[]; calendarName?: string }[] = [
    { name: 'the feed', url: `/v1/events.ics?${window}`, events: ids },
    ...ids.map((id, i) => ({ name: `event ${i}'s calendar`, url: `/v1/events/${id}.ics`, events: [id], calendarName: hostile[i]! })),
  ]
  for (const feed of feeds) {
    const res = await app.inject({ method: 'GET', url: feed.url })
    t.equal(res.statusCode, 200, res.body)
    const text = res.body
    t.notMatch(text.replace(/\r\n/g, ''), /[\r\n]/, `${feed.name}: no bare CR or LF, only CRLF line ends`)
    const lines = text.split('\r\n')
    t.ok(lines.every((l) => Buffer.byteLength(l) <= 75), `${feed.name}: every line is at most 75 octets`)
    t.notMatch(text, /\uFFFD/, `${feed.name}: no fold splits a character`)
    t.notOk(lines.some((l) => /^(X-INJECTED|UID:injected|SUMMARY:fake)/.test(l)), `${feed.name}: no injected line`)
    t.equal(lines.filter((l) => l === 'BEGIN:VEVENT').length, feed.events.length, `${feed.name}: one VEVENT per event`)

    const parsed = new ICAL.Component(ICAL.parse(text) as unknown as unknown[])
    const byIcalJs = parsed.getAllSubcomponents('vevent')
    const byNodeIcal = Object.values(ical.sync.parseICS(text)).filter((c): c is VEvent => c?.type === 'VEVENT')
    t.equal(byIcalJs.length, feed.events.length, `${feed.name}: ical.js reads one VEVENT per event`)
    t.equal(byNodeIcal.length, feed.events.length, `${feed.name}: node-ical reads one VEVENT per event`)
    for (const id of feed.events) {
      const original = shown(hostile[ids.indexOf(id)]!)
      const v = byIcalJs.find((c) => c.getFirstPropertyValue('uid') === id)!
      t.equal(v.getFirstPropertyValue('summary'), original, `${feed.name}: ical.js reads the title back`)
      t.match(String(v.getFirstPropertyValue('description')), original, `${feed.name}: ical.js reads the description back`)
      t.equal(v.getFirstPropertyValue('location'), `${original}, ${original}`, `${feed.name}: ical.js reads the place back`)
      t.equal(v.getFirstPropertyValue('url'), 'https://meet.example.org/xBEGIN:VEVENT', `${feed.name}: a URL loses its line breaks`)
      // node-ical unescapes \n before \\ (its own bug), so it reads a literal backslash-n as a line break: ical.js alone checks that one.
      if (/\\n/i.test(original)) continue
      const n = byNodeIcal.find((c) => c.uid === id)!
      const val = (x: unknown) => (x && typeof x === 'object' && 'val' in x ? String((x as { val: unknown }).val) : String(x))
      t.equal(val(n.summary), original, `${feed.name}: node-ical reads the title back`)
      t.ok(val(n.description).startsWith(original), `${feed.name}: node-ical reads the description back`)
      t.equal(val(n.location), `${original}, ${original}`, `${feed.name}: node-ical reads the place back`)
    }
    if (feed.calendarName !== undefined) {
      t.equal(parsed.getFirstPropertyValue('name'), shown(feed.calendarName), `${feed.name}: NAME reads back`)
      t.equal(parsed.getFirstPropertyValue('x-wr-calname'), shown(feed.calendarName), `${feed.name}: X-WR-CALNAME reads back`)
    }
  }
})
