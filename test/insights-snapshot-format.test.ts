// Periods stored by an earlier version (each snapshot's rows as plain JSON) answer with the same bytes as the compact
// form this version writes (snapshot-codec.ts), over REST (JSON and CSV) and GraphQL.
import t from 'tap'
import { buildApp } from '../src/app.ts'
import { decodeRows } from '../src/modules/insights/snapshot-codec.ts'
import { seedDemo } from '../src/seed/demo.ts'
import { build, testConfig } from './helpers/build.ts'
import { TEST_NOW } from './helpers/clock.ts'

t.test('plain and compact snapshots answer alike', async (t) => {
  const { app, database, clock } = await build(t, { env: { INSIGHTS_WARM: 'false' } })
  await seedDemo(database, { now: clock.now() })
  const [area] = await database.raw<{ id: string }>(`SELECT a.id FROM areas a JOIN agencies g ON g.id = a.agency_id WHERE g.slug = 'riverton' AND a.parent_id IS NULL ORDER BY a.code LIMIT 1`)
  const year = Number(TEST_NOW.slice(0, 4))
  const asks: { url: string; accept?: string; query?: string }[] = []
  for (const name of ['reach', 'voice', 'closing-the-loop', 'trust', 'who-takes-part'])
    for (const q of ['agency=riverton', `agency=riverton&area=${area!.id}&from=${year}-01-01&to=${year}-03-31`])
      for (const accept of ['application/json', 'text/csv']) asks.push({ url: `/v1/insights/${name}?${q}`, accept })
  const fields = '{ cells { key { dimension value } } margins { by key { dimension value } } }'
  asks.push({ url: '/graphql', query: `{ insights(agency: "riverton") { reach ${fields} voice ${fields} closingTheLoop { margins { by received { value suppressed } daysToAcknowledge { median { value suppressed } } } } trust { cells { responses { value suppressed } } } whoTakesPart ${fields} } }` })
  const answers = async (a: typeof app) => {
    const out: string[] = []
    for (const k of asks) out.push((await a.inject(k.query ? { method: 'POST', url: k.url, payload: { query: k.query } } : { url: k.url, headers: { accept: k.accept! } })).body)
    return out
  }

  const compact = await answers(app)
  const stored = await database.raw<{ insight: string; unit: string; period: string; rows: string }>('select insight, unit, period, rows from insight_snapshots')
  t.ok(stored.length > 5 && stored.every((s) => s.rows.startsWith('{"format":2,')), `${stored.length} snapshots stored compact`)
  const plain = stored.map((s) => JSON.stringify(decodeRows(s.rows)))
  t.ok(stored.reduce((n, s) => n + s.rows.length, 0) * 3 < plain.reduce((n, p) => n + p.length, 0), 'a third of the plain JSON or less')
  for (const [i, s] of stored.entries()) await database.raw('update insight_snapshots set rows = $1 where insight = $2 and unit = $3 and period = $4', [plain[i], s.insight, s.unit, s.period])

  // A new instance (nothing cached) reads the plain rows an earlier version would have stored.
  const earlier = await buildApp({ config: testConfig({ INSIGHTS_WARM: 'false' }), database, clock })
  await earlier.ready()
  t.teardown(() => earlier.close())
  const fromPlain = await answers(earlier)
  asks.forEach((k, i) => t.equal(fromPlain[i], compact[i], `${k.url} ${k.accept ?? ''}`))
  t.ok(compact.every((body) => body.length > 100), 'every answer has rows')
})
