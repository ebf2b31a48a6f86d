// Privacy end to end: random agencies written to the database, random pairs of filters the API accepts, and an
// independent exact check that nothing withheld can be worked out from what the two answers show. Plus: the
// request path reads the big tables only through index probes.
import fc from 'fast-check'
import pino from 'pino'
import t from 'tap'
import { createAgenciesRepository } from '../src/modules/agencies/agencies-repository.ts'
import type { InsightAnswer, InsightName, InsightRow } from '../src/modules/insights/insights-service.ts'
import { build } from './helpers/build.ts'
import { testClock } from './helpers/clock.ts'
import { recoverable } from './helpers/exact-rank.ts'
import { addAttendees, addEvent, addFeedback, addOnlineSurveys, addSurveys } from './helpers/insights-data.ts'
import { assertProperty } from './helpers/property.ts'

// Built in this process (INSIGHTS_BUILDER=inline), not a build process: a test below reads the build's own statements.
const { app, database } = await build(t, { env: { INSIGHTS_REFRESH_SECONDS: '0', INSIGHTS_BUILDER: 'inline' } })
const ctx = { actor: { kind: 'public' as const }, requestId: 'test', log: pino({ level: 'silent' }), languages: [], clock: testClock }
const names: InsightName[] = ['reach', 'voice', 'closing-the-loop', 'trust', 'who-takes-part']
const countMeasures = ['people', 'headCount', 'feedback', 'received', 'acknowledged', 'addressed', 'declined', 'reportedBack', 'responses', 'participants']
const kinds = ['town_hall', 'listening_session', 'community_walk']
const formats = ['in_person', 'virtual', 'hybrid']
const topics = ['community_safety', 'policy', 'agency_technology']
const quarters = ['2026-01-20', '2026-02-17', '2026-05-12', '2026-08-04']
let agencies = 0

const datasetArb = fc.record({
  events: fc.array(fc.record({ area: fc.nat(2), kind: fc.constantFrom(...kinds), format: fc.constantFrom(...formats), day: fc.constantFrom(...quarters), hour: fc.integer({ min: 13, max: 23 }), attendees: fc.array(fc.record({ n: fc.integer({ min: 0, max: 25 }), gender: fc.constantFrom('woman', 'man', undefined), age: fc.constantFrom('age_25_34', 'age_65_plus', undefined) }), { maxLength: 2 }), surveys: fc.integer({ min: 0, max: 20 }), topics: fc.subarray(topics) }), { minLength: 1, maxLength: 4 }),
  online: fc.array(fc.record({ n: fc.integer({ min: 1, max: 20 }), area: fc.nat(2), topic: fc.constantFrom(...topics), day: fc.constantFrom(...quarters) }), { maxLength: 3 }),
  feedback: fc.array(fc.record({ n: fc.integer({ min: 1, max: 30 }), topic: fc.constantFrom(...topics), stance: fc.constantFrom('critical', 'supportive'), area: fc.nat(2), event: fc.option(fc.nat(3), { nil: undefined }), day: fc.constantFrom(...quarters), ack: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }), status: fc.constantFrom('received', 'addressed', 'declined') }), { minLength: 1, maxLength: 6 }),
})

type Filter = { area?: string[]; from?: string; to?: string; kind?: string[]; format?: string[]; topic?: string[] }
const filterArb = fc.record({
  area: fc.option(fc.subarray([0, 1], { minLength: 1 }), { nil: undefined }),
  range: fc.option(fc.tuple(fc.constantFrom('2026-01-01', '2026-02-10', '2026-04-01'), fc.constantFrom('2026-03-31', '2026-06-15', '2026-12-31')).filter(([from, to]) => from <= to), { nil: undefined }),
  kind: fc.option(fc.subarray([...kinds, 'none'], { minLength: 1 }), { nil: undefined }),
  format: fc.option(fc.subarray([...formats, 'none'], { minLength: 1 }), { nil: undefined }),
  topic: fc.option(fc.subarray(topics, { minLength: 1 }), { nil: undefined }),
})

