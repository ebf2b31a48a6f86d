// CSV export of events, read back with csv-parse: quoting, newlines, non-Latin text, filters and paging.
import { parse } from 'csv-parse/sync'
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { eventBody } from './helpers/fixtures.ts'

const json = (res: { body: string }) => JSON.parse(res.body)
const rowsOf = (body: string) => parse(body, { bom: true, columns: true }) as Record<string, string>[]

t.test('when events are exported, then awkward text survives the round trip', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const titles = [
    { en: 'Meeting, with "quotes", commas' },
    { vi: 'Họp cộng đồng khu vực 12: an toàn giao thông' },
    { so: 'Kulanka bulshada ee Cedar-Riverside' },
    { zh: '社区安全会议' },
    { en: '=HYPERLINK("http://evil.example")' },
  ]
  const ids: string[] = []
  for (const [i, title] of titles.entries()) {
    const day = String(10 + i).padStart(2, '0')
    const res = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: staff,
      payload: eventBody({ title, description: { [Object.keys(title)[0]!]: 'Line one\nLine two, "quoted"\r\nLine three' }, startsAt: `2027-03-${day}T09:00:00-05:00`, endsAt: `2027-03-${day}T10:00:00-05:00` }),
    })
    t.equal(res.statusCode, 201)
    ids.push(json(res).id)
  }

  const res = await app.inject({ method: 'GET', url: '/v1/events.csv' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/csv; charset=utf-8; header=present')
  t.match(res.headers['content-disposition'], /attachment; filename="events.csv"/)
  t.ok(res.rawPayload.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'a UTF-8 byte order mark, so spreadsheets read UTF-8')
  const rows = rowsOf(res.body)
  t.same(rows.map((r) => r.id), ids, 'one row per event, in list order')
  t.same(rows.slice(0, 4).map((r) => r.title), titles.slice(0, 4).map((x) => Object.values(x)[0]), 'commas, quotes, Vietnamese, Somali and Chinese survive')
  t.equal(rows[4]!.title, `'=HYPERLINK("http://evil.example")`, 'a formula is defused for spreadsheets')
  t.equal(rows[0]!.description, 'Line one\nLine two, "quoted"\r\nLine three', 'newlines inside a field survive')
  t.equal(rows[0]!.startsAt, '2027-03-10T09:00:00-05:00')
  t.equal(rows[0]!.languages, 'en es', 'lists are space-separated')
  t.equal(rows[0]!.latitude, '40.75')
  t.equal(rows[0]!.registrationRequired, 'false')
  t.equal(rows[1]!.contentLanguage, 'vi')
})

t.test('when the export is filtered or spans many pages, then it holds exactly what the list holds', async (t) => {
  const { app } = await build(t)
  const staff = await bearer()
  const created: string[] = []
  // More than one page of the list (100), so the export must follow cursors.
  const series = await app.inject({
    method: 'POST',
    url: '/v1/series',
    headers: staff,
    payload: { title: { en: 'Daily check-in' }, kind: 'other', format: 'virtual', online: { joinUrl: 'https://meet.example.org/d' }, languages: ['so'], recurrence: { rule: 'FREQ=DAILY;COUNT=130', start: '2027-01-01T08:00', durationMinutes: 30 } },
  })
  t.equal(series.statusCode, 201)
  created.push(json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody() })).id)
  const draft = json(await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ draft: true }) }))

  const all = rowsOf((await app.inject({ method: 'GET', url: '/v1/events.csv' })).body)
  t.equal(all.length, 131, 'every page is exported')
  t.notOk(all.some((r) => r.id === draft.id), 'the public export leaves drafts out')
  t.equal(new Set(all.map((r) => r.id)).size, 131, 'no row twice')

  const somali = rowsOf((await app.inject({ method: 'GET', url: '/v1/events.csv?language=so' })).body)
  t.equal(somali.length, 130, 'language=so')
  const spanish = rowsOf((await app.inject({ method: 'GET', url: '/v1/events.csv?language=es&format=in_person' })).body)
  t.same(spanish.map((r) => r.id), created)
  const staffRows = rowsOf((await app.inject({ method: 'GET', url: '/v1/events.csv?status=draft', headers: staff })).body)
  t.same(staffRows.map((r) => r.id), [draft.id], 'staff may export their drafts')

  const empty = await app.inject({ method: 'GET', url: '/v1/events.csv?kind=training' })
  t.equal(empty.statusCode, 200)
  t.same(rowsOf(empty.body), [], 'no rows, but a header')
  t.match(empty.body, /^\uFEFFid,agencyId,title,/)

  for (const bad of ['language=x', 'cursor=nope', 'from=soon', 'colour=blue']) {
    const res = await app.inject({ method: 'GET', url: `/v1/events.csv?${bad}` })
    t.equal(res.statusCode, 400, `${bad} is a 400`)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
  }
})
