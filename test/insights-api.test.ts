// Insights over REST: what an analyst sees for a small agency story, filters as whole cells, CSV, and bad input.
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { addFeedback, insightStory } from './helpers/insights-data.ts'

const { app, database, fixtures } = await build(t, { env: { INSIGHTS_REFRESH_SECONDS: '0' } })
const story = await insightStory(database, fixtures.metro.id, { north: fixtures.areas.north.id, south: fixtures.areas.south.id })
const get = async (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers })

t.test('debug', async (t) => {
  for (const name of ['reach', 'voice', 'closing-the-loop', 'trust', 'who-takes-part']) {
    const res = await get(`/v1/insights/${name}?agency=metro`)
    t.equal(res.statusCode, 200, res.body.slice(0, 300))
    if (process.env.SHOW) console.error(name, JSON.stringify(res.json(), null, 0).slice(0, 3000))
  }
})
