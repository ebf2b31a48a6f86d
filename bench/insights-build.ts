// The insights' build on its own, without the API: what one agency's periods are built from is read once from a
// benchmark database and kept in a file, then built (and profiled) as often as wanted from that file.
//   capture: bash scripts/with-postgres.sh node bench/insights-build.ts capture --scale default --out /tmp/insights-default.json
//   build:   node [--cpu-prof] bench/insights-build.ts build --in /tmp/insights-default.json [--only months|quarters] [--share] [--digest FILE]
// `build` prints the CPU each period took and in all, and with --share the published share of each count (the same
// tables built again withholding nothing, compared entry by entry). With --digest it writes one line per period and
// table: a hash of every published row (key, figures, withheld and why) and the count withheld per reason, so two
// versions of the build can be shown to publish the same (diff the files).
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import pg from 'pg'
import pino from 'pino'
import { loadConfig } from '../src/config.ts'
import { PGlite } from '@electric-sql/pglite'
import { fromPglite, openDatabase } from '../src/db/client.ts'
import { seedDemo } from '../src/seed/demo.ts'
import { migrate } from '../src/db/migrate.ts'
import { createAgenciesRepository } from '../src/modules/agencies/agencies-repository.ts'
import { buildFeedback, buildReach, buildTrust, buildWhoTakesPart, type DaysRow, type EventRow, type FeedbackRow, type Limits, type Published, type Snapshot, type SurveyRow } from '../src/modules/insights/insight-tables.ts'
import { createInsightsRepository, inBuildTransaction, type RawEvent, type RawPerson } from '../src/modules/insights/insights-repository.ts'
import { slotOf } from '../src/modules/insights/insights-service.ts'
import { loadDataset, type Scale } from './lib/dataset.ts'

type Month = { month: string; feedback: FeedbackRow[]; days: DaysRow[] }
type Quarter = { quarter: string; events: RawEvent[]; people: RawPerson[]; surveys: SurveyRow[] }
type Captured = { agency: string; topOf: [string, string][]; months: Month[]; quarters: Quarter[] }

const { positionals, values: args } = parseArgs({
  allowPositionals: true,
  options: { scale: { type: 'string', default: 'default' }, out: { type: 'string' }, in: { type: 'string' }, agency: { type: 'string', default: process.env.DATABASE_URL ? 'agency-1' : 'riverton' }, only: { type: 'string' }, share: { type: 'boolean', default: false }, digest: { type: 'string' }, threshold: { type: 'string', default: '11' } },
})

if (positionals[0] === 'capture') await capture()
else if (positionals[0] === 'build') build()
else throw new Error('usage: insights-build.ts capture|build …')

async function capture() {
  const url = process.env.DATABASE_URL
  if (!args.out) throw new Error('capture needs --out')
  // Without DATABASE_URL: the demo, loaded into an in-memory PGlite for a fixed date (as npm run insights:share does).
  const database = url ? await openDatabase(loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'warn' }).database, pino({ level: 'warn' })) : fromPglite(await PGlite.create())
  await migrate(database)
  if (url) {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    if ((await client.query('select count(*)::int n from agencies')).rows[0].n === 0) console.error(`loaded ${JSON.stringify((await loadDataset(client, args.scale as Scale)).rows)}`)
    await client.end()
  } else await seedDemo(database, { now: new Date('2026-12-04T15:00:00Z') })
  const agencies = createAgenciesRepository(database.db)
  const agency = (await agencies.bySlug(args.agency!))!
  const areas = await agencies.listAreas(agency.id)
  const q = <T>(fn: (repo: ReturnType<typeof createInsightsRepository>) => Promise<T>) => inBuildTransaction(database.db, 600_000, fn)
  const span = await createInsightsRepository(database.db).span(agency.id, agency.timeZone)
  const out: Captured = { agency: agency.slug, topOf: areas.map((a) => [a.id, a.lineage[0] ?? a.id]), months: [], quarters: [] }
  for (let m = span.firstMonth; m && m <= span.lastMonth!; m = next(m, 'month')) {
    const range = { from: start(m, 'month'), to: start(next(m, 'month'), 'month') }
    out.months.push({ month: m, feedback: await q((r) => r.feedback(agency.id, agency.timeZone, range)), days: await q((r) => r.days(agency.id, agency.timeZone, range)) })
  }
  for (let p = span.firstQuarter; p && p <= span.lastQuarter!; p = next(p, 'quarter')) {
    const range = { from: start(p, 'quarter'), to: start(next(p, 'quarter'), 'quarter') }
    out.quarters.push({ quarter: p, events: await q((r) => r.events(agency.id, agency.timeZone, range)), people: await q((r) => r.people(agency.id, agency.timeZone, range)), surveys: await q((r) => r.surveys(agency.id, agency.timeZone, range)) })
  }
  writeFileSync(args.out, JSON.stringify(out))
  console.error(`${out.months.length} months (${out.months.reduce((n, m) => n + m.feedback.length, 0)} feedback rows), ${out.quarters.length} quarters written to ${args.out}`)
  await database.close()
}

