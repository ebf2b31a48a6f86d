// Answers after police contact are dated to their week's Monday and their comments to their day, so a new one can be
// older than rows already counted: the insights must still see it (their change watermark counts recent rows too).
import t from 'tap'
import { build } from './helpers/build.ts'
import { TEST_NOW } from './helpers/clock.ts'
import { addFeedback } from './helpers/insights-data.ts'

const { app, database, fixtures } = await build(t, { env: { INSIGHTS_REFRESH_SECONDS: '0' } })
const now = new Date(TEST_NOW)
const hoursBefore = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString()
// The Monday (00:00 UTC) of TEST_NOW's week: where a contact answer given now is dated.
const monday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - ((now.getUTCDay() + 6) % 7))).toISOString()

const answer = (createdAt: string, n: number) =>
  database.raw(
    `insert into survey_responses (agency_id, area_id, trust, dignity, language, created_at) select $1, $2, 4, 4, 'en', $3::timestamptz from generate_series(1, $4)`,
    [fixtures.metro.id, fixtures.areas.north.id, createdAt, n],
  )
const responses = async () => {
  const res = await app.inject({ method: 'GET', url: '/v1/insights/community-trust?agency=metro&cycle=quarter' })
  t.equal(res.statusCode, 200, res.body)
  const rows = res.json().rows as { area: string | null; responses: { value: number | null } }[]
  return rows.find((r) => r.area === fixtures.areas.north.id)?.responses.value
}

t.test('when a contact answer dated to its Monday arrives after later answers were counted, then community trust counts it', async (t) => {
  t.ok(monday < hoursBefore(1), 'the test runs on a day after its Monday')
  await answer(hoursBefore(1), 40)
  t.equal(await responses(), 40)
  await answer(monday, 1)
  t.equal(await responses(), 41, 'the answer older than the newest is seen')
})

t.test('when comments dated to their day arrive after later feedback was counted, then voice counts them', async (t) => {
  const policy = async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/insights/voice?agency=metro' })
    t.equal(res.statusCode, 200, res.body)
    return (res.json().cells as { key: Record<string, string> }[]).filter((c) => c.key.topic === 'policy')
  }
  await addFeedback(database, fixtures.metro.id, 30, { receivedAt: hoursBefore(1) })
  t.equal((await policy()).length, 0)
  // Twelve survey comments on policy, written now but dated to the start of today (as a contact answer's comment is).
  await addFeedback(database, fixtures.metro.id, 12, { topic: 'policy', channel: 'survey', receivedAt: `${TEST_NOW.slice(0, 10)}T00:00:00Z`, updatedAt: `${TEST_NOW.slice(0, 10)}T00:00:00Z` })
  let cells = await policy()
  // The answer that notices a change still gives the previous table; the month is rebuilt in the background.
  for (let i = 0; i < 200 && cells.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25))
    cells = await policy()
  }
  t.equal(cells.length, 1, 'the comments older than the newest feedback are seen')
})