/** What a reader learns from rows shown together: for one count, which withheld figures are determined. */
function recoveredFrom(rows: InsightRow[], measure: string): InsightRow[] {
  const withMeasure = rows.filter((r) => r[measure])
  const cells = withMeasure.filter((r) => !r.by)
  // A cell is in a margin when it matches every dimension kept; trust's topic margins hold each cell whose topics include theirs.
  const holds = (cell: InsightRow, m: InsightRow, d: string) => (d === 'topic' && !('topic' in cell.key) ? (cell.key.topics ?? '').split('+').includes(m.key.topic!) : cell.key[d] === m.key[d])
  const relations = withMeasure.flatMap((m, total) =>
    m.by ? [{ total, members: cells.map((c) => withMeasure.indexOf(c)).filter((i) => m.by!.every((d) => holds(withMeasure[i]!, m, d))) }] : [],
  )
  const unknown = withMeasure.map((r) => (r[measure] as { value: number | null }).value === null && Boolean((r[measure] as { suppressed: unknown }).suppressed))
  return recoverable(unknown, relations).map((i) => withMeasure[i]!)
}

t.test('property: over random agencies and any two filters, no count 1–10 is shown and nothing withheld can be recovered', async (t) => {
  let pairs = 0
  let withheld = 0
  let topicMargins = 0
  await assertProperty(
    fc.asyncProperty(datasetArb, fc.array(fc.tuple(filterArb, filterArb), { minLength: 2, maxLength: 3 }), async (data, filterPairs) => {
      const repo = createAgenciesRepository(database.db)
      const slug = `random-${++agencies}`
      const agency = await repo.insert({ slug, name: slug, jurisdiction: 'x', timeZone: 'America/Chicago', defaultLanguage: 'en', supportedLanguages: ['en'] })
      const areas = [await repo.insertArea({ agencyId: agency.id, code: 'A', name: 'A', kind: 'district' }), await repo.insertArea({ agencyId: agency.id, code: 'B', name: 'B', kind: 'district' })]
      const areaId = (i: number) => areas[i]?.id ?? null
      const eventIds: string[] = []
      for (const e of data.events) {
        const id = await addEvent(database, agency.id, { areaId: areaId(e.area), kind: e.kind, format: e.format, startsAt: `${e.day}T${e.hour}:00:00Z`, timeZone: 'America/Chicago', headCount: e.attendees[0]?.n, topics: e.topics })
        eventIds.push(id)
        for (const a of e.attendees) await addAttendees(database, agency.id, id, a.n, a.gender || a.age ? { gender: a.gender, age_band: a.age } : undefined)
        await addSurveys(database, agency.id, id, e.surveys, { dignity: 4, voice: 3, neutrality: e.surveys % 2 ? 5 : null, trust: 2 })
      }
      for (const o of data.online) await addOnlineSurveys(database, agency.id, o.n, { areaId: areaId(o.area), topic: o.topic, givenAt: `${o.day}T16:00:00Z` })
      for (const f of data.feedback)
        await addFeedback(database, agency.id, f.n, { topic: f.topic, stance: f.stance, areaId: areaId(f.area), eventId: f.event === undefined ? null : (eventIds[f.event] ?? null), receivedAt: `${f.day}T15:00:00Z`, acknowledgedAfterDays: f.ack, status: f.status })

      // Unfiltered beside a random filter too: trust's topic margins appear only where no kind, format or area is asked for.
      const unfiltered: (typeof filterPairs)[number][0] = { area: undefined, range: undefined, kind: undefined, format: undefined, topic: undefined }
      for (const [a, b] of [[unfiltered, filterPairs[0]![0]], ...filterPairs])
        for (const name of names) {
          const ask = async (f: typeof a): Promise<InsightAnswer> => {
            const query: Filter & { agency: string } = { agency: slug }
            if (f.area) query.area = f.area.map((i) => areas[i]!.id)
            if (f.range) [query.from, query.to] = f.range
            if (f.kind) query.kind = f.kind
            if (f.format) query.format = f.format
            if (f.topic) query.topic = f.topic
            return app.services.insights.answer(ctx, name, query)
          }
          const [first, second] = [await ask(a), await ask(b)]
          pairs++
          const seen = new Map<string, InsightRow>()
          for (const r of [...first.cells, ...first.margins, ...second.cells, ...second.margins]) seen.set(JSON.stringify([r.by ?? null, r.key]), r)
          const rows = [...seen.values()]
          topicMargins += rows.filter((r) => r.by?.join() === 'topic,period').length
          for (const r of rows)
            for (const m of countMeasures) {
              const v = r[m] as { value: number | null; suppressed: string | null } | undefined
              if (!v) continue
              if (v.value !== null && v.value > 0 && v.value < 11) return false
              if (v.suppressed) withheld++
            }
          for (const m of countMeasures) if (recoveredFrom(rows, m).length) return false
        }
      return true
    }),
    { numRuns: Number(process.env.INSIGHTS_PROPERTY_RUNS ?? 8), seed: 5 },
  )
  t.ok(pairs > 0, `${pairs} pairs of answers checked`)
  t.ok(withheld > 0, `${withheld} withheld figures seen`)
  t.ok(topicMargins > 0, `${topicMargins} trust-by-topic margins checked`)
})