function build() {
  const data = JSON.parse(readFileSync(args.in!, 'utf8')) as Captured
  const threshold = Number(args.threshold)
  const limits: Limits = { threshold, minResponses: threshold }
  const open: Limits = { threshold: 1, minResponses: 1 }
  const topOf = new Map(data.topOf)
  const top = (area: string) => (area ? (topOf.get(area) ?? area) : '')
  const months = (limits: Limits, m: Month) => buildFeedback(m.feedback.map((r) => ({ ...r, topArea: top(r.area) })), m.days.map((d) => ({ ...d, topArea: top(d.area) })), limits)
  // As the insights service builds a quarter (buildQuarter).
  const quarters = (limits: Limits, q: Quarter) => {
    const eventRows: EventRow[] = q.events.map((e) => ({ eventId: e.id, area: e.areaId ?? '', topArea: e.areaId ? (topOf.get(e.areaId) ?? e.areaId) : '', ...slotOf(new Date(e.startsAt), e.timeZone), format: e.format, kind: e.kind, languages: [...new Set([...e.languages, ...e.interpretation])].sort().join('+'), period: q.quarter, counted: e.counted, headCount: e.headCount }))
    const reach = buildReach(eventRows, q.people, limits)
    return { reach: reach.snapshot, trust: buildTrust(q.surveys, reach.eventKey, limits, { period: q.quarter, topOf: (a) => topOf.get(a) ?? a }), 'who-takes-part': buildWhoTakesPart(reach, q.people, limits) }
  }
  const cpu = () => {
    const u = process.cpuUsage()
    return (u.user + u.system) / 1e6
  }
  const shares = new Map<string, { entries: number; published: number; total: number; publishedTotal: number }>()
  const compare = (name: string, shown: Snapshot, all: Snapshot) =>
    all.rows.forEach((row, i) => {
      for (const [measure, m] of Object.entries(row.measures)) {
        const value = (m as Published).value
        if (typeof value !== 'number' || value === 0 || !['people', 'headCount', 'feedback', 'received', 'acknowledged', 'addressed', 'declined', 'reportedBack', 'responses', 'participants'].includes(measure)) continue
        const mine = shown.rows[i]!.measures[measure] as Published
        for (const level of [row.level, 'all']) {
          const k = `${name}|${measure}|${level}`
          const s = shares.get(k) ?? shares.set(k, { entries: 0, published: 0, total: 0, publishedTotal: 0 }).get(k)!
          s.entries++
          s.total += value
          if (mine.value === value) [s.published, s.publishedTotal] = [s.published + 1, s.publishedTotal + value]
        }
      }
    })
  const digests: string[] = []
  // Row by row into the hash (no one string of the whole table): the digest adds little to the build's memory.
  const digest = (period: string, name: string, table: Snapshot) => {
    if (!args.digest) return
    const hash = createHash('sha256')
    const withheld: Record<string, number> = {}
    for (const row of table.rows) {
      hash.update(JSON.stringify(row))
      hash.update('\n')
      for (const m of Object.values(row.measures))
        for (const p of typeof m === 'object' && m && 'median' in m ? [m.median, m.p90] : [m])
          if (typeof p === 'object' && p.suppressed) withheld[p.suppressed] = (withheld[p.suppressed] ?? 0) + 1
    }
    digests.push(`${period} ${name} rows=${table.rows.length} ${Object.entries(withheld).sort().map(([r, n]) => `${r}=${n}`).join(' ')} ${hash.digest('hex')}`)
  }
  const t0 = cpu()
  const lines: string[] = []
  if (args.only !== 'quarters')
    for (const m of data.months.slice(0, Number(process.env.MONTHS ?? Infinity))) {
      const t = cpu()
      const built = months(limits, m)
      lines.push(`${m.month}: ${m.feedback.length} rows, ${(cpu() - t).toFixed(2)} s`)
      digest(m.month, 'voice', built.voice)
      digest(m.month, 'closing-the-loop', built.loop)
      if (args.share) {
        const all = months(open, m)
        compare('voice', built.voice, all.voice)
        compare('closing-the-loop', built.loop, all.loop)
      }
    }
  const t1 = cpu()
  if (args.only !== 'months')
    for (const q of data.quarters) {
      const t = cpu()
      const built = quarters(limits, q)
      lines.push(`${q.quarter}: ${q.events.length} events, ${q.people.length} people, ${(cpu() - t).toFixed(2)} s`)
      for (const name of ['reach', 'trust', 'who-takes-part'] as const) digest(q.quarter, name, built[name])
      if (args.share) {
        const all = quarters(open, q)
        for (const name of ['reach', 'trust', 'who-takes-part'] as const) compare(name, built[name], all[name])
      }
    }
  console.log(lines.join('\n'))
  if (args.digest) writeFileSync(args.digest, `${digests.join('\n')}\n`)
  console.log(`months ${(t1 - t0).toFixed(1)} s CPU, quarters ${(cpu() - t1).toFixed(1)} s CPU${args.share ? ' (each built twice: with the limits and withholding nothing)' : ''}`)
  if (args.share) {
    console.log('| insight | count | level | nonzero entries | published | share of entries | share of counts |\n| --- | --- | --- | ---: | ---: | ---: | ---: |')
    const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`
    for (const [k, s] of [...shares].sort()) console.log(`| ${k.split('|').join(' | ')} | ${s.entries} | ${s.published} | ${pct(s.published, s.entries)} | ${pct(s.publishedTotal, s.total)} |`)
  }
}

function next(period: string, unit: 'month' | 'quarter'): string {
  const [y, n] = (unit === 'month' ? period.split('-') : period.split('-Q')).map(Number)
  if (unit === 'month') return n === 12 ? `${y! + 1}-01` : `${y}-${String(n! + 1).padStart(2, '0')}`
  return n === 4 ? `${y! + 1}-Q1` : `${y}-Q${n! + 1}`
}
function start(period: string, unit: 'month' | 'quarter'): string {
  if (unit === 'month') return `${period}-01`
  const [y, q] = period.split('-Q').map(Number)
  return `${y}-${String((q! - 1) * 3 + 1).padStart(2, '0')}-01`
}
