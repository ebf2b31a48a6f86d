// CSV exports of feedback and decisions, read back with csv-parse: quoting, newlines, non-Latin text, de-identification,
// paging, and each caller seeing exactly what their JSON list shows.
import { parse } from 'csv-parse/sync'
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'

const { app } = await build(t)
const staff = await bearer()
const analyst = await bearer({ role: 'analyst', sub: 'analyst-1' })
const rowsOf = (body: string) => parse(body, { bom: true, columns: true }) as Record<string, string>[]
/** What a cell holds for a list value: empty for null, and a leading quote before what a spreadsheet would run as a formula. */
const cell = (value: unknown) => (value === null || value === undefined ? '' : /^[=+\-@\t\r]/.test(String(value)) ? `'${String(value)}` : String(value))

const inject = (method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}, payload?: unknown) =>
  app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as never } : {}) })

async function give(body: string, { publish = false, language = 'en' } = {}) {
  const res = await inject('POST', '/v1/feedback', staff, { body, language, topic: 'community_safety', publish })
  if (res.statusCode !== 201) throw new Error(res.body)
  const id = res.json().id as string
  if (publish) {
    const moderated = await inject('POST', `/v1/feedback/${id}/moderation`, { ...staff, 'if-match': '"1"' }, { action: 'publish' })
    if (moderated.statusCode !== 200) throw new Error(moderated.body)
  }
  return id
}

