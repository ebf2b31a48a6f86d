// The published share of every insight: per count, how many nonzero cells and margins are published and how much of
// the counted total they carry. Usage: npm run insights:share -- [--agency slug] [--now ISO] [--json]
// Without DATABASE_URL it loads the demo into an in-memory PGlite (generated for --now, default a fixed date, so two
// runs compare); with DATABASE_URL it measures that database as it is (e.g. the benchmark's, agency-1).
import { parseArgs } from 'node:util'
import { PGlite } from '@electric-sql/pglite'
import pino from 'pino'
import { fromPglite, openDatabase } from '../src/db/client.ts'
import { migrate } from '../src/db/migrate.ts'
import { seedDemo } from '../src/seed/demo.ts'
import { figuresOf, shareTable, sharesOf } from './insights-share-measure.ts'

const { values: args } = parseArgs({ options: { agency: { type: 'string' }, now: { type: 'string', default: '2026-12-04T15:00:00Z' }, json: { type: 'boolean', default: false }, threshold: { type: 'string', default: '11' } } })
const log = pino({ level: 'silent' })
const url = process.env.DATABASE_URL
const database = url ? await openDatabase({ kind: 'postgres', url, poolMax: 4, statementTimeoutMs: 600_000 }, log) : fromPglite(await PGlite.create())
const agency = args.agency ?? (url ? 'agency-1' : 'riverton')
if (!url) {
  await migrate(database)
  await seedDemo(database, { now: new Date(args.now) })
}
const threshold = Number(args.threshold)
const started = performance.now()
const figures = await figuresOf(database, agency, { threshold, minResponses: threshold })
const seconds = (performance.now() - started) / 1000
const shares = sharesOf(figures)
// Closing the loop's monthly totals: the trend an analyst reads first.
const monthly = figures.filter((f) => f.insight === 'closing-the-loop' && f.by === 'period')
if (args.json) console.log(JSON.stringify({ agency, threshold, shares, monthly }, null, 1))
else {
  console.log(`# Published share of ${agency}'s insights (threshold ${threshold}; built in ${seconds.toFixed(1)} s)\n`)
  console.log(shareTable(shares))
  const total = shares.filter((s) => s.level === 'all')
  const sum = (pick: (s: (typeof total)[number]) => number) => total.reduce((n, s) => n + pick(s), 0)
  console.log(`\nEvery count of every insight: ${sum((s) => s.published)} of ${sum((s) => s.entries)} nonzero entries published (${((100 * sum((s) => s.published)) / sum((s) => s.entries)).toFixed(1)}%), ${((100 * sum((s) => s.publishedTotal)) / sum((s) => s.total)).toFixed(1)}% of the counted total.`)
  console.log('\n## Closing the loop, monthly totals (— withheld)\n')
  const months = [...new Set(monthly.map((f) => f.key.period!))].sort()
  const measures = ['received', 'acknowledged', 'addressed', 'declined', 'reportedBack']
  console.log(`| month | ${measures.join(' | ')} |\n| --- |${measures.map(() => ' ---: |').join('')}`)
  for (const m of months) {
    const cell = (measure: string) => {
      const f = monthly.find((x) => x.key.period === m && x.measure === measure)
      return f ? (f.published ? String(f.value) : `— (${f.value})`) : '0'
    }
    console.log(`| ${m} | ${measures.map(cell).join(' | ')} |`)
  }
}
await database.close()