t.test('when an answer is served from the computed tables, then feedback_items is read only through an index', async (t) => {
  const slug = `random-${agencies}`
  await app.services.insights.answer(ctx, 'voice', { agency: slug })
  database.recent.length = 0
  await app.services.insights.answer(ctx, 'voice', { agency: slug, from: '2026-01-01', to: '2026-03-31' })
  const touching = database.recent.filter((s) => /feedback_items/.test(s.sql))
  t.equal(touching.length, 1, 'only the watermark looks at feedback_items')
  const literal = (v: unknown) => `'${String(v).replaceAll("'", "''")}'`
  const text = touching[0]!.sql.replace(/\$(\d+)/g, (_, n) => literal(touching[0]!.params[Number(n) - 1]))
  const plan = await database.db.transaction(async (tx) => {
    // A tiny table is cheaper to scan; what matters is that an index path exists at any size.
    await tx.execute('set local enable_seqscan = off' as never)
    return (await tx.execute(`explain ${text}` as never)) as unknown
  })
  const lines = (Array.isArray(plan) ? plan : (plan as { rows: Record<string, string>[] }).rows).map((r) => Object.values(r as Record<string, string>)[0]).join('\n')
  t.notMatch(lines, /Seq Scan on feedback_items/, 'no sequential scan of feedback_items')
  // The planner picks one of the per-agency indexes (agency_id leads both); either is an index path.
  t.match(lines.replace(/\s+/g, ' '), /Index (Only )?Scan (Backward )?using feedback_items_(agency_updated|status)_idx on feedback_items/, 'a per-agency index of feedback_items is used')
})

t.test("when a month's tables are built, then its feedback is read as an index range of that month, not the whole agency", async (t) => {
  // A new agency: its first answer, for one month, builds that month alone.
  const slug = 'one-month'
  const agency = await createAgenciesRepository(database.db).insert({ slug, name: slug, jurisdiction: 'x', timeZone: 'America/Chicago', defaultLanguage: 'en', supportedLanguages: ['en'] })
  await addFeedback(database, agency.id, 30, { topic: 'policy', stance: 'critical', areaId: null, receivedAt: '2030-06-15T12:00:00Z' })
  await addFeedback(database, agency.id, 12, { topic: 'policy', stance: 'supportive', areaId: null, receivedAt: '2031-01-15T12:00:00Z' })
  database.recent.length = 0
  const january = await app.services.insights.answer(ctx, 'voice', { agency: slug, from: '2031-01-01', to: '2031-01-31' })
  t.equal(january.cells.length, 1, 'the new month, built on its own')
  const build = database.recent.find((s) => s.params.includes('2031-01-01') && /count\(\*\) filter \(where f\.acknowledged_at is not null\)/.test(s.sql))
  t.ok(build, 'the month build query ran')
  const literal = (v: unknown) => `'${String(v).replaceAll("'", "''")}'`
  const text = build!.sql.replace(/\$(\d+)/g, (_, n) => literal(build!.params[Number(n) - 1]))
  // On a tiny table the planner may prefer another per-agency index; without them (rolled back) the month must still be
  // an index range, not the whole agency: the query is written so that it can be.
  const plan = await database.db
    .transaction(async (tx) => {
      await tx.execute('set local enable_seqscan = off' as never)
      await tx.execute('drop index feedback_items_status_idx, feedback_items_agency_updated_idx' as never)
      throw Object.assign(new Error('roll back'), { plan: await tx.execute(`explain ${text}` as never) })
    })
    .catch((err: { plan?: unknown }) => err.plan)
  const lines = (Array.isArray(plan) ? plan : (plan as { rows: Record<string, string>[] }).rows).map((r) => Object.values(r as Record<string, string>)[0]).join('\n')
  t.match(lines.replace(/\s+/g, ' '), /Index (Only )?Scan using feedback_items_(agency_)?received_idx on feedback_items f \(cost=[^)]*\) Index Cond: \((\(agency_id = '[^']*'::uuid\) AND )?\(received_at >= [^)]*\) AND \(received_at < /, 'an index range of the month: (agency_id, received_at) or (received_at)')
})