/** Every item of a JSON list, following cursors. */
async function listAll(url: string, headers: Record<string, string>) {
  const out: Record<string, unknown>[] = []
  let cursor: string | null = null
  do {
    const res = await inject('GET', `${url}${url.includes('?') ? '&' : '?'}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, headers)
    out.push(...res.json().data)
    cursor = res.json().nextCursor
  } while (cursor)
  return out
}

const awkward = [
  'Lights out, again — "every night"\nsince March, on the corner',
  'Họp cộng đồng: an toàn giao thông, 学校附近超速',
  'Xaafadda waa ammaan la\'aan, fadlan caawiya',
  '=HYPERLINK("http://evil.example")',
]

t.test('when feedback is exported, then awkward text survives and nothing identifies the giver', async (t) => {
  const published = []
  for (const body of awkward) published.push(await give(body, { publish: true }))
  const withContact = await give('Call me on +1 646 555 0142 or write to canary-export@example.org', { publish: true })
  const privateItem = await give('Private, with "quotes", and a comma')
  await inject('POST', '/v1/feedback', {}, { agency: 'metro', body: 'Please call me back', language: 'en', topic: 'other', contact: { email: 'canary-giver@example.org', consentToContact: true } })

  const res = await inject('GET', '/v1/feedback.csv', analyst)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/csv; charset=utf-8; header=present')
  t.match(res.headers['content-disposition'], /attachment; filename="feedback.csv"/)
  t.ok(res.rawPayload.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'a UTF-8 byte order mark')
  const rows = rowsOf(res.body)
  const columns = Object.keys(rows[0]!)
  for (const personal of ['participantId', 'anonymous', 'contact', 'email', 'phone', 'displayName']) t.notOk(columns.includes(personal), `no ${personal} column`)
  t.notMatch(res.body, /canary-export|canary-giver|555 0142/, 'no contact details anywhere in the file')

  const byId = new Map(rows.map((r) => [r.id, r]))
  t.same(published.slice(0, 3).map((id) => byId.get(id)!.body), awkward.slice(0, 3), 'commas, quotes, newlines, Vietnamese, Chinese and Somali survive')
  t.equal(byId.get(published[3]!)!.body, `'=HYPERLINK("http://evil.example")`, 'a formula is defused for spreadsheets')
  t.match(byId.get(withContact)!.body, /\[phone removed\].*\[email removed\]/)
  t.equal(byId.get(privateItem)!.body, 'Private, with "quotes", and a comma', 'the analyst sees their agency\'s private items, de-identified')
  t.equal(byId.get(privateItem)!.visibility, 'private')

  const staffRows = rowsOf((await inject('GET', '/v1/feedback.csv', staff)).body)
  t.equal(staffRows.length, rows.length, 'staff export the same items')
  t.notMatch((await inject('GET', '/v1/feedback.csv', staff)).body, /canary-export|555 0142/, 'de-identified for staff too: the export is for analysis')
})

t.test('when analysts and the public export feedback, then each sees exactly what their JSON list shows', async (t) => {
  // Past one page of the list (100), so the export must follow cursors.
  for (let i = 0; i < 101; i++) await give(`Bulk item ${i}, "quoted"`, { publish: i % 2 === 0 })
  for (const [who, headers] of [['public', {}], ['analyst', analyst]] as const) {
    const list = await listAll('/v1/feedback', headers)
    const rows = rowsOf((await inject('GET', '/v1/feedback.csv', headers)).body)
    t.same(rows.map((r) => r.id), list.map((f) => f.id), `${who}: the same items, in list order`)
    t.same(rows.map((r) => r.body), list.map((f) => cell(f.body)), `${who}: the same text the list gives them`)
    t.same(rows.map((r) => r.status), list.map((f) => f.status))
  }
  const publicRows = rowsOf((await inject('GET', '/v1/feedback.csv')).body)
  t.ok(publicRows.every((r) => r.visibility === 'published'), 'the public export holds published items only')
  t.ok(publicRows.every((r) => r.statusReason === '' && r.organizationId === ''), 'and none of the agency\'s notes')

  const filtered = rowsOf((await inject('GET', '/v1/feedback.csv?visibility=private&topic=community_safety', analyst)).body)
  const filteredList = await listAll('/v1/feedback?visibility=private&topic=community_safety', analyst)
  t.same(filtered.map((r) => r.id), filteredList.map((f) => f.id), 'the list\'s filters apply')
  t.ok(filtered.length > 0)

  const empty = await inject('GET', '/v1/feedback.csv?topic=other&stance=supportive', analyst)
  t.equal(empty.statusCode, 200)
  t.same(rowsOf(empty.body), [], 'no rows, but a header')
  t.match(empty.body, /^\uFEFFid,agencyId,receivedAt,/)

  for (const bad of ['status=lost', 'cursor=nope', 'receivedFrom=soon', 'limit=5', 'colour=blue']) {
    const res = await inject('GET', `/v1/feedback.csv?${bad}`)
    t.equal(res.statusCode, 400, `${bad} is a 400`)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
  }
})

t.test('when decisions are exported, then text survives and drafts stay with staff', async (t) => {
  const record = async (title: Record<string, string>, extra: Record<string, unknown> = {}) => {
    const res = await inject('POST', '/v1/decisions', staff, { title, summary: { en: 'Line one\nLine two, "quoted"' }, publication: 'published', ...extra })
    if (res.statusCode !== 201) throw new Error(res.body)
    return res.json().id as string
  }
  const titles: Record<string, string>[] = [{ en: 'More patrols, "visible" ones' }, { vi: 'Tăng cường tuần tra khu vực 12' }, { zh: '学校附近安装测速摄像头' }, { en: '@SUM(A1:A9)' }]
  const ids = []
  for (const title of titles) ids.push(await record(title))
  const draft = await record({ en: 'Draft decision' }, { publication: 'draft' })
  const updated = await inject('POST', `/v1/decisions/${ids[0]}/updates`, { ...staff, 'if-match': '"1"' }, { status: 'adopted', on: '2027-02-10', note: { en: 'Agreed, at last' } })
  t.equal(updated.statusCode, 200, updated.body)

  const res = await inject('GET', '/v1/decisions.csv')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-disposition'], /filename="decisions.csv"/)
  t.ok(res.rawPayload.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])))
  const rows = rowsOf(res.body)
  t.same(rows.map((r) => r.id), ids, 'published decisions only, in list order')
  t.same(rows.slice(0, 3).map((r) => r.title), titles.slice(0, 3).map((x) => Object.values(x)[0]))
  t.equal(rows[3]!.title, `'@SUM(A1:A9)`, 'a formula is defused')
  t.equal(rows[0]!.summary, 'Line one\nLine two, "quoted"')
  t.equal(rows[0]!.lastUpdateStatus, 'adopted')
  t.equal(rows[0]!.lastUpdateNote, 'Agreed, at last')
  t.equal(rows[1]!.contentLanguage, 'vi')

  const staffRows = rowsOf((await inject('GET', '/v1/decisions.csv', staff)).body)
  t.same(staffRows.map((r) => r.id), (await listAll('/v1/decisions', staff)).map((d) => d.id), 'staff: what their list shows, drafts included')
  t.ok(staffRows.some((r) => r.id === draft))
  const spanish = rowsOf((await inject('GET', '/v1/decisions.csv?status=adopted', { 'accept-language': 'es' })).body)
  t.same(spanish.map((r) => r.id), [ids[0]], 'the list\'s filters apply')
  for (const bad of ['status=maybe', 'limit=5', 'cursor=nope']) t.equal((await inject('GET', `/v1/decisions.csv?${bad}`)).statusCode, 400, `${bad} is a 400`)
})
