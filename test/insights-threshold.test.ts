// The suppression threshold at its edge, through the insights API: 10 is withheld and 11 published (the default
// threshold), and in closing the loop a small difference between two published measures is withheld like a small count.
import t from 'tap'
import { protect } from '../src/modules/insights/suppression.ts'
import { build } from './helpers/build.ts'
import { addAttendees, addEvent, addFeedback } from './helpers/insights-data.ts'

const { app, database, fixtures } = await build(t, { env: { INSIGHTS_REFRESH_SECONDS: '0' } })
const THRESHOLD = 11
type Value = { value: number | null; suppressed: string | null }
type Row = { key: Record<string, string | null>; by?: string[] } & Record<string, Value | unknown>

const answer = async (insight: string, query: string) => {
  const res = await app.inject({ method: 'GET', url: `/v1/insights/${insight}?${query}` })
  if (res.statusCode !== 200) throw new Error(res.body)
  const body = res.json() as { cells: Row[]; margins: Row[]; suppression: { threshold: number } }
  return { ...body, rows: [...body.cells, ...body.margins] }
}
const measure = (row: Row, name: string) => row[name] as Value

// Lakeside: one cell of exactly threshold − 1 and one of exactly threshold, each alone in its period (so no
// complementary suppression is involved): feedback by month, people reached by quarter.
const lakeside = fixtures.lakeside.id
const area = fixtures.areas.lakeArea.id
await addFeedback(database, lakeside, THRESHOLD - 1, { areaId: area, topic: 'community_safety', receivedAt: '2026-08-12T17:00:00Z' })
await addFeedback(database, lakeside, THRESHOLD, { areaId: area, topic: 'community_safety', receivedAt: '2026-09-15T17:00:00Z' })
const winter = await addEvent(database, lakeside, { areaId: area, startsAt: '2026-02-10T23:30:00Z', timeZone: 'America/Chicago' })
const summer = await addEvent(database, lakeside, { areaId: area, startsAt: '2026-08-11T23:30:00Z', timeZone: 'America/Chicago' })
await addAttendees(database, lakeside, winter, THRESHOLD - 1)
await addAttendees(database, lakeside, summer, THRESHOLD)

// Metro: each month one cell whose received count is published but where one loop measure falls short of it by 1 to
// 10 (the few not acknowledged, not addressed, …), and a control month where every difference is 0 or ≥ 11.
const metro = fixtures.metro.id
const north = fixtures.areas.north.id
const at = (month: string) => `2026-${month}-10T15:00:00Z`
const loop = { areaId: north, topic: 'community_safety' }
// March: 18 received, 14 acknowledged (4 not yet).
await addFeedback(database, metro, 14, { ...loop, receivedAt: at('03'), status: 'acknowledged', acknowledgedAfterDays: 1 })
await addFeedback(database, metro, 4, { ...loop, receivedAt: at('03') })
// April: 19 received, 16 addressed (3 not).
await addFeedback(database, metro, 16, { ...loop, receivedAt: at('04'), status: 'addressed', acknowledgedAfterDays: 1, decidedAfterDays: 5 })
await addFeedback(database, metro, 3, { ...loop, receivedAt: at('04') })
// May: 15 received, 13 declined (2 not).
await addFeedback(database, metro, 13, { ...loop, receivedAt: at('05'), status: 'declined', acknowledgedAfterDays: 2, decidedAfterDays: 4 })
await addFeedback(database, metro, 2, { ...loop, receivedAt: at('05') })
// June: 13 received, 12 reported back (1 not).
await addFeedback(database, metro, 12, { ...loop, receivedAt: at('06'), status: 'reported_back', acknowledgedAfterDays: 1, decidedAfterDays: 5, reportedBackAfterDays: 10 })
await addFeedback(database, metro, 1, { ...loop, receivedAt: at('06') })
// July (control): 30 received, all acknowledged, 12 addressed (18 not): every difference may be shown.
await addFeedback(database, metro, 12, { ...loop, receivedAt: at('07'), status: 'addressed', acknowledgedAfterDays: 1, decidedAfterDays: 3 })
await addFeedback(database, metro, 18, { ...loop, receivedAt: at('07'), status: 'acknowledged', acknowledgedAfterDays: 1 })

t.test('when the suppression function sees 10 and 11 alone, then 10 is primary and 11 is published', async (t) => {
  t.strictSame(protect([THRESHOLD - 1], [], { threshold: THRESHOLD }), ['primary'])
  t.strictSame(protect([THRESHOLD], [], { threshold: THRESHOLD }), [undefined])
  t.strictSame(protect([0, 1, THRESHOLD - 1, THRESHOLD, THRESHOLD + 1], [], { threshold: THRESHOLD }), [undefined, 'primary', 'primary', undefined, undefined])
})

t.test('when a month has 10 feedback items and another 11, then voice withholds the 10 (primary) and publishes the 11', async (t) => {
  const august = await answer('voice', 'agency=lakeside&from=2026-08-01&to=2026-08-31')
  t.equal(august.suppression.threshold, THRESHOLD, 'the default threshold')
  t.equal(august.cells.length, 1, 'one cell in August')
  t.ok(august.rows.length > 1, 'with its margins')
  for (const row of august.rows) t.strictSame(measure(row, 'feedback'), { value: null, suppressed: 'primary' }, `August ${JSON.stringify(row.by ?? 'cell')}: 10 is withheld`)
  const september = await answer('voice', 'agency=lakeside&from=2026-09-01&to=2026-09-30')
  t.equal(september.cells.length, 1, 'one cell in September')
  for (const row of september.rows) t.strictSame(measure(row, 'feedback'), { value: THRESHOLD, suppressed: null }, `September ${JSON.stringify(row.by ?? 'cell')}: 11 is published`)
  const closing = await answer('closing-the-loop', 'agency=lakeside&from=2026-08-01&to=2026-09-30')
  const received = closing.cells.map((c) => measure(c, 'received'))
  t.same(received.sort((a, b) => Number(a.value) - Number(b.value)), [{ value: null, suppressed: 'primary' }, { value: THRESHOLD, suppressed: null }], 'closing the loop: received 10 withheld, 11 shown')
})

t.test('when a quarter reached 10 people and another 11, then reach withholds the 10 (primary) and publishes the 11', async (t) => {
  const first = await answer('reach', 'agency=lakeside&from=2026-01-01&to=2026-03-31')
  t.equal(first.cells.length, 1)
  for (const row of first.rows) t.strictSame(measure(row, 'people'), { value: null, suppressed: 'primary' }, `Q1 ${JSON.stringify(row.by ?? 'cell')}: 10 people withheld`)
  const third = await answer('reach', 'agency=lakeside&from=2026-07-01&to=2026-09-30')
  t.equal(third.cells.length, 1)
  for (const row of third.rows) t.strictSame(measure(row, 'people'), { value: THRESHOLD, suppressed: null }, `Q3 ${JSON.stringify(row.by ?? 'cell')}: 11 people published`)
})

const loopCounts = ['acknowledged', 'addressed', 'declined', 'reportedBack'] as const

t.test('when closing the loop is published, then no measure differs from received by 1 to threshold−1, in counts or in shares', async (t) => {
  const whole = await answer('closing-the-loop', 'agency=metro')
  t.equal(whole.cells.length, 5, 'one cell a month, March to July')
  const small: string[] = []
  let pairs = 0
  for (const row of whole.rows) {
    const received = measure(row, 'received').value
    if (received === null) continue
    for (const name of loopCounts) {
      const count = measure(row, name).value
      if (count !== null) {
        pairs++
        const rest = received - count
        if (rest >= 1 && rest < THRESHOLD) small.push(`${row.key.period} ${JSON.stringify(row.by ?? 'cell')}: received ${received} − ${name} ${count} = ${rest}`)
      }
      const share = measure(row, `${name}Share`).value
      if (share !== null) {
        const rest = Math.round(received * (1 - share))
        if (rest >= 1 && rest < THRESHOLD) small.push(`${row.key.period} ${JSON.stringify(row.by ?? 'cell')}: received ${received} × (1 − ${name}Share ${share}) = ${rest}`)
      }
    }
  }
  t.strictSame(small, [], 'no published pair tells a difference of 1 to 10')
  t.ok(pairs > 0, `${pairs} published pairs checked`)

  const cell = (month: string) => whole.cells.find((c) => c.key.period === `2026-${month}`)!
  const expectWithheld: [string, (typeof loopCounts)[number], number][] = [['03', 'acknowledged', 18], ['04', 'addressed', 19], ['04', 'acknowledged', 19], ['05', 'declined', 15], ['06', 'reportedBack', 13], ['06', 'acknowledged', 13]]
  for (const [month, name, received] of expectWithheld) {
    t.strictSame(measure(cell(month), 'received'), { value: received, suppressed: null }, `2026-${month}: ${received} received is shown`)
    t.strictSame(measure(cell(month), name), { value: null, suppressed: 'primary' }, `2026-${month}: ${name}, a few short of received, is withheld as primary`)
    t.equal(measure(cell(month), `${name}Share`).value, null, `2026-${month}: and so is its share`)
  }
  const july = cell('07')
  t.strictSame(
    Object.fromEntries(['received', ...loopCounts].map((m) => [m, measure(july, m).value])),
    { received: 30, acknowledged: 30, addressed: 12, declined: 0, reportedBack: 0 },
    'the control month publishes differences of 0 and of 11 or more',
  )
})
