// The demo's insights tell a story: on a freshly seeded demo, every insight publishes figures, and they show what happened.
// The story must hold on whatever day the demo is loaded, so it is told at the tests' date and at a few others.
import { count, eq } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { Temporal } from 'temporal-polyfill'
import { agencies, areas, attendances, events, feedbackItems, feedbackTransitions, participants, surveyResponses } from '../src/db/schema/index.ts'
import { seedDemo } from '../src/seed/demo.ts'
import { BODY_CAMERA_DECIDED_MONTHS_AGO, EVENINGS_SINCE_MONTHS_AGO, seedDemoInsights, VOICE_LAST_MONTH_AGO } from '../src/seed/demo-insights.ts'
import { build } from './helpers/build.ts'
import { TEST_NOW } from './helpers/clock.ts'

type Value = { value: number | null; suppressed: string | null }
type Row = { key: Record<string, string>; by?: string[] } & Record<string, any>
const shown = (v: Value | undefined) => (v && v.value !== null && v.suppressed === null ? v.value : null)
const measures: Record<string, string> = { reach: 'people', voice: 'feedback', 'closing-the-loop': 'received', trust: 'responses', 'who-takes-part': 'participants' }

/**
 * Load dates: the tests' own; the day after a month end in Riverton's zone but not yet in UTC; the morning of the
 * spring DST change; a 31st late in the evening (already the 1st in UTC); the end of a February.
 */
const anchors = (process.env.DEMO_ANCHORS?.split(',') ?? [TEST_NOW, ...calendarEdges()]).map((a) => (a.trim() === 'TEST_NOW' ? TEST_NOW : a.trim()))

/** The edge cases above in the year after TEST_NOW's, derived from it rather than written as calendar years. */
function calendarEdges(): string[] {
  const year = new Date(TEST_NOW).getUTCFullYear() + 1
  const at = (month: number, day: number, hour: number, minute: number) => new Date(Date.UTC(year, month - 1, day, hour, minute)).toISOString()
  // The US spring change is the second Sunday of March (02:00 in Riverton, 08:00 UTC).
  const secondSundayOfMarch = 8 + ((7 - new Date(Date.UTC(year, 2, 1)).getUTCDay()) % 7)
  return [at(9, 1, 3, 0), at(3, secondSundayOfMarch, 9, 30), at(1, 31, 23, 30)]
}

for (const anchor of anchors) t.test(`when the demo is loaded at ${anchor}`, (t) => story(t, new Date(anchor)))

async function story(t: Test, now: Date) {
  const { app, database } = await build(t, { env: { INSIGHTS_REFRESH_SECONDS: '0' }, now })
  const result = await seedDemo(database, { now })
  const get = async (name: string, query = '') => {
    const res = await app.inject({ method: 'GET', url: `/v1/insights/${name}?agency=riverton${query}` })
    t.equal(res.statusCode, 200, name)
    return res.json()
  }
  const [riverton] = await database.db.select({ id: agencies.id }).from(agencies).where(eq(agencies.slug, 'riverton'))
  const agencyAreas = await database.db.select({ id: areas.id, code: areas.code }).from(areas).where(eq(areas.agencyId, riverton!.id))
  const idOf = new Map(agencyAreas.map((a) => [a.code, a.id]))
  const districtOf = new Map(agencyAreas.map((a) => [a.id, a.code.slice(0, 2)]))
  const today = Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO('America/Chicago').toPlainDate()
  /** The month `k` months before this one, as the voice insight names it. */
  const month = (k: number) => today.with({ day: 1 }).subtract({ months: k }).toString().slice(0, 7)
  /** The voice story's twelve months, as months ago, first to last. */
  const storyMonths = Array.from({ length: 12 }, (_, i) => VOICE_LAST_MONTH_AGO + 11 - i)
  const last = VOICE_LAST_MONTH_AGO

  t.test('when the demo is freshly seeded, then every insight publishes non-zero figures, and never a count from 1 to 10', async (t) => {
    for (const [name, measure] of Object.entries(measures)) {
      const body = await get(name)
      const published = [...body.cells, ...body.margins].filter((c: Row) => (shown(c[measure]) ?? 0) > 0)
      t.ok(published.length >= 10, `${name}: ${published.length} of ${body.cells.length + body.margins.length} rows publish a non-zero ${measure}`)
      const small = [...body.cells, ...body.margins].filter((r: Row) => {
        const v = shown(r[measure])
        return v !== null && v > 0 && v < 11
      })
      t.same(small, [], `${name}: no published count between 1 and 10`)
    }
  })

  t.test("when reach is read by district, then each district's figures are its beats' summed (where shown), and no district is a gap", async (t) => {
    const reach = await get('reach')
    const districts = agencyAreas.filter((a) => /^D\d$/.test(a.code))
    const sumOf = (rows: Row[], measure: string) => rows.reduce((n, r) => n + (typeof r[measure] === 'number' ? r[measure] : r[measure].value), 0)
    let compared = 0
    for (const d of districts) {
      const rollups = reach.margins.filter((m: Row) => m.by!.join() === 'topArea,period' && m.key.topArea === d.id)
      t.ok(rollups.length > 0, `${d.code} has roll-up figures`)
      for (const r of rollups) {
        const parts = reach.margins.filter((m: Row) => m.by!.join() === 'area,period' && m.key.period === r.key.period && districtOf.get(m.key.area) === d.code)
        t.equal(r.events, sumOf(parts, 'events'), `${d.code} ${r.key.period}: meetings are its beats' summed`)
        if (shown(r.people) !== null && parts.every((p: Row) => shown(p.people) !== null)) {
          compared++
          t.equal(shown(r.people), sumOf(parts, 'people'), `${d.code} ${r.key.period}: reach is its beats' summed`)
        }
      }
    }
    t.ok(compared > 0, `district reach compared with its beats' where every figure is shown (${compared} times)`)
    // Voice rolls up the same way: a district's feedback is its areas' summed, where every figure is shown.
    const voice = await get('voice')
    let voiced = 0
    for (const r of voice.margins.filter((m: Row) => m.by!.join() === 'topArea,period' && m.key.topArea !== null)) {
      const code = districtOf.get(r.key.topArea)
      const parts = voice.margins.filter((m: Row) => m.by!.join() === 'area,period' && m.key.period === r.key.period && m.key.area !== null && districtOf.get(m.key.area) === code)
      if (shown(r.feedback) !== null && parts.every((p: Row) => shown(p.feedback) !== null)) {
        voiced++
        t.equal(shown(r.feedback), sumOf(parts, 'feedback'), `${code} ${r.key.period}: voice is its areas' summed`)
      }
    }
    t.ok(voiced > 0, `district voice compared where every figure is shown (${voiced} times)`)
    for (const d of districts) t.notOk(reach.gaps.areas.includes(d.id), `${d.code} is not a gap: its beats held meetings`)
    const filtered = await get('reach', `&area=${districts[0]!.id}`)
    t.ok(filtered.cells.length > 0 && filtered.cells.every((c: Row) => districtOf.get(c.key.area) === districts[0]!.code), "a district filter takes in its beats' cells")
    t.ok(filtered.margins.some((m: Row) => m.by!.join() === 'topArea,period'), 'and its roll-up')
  })

  t.test('when reach is read, then the rotation reaches every district on weekdays but District 4 only barely on weekends', async (t) => {
    const reach = await get('reach')
    const weekend = reach.cells.filter((c: Row) => ['saturday', 'sunday'].includes(c.key.weekday) && c.key.timeOfDay === 'morning' && c.events > 0)
    const inD4 = (c: Row) => districtOf.get(c.key.area) === 'D4'
    t.ok(weekend.some(inD4), 'District 4 had weekend-morning meetings')
    for (const c of weekend.filter(inD4)) t.equal(shown(c.people), null, `a District 4 weekend meeting in ${c.key.period} reached too few to publish`)
    const others = weekend.filter((c: Row) => !inD4(c) && (shown(c.people) ?? 0) >= 11)
    t.ok(new Set(others.map((c: Row) => districtOf.get(c.key.area))).size >= 3, 'weekend mornings reach the other three districts')
    const d4Weekday = reach.cells.filter((c: Row) => inD4(c) && !['saturday', 'sunday'].includes(c.key.weekday) && (shown(c.people) ?? 0) >= 11)
    t.ok(d4Weekday.length >= 1, 'District 4 is reached on weekdays')
    const slots = reach.margins.filter((m: Row) => m.by!.join() === 'weekday,timeOfDay,period')
    t.ok(slots.filter((m: Row) => (shown(m.people) ?? 0) > 0).length >= 5, 'weekly slots publish their reach')
  })

  t.test('when voice is read, then speeding concerns (community safety) are published only once they have grown', async (t) => {
    const voice = await get('voice')
    const safety = (k: number) => shown(voice.margins.find((m: Row) => m.by!.join() === 'topic,period' && m.key.topic === 'community_safety' && m.key.period === month(k))?.feedback)
    for (const k of storyMonths.slice(0, 6)) t.equal(safety(k), null, `${month(k)}: too few safety concerns to publish`)
    t.ok((safety(last) ?? 0) >= 20, `${month(last)}: ${safety(last)} safety concerns`)
    const critical = voice.margins.find((m: Row) => m.by!.join() === 'topic,stance,period' && m.key.topic === 'community_safety' && m.key.stance === 'critical' && m.key.period === month(last))
    t.ok((shown(critical?.feedback) ?? 0) >= 11, `${month(last)}: ${shown(critical?.feedback)} critical safety concerns`)
  })

  t.test('when voice is read, then body-worn camera feedback turns from critical to neutral after the decision', async (t) => {
    const voice = await get('voice')
    const cell = (stance: string, k: number) =>
      shown(voice.margins.find((m: Row) => m.by!.join() === 'topic,stance,period' && m.key.topic === 'agency_technology' && m.key.stance === stance && m.key.period === month(k))?.feedback)
    // Before it, a month's critical camera feedback may be the complement that hides a small speeding count (both
    // critical, both online) — then that month's figure is withheld; most months publish it.
    const before = storyMonths.filter((k) => k > BODY_CAMERA_DECIDED_MONTHS_AGO)
    const critical = before.filter((k) => (cell('critical', k) ?? 0) >= 11)
    t.ok(critical.length >= 4, `critical before the decision in ${critical.map(month).join(', ')}`)
    t.same(before.filter((k) => cell('neutral', k) !== null && cell('neutral', k)! > 0).map(month), [], 'and no month before it publishes neutral camera feedback')
    // After it, every month publishes it: the loop's many one-item cells come in later months than the story's.
    const after = storyMonths.filter((k) => k < BODY_CAMERA_DECIDED_MONTHS_AGO)
    const neutral = after.filter((k) => (cell('neutral', k) ?? 0) >= 11)
    t.same(neutral.map(month), after.map(month), `neutral after the decision in ${neutral.map(month).join(', ')}`)
    t.same(after.filter((k) => cell('critical', k) !== null && cell('critical', k)! > 0).map(month), [], 'and no month after it publishes critical camera feedback')
  })

  t.test('when closing the loop is read, then shares and days are published for the big topics', async (t) => {
    const loop = await get('closing-the-loop')
    const rows = [...loop.cells, ...loop.margins] as Row[]
    const acknowledged = rows.filter((r) => shown(r.acknowledgedShare) !== null && shown(r.daysToAcknowledge.median) !== null && shown(r.daysToAcknowledge.p90) !== null)
    t.ok(new Set(acknowledged.map((r) => r.key.topic)).size >= 2, 'share acknowledged and days to acknowledge, for two topics or more')
    const decided = rows.filter((r) => (shown(r.addressedShare) ?? 0) > 0 && shown(r.daysToDecision.median) !== null && shown(r.daysToDecision.p90) !== null)
    t.ok(new Set(decided.map((r) => r.key.topic)).size >= 2, 'share addressed and days to a decision, for both stories')
    const reported = rows.filter((r) => (shown(r.reportedBackShare) ?? 0) > 0 && shown(r.daysToReportBack.median) !== null)
    t.ok(reported.length >= 2, 'share reported back and days to report back')
    for (const r of decided) t.ok(shown(r.daysToDecision.median)! <= shown(r.daysToDecision.p90)!, 'the median is at most the 90th percentile')
  })

  t.test('when trust is read, then voice scores rise after listening sessions move to weekday evenings', async (t) => {
    const trust = await get('trust')
    const starts = new Map((await database.db.select({ id: events.id, startsAt: events.startsAt }).from(events)).map((e) => [e.id, e.startsAt]))
    const movedAt = today.with({ day: 1 }).subtract({ months: EVENINGS_SINCE_MONTHS_AGO }).toString()
    const sessions = trust.cells.filter((c: Row) => c.key.kind === 'listening_session' && shown(c.voice) !== null)
    const dateOf = (c: Row) => starts.get(c.key.event)!.toISOString().slice(0, 10)
    const before = sessions.filter((c: Row) => dateOf(c) < movedAt).map((c: Row) => shown(c.voice)!)
    const after = sessions.filter((c: Row) => dateOf(c) >= movedAt).map((c: Row) => shown(c.voice)!)
    t.ok(before.length >= 3 && after.length >= 3, `${before.length} sessions before the move and ${after.length} after publish a voice score`)
    t.ok(Math.max(...before) < Math.min(...after), `voice before ${before.join(', ')}; after ${after.join(', ')}`)
    const byArea = trust.margins.filter((m: Row) => m.by!.join() === 'area,period' && (shown(m.responses) ?? 0) > 0)
    // Meetings held outside any one area (key.area null) count in no district.
    const districts = new Set(byArea.filter((m: Row) => m.key.area !== null).map((m: Row) => districtOf.get(m.key.area)))
    t.same(districts, new Set(['D1', 'D2', 'D3', 'D4']), 'every district has a quarter with published responses')
  })

  t.test('when who takes part is read, then some answers publish, "prefer not to say" among them', async (t) => {
    const who = await get('who-takes-part')
    const margins = who.margins.filter((m: Row) => m.by!.join() === 'question,answer,period' && (shown(m.participants) ?? 0) > 0)
    t.ok(new Set(margins.map((m: Row) => m.key.question)).size >= 6, 'most questions publish per quarter')
    t.ok(margins.some((m: Row) => m.key.answer === 'prefer_not_to_say'), 'many prefer not to say')
    t.ok(margins.some((m: Row) => m.key.answer !== 'prefer_not_to_say' && m.key.answer !== 'not_answered'), 'and some answers are given')
  })

  t.test('when community trust is read, then District 2 is weighted to its census, visibly below its skewed respondents, and trust rises after the camera policy', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/v1/insights/community-trust?agency=riverton' })
    t.equal(res.statusCode, 200)
    const rows = res.json().rows as { area: string | null; cycle: string; responses: Value; reliability: string; weighting: { basis: string; converged: boolean | null; representativeness: Value; effectiveSampleSize: Value }; principles: Record<string, { unweighted: Value; weighted: Value; marginOfError: Value; trend: { difference: Value; marginOfError: Value } | null }> }[]
    const quarterOf = (k: number) => {
      const m = today.with({ day: 1 }).subtract({ months: k })
      return `${m.year}-Q${Math.ceil(m.month / 3)}`
    }
    const d2 = rows.filter((r) => r.area === idOf.get('D2'))
    // Quarters wholly after the decision month and before this one (the story's months run to last month).
    /** How many months ago the j-th month of a quarter was. */
    const monthsAgo = (q: string, j: number) => {
      const [y, n] = q.split('-Q').map(Number)
      return (today.year - y!) * 12 + today.month - ((n! - 1) * 3 + 1 + j)
    }
    const after = [...new Set(Array.from({ length: BODY_CAMERA_DECIDED_MONTHS_AGO - 1 }, (_, i) => BODY_CAMERA_DECIDED_MONTHS_AGO - 1 - i).map(quarterOf))].filter((q) =>
      [0, 1, 2].every((j) => monthsAgo(q, j) < BODY_CAMERA_DECIDED_MONTHS_AGO && monthsAgo(q, j) >= 1),
    )
    const before = quarterOf(BODY_CAMERA_DECIDED_MONTHS_AGO + 2)
    const trustOf = (q: string) => d2.find((r) => r.cycle === q)!.principles.trust!
    // A quarter may be withheld as a complement (kept as the trust insight keeps it): the story is told by those shown.
    const told = [before, ...after].filter((q) => shown(trustOf(q).weighted) !== null)
    const series = told.map((q) => [q, shown(trustOf(q).weighted)])
    t.ok(told[0] === before && told.length >= 2, `shown: ${JSON.stringify(series)} of whole quarters after the policy ${after.join(', ')}`)
    for (let i = 1; i < series.length; i++) t.ok((series[i]![1] as number) > (series[i - 1]![1] as number), `weighted trust rises: ${JSON.stringify(series)}`)
    const latest = trustOf(told.at(-1)!)
    const rise = shown(latest.weighted)! - shown(trustOf(before).weighted)!
    t.ok(rise > 0.5, `from ${before} to ${told.at(-1)}: +${rise.toFixed(2)}`)
    for (const r of d2.filter((r) => told.includes(r.cycle))) {
      const p = r.principles.trust!
      t.ok(shown(p.unweighted)! - shown(p.weighted)! >= 0.15, `${r.cycle}: unweighted ${shown(p.unweighted)} above weighted ${shown(p.weighted)} (respondents skew older)`)
      t.equal(r.weighting.basis, 'own')
      t.equal(r.weighting.converged, true)
      t.ok(shown(r.weighting.representativeness)! < 0.85, `${r.cycle}: representativeness ${shown(r.weighting.representativeness)}`)
      t.ok(shown(r.weighting.effectiveSampleSize)! < r.responses.value!, 'weighting costs sample size')
      t.ok(shown(p.marginOfError)! > 0 && shown(p.marginOfError)! < 0.5)
      t.equal(r.reliability, 'reliable')
    }
    // Its beats have no census of their own: they take the district's.
    t.equal(rows.find((r) => r.area === idOf.get('D2-B21'))!.weighting.basis, 'ancestor')
    t.equal(rows.find((r) => r.area === null)!.weighting.basis, 'sub_areas')
    // GraphQL tells the same.
    const gql = await app.inject({ method: 'POST', url: '/graphql', payload: { query: `{ insights(agency: "riverton", filter: { areas: ["${idOf.get('D2')}"] }) { communityTrust { rows { area cycle trust { weighted { value } } } } } }` } })
    const viaGraphql = gql.json().data.insights.communityTrust.rows.find((r: { area: string; cycle: string }) => r.area === idOf.get('D2') && r.cycle === told.at(-1))
    t.equal(viaGraphql.trust.weighted.value, shown(latest.weighted))
  })

  t.test('when community trust is cut by contact kind, then in District 2 trust after traffic stops is below trust after reports taken, rises after the camera policy, and weighting by language lowers it visibly', async (t) => {
    const res = await app.inject({ method: 'GET', url: `/v1/insights/community-trust?agency=riverton&area=${idOf.get('D2')}&contactKind=traffic_stop,report_taken,none` })
    t.equal(res.statusCode, 200, res.body)
    type KindRow = { area: string | null; cycle: string; contactKind: string; responses: Value; reliability: string; principles: Record<string, { code: string; unweighted: Value; weighted: Value; marginOfError: Value }> }
    const rows = res.json().byContactKind as KindRow[]
    t.ok(rows.length > 0 && rows.every((r) => r.area === idOf.get('D2')), 'the cut is by top-level area: District 2 alone, as asked')
    const quarterOf = (k: number) => {
      const m = today.with({ day: 1 }).subtract({ months: k })
      return `${m.year}-Q${Math.ceil(m.month / 3)}`
    }
    const of = (kind: string, q: string) => rows.find((r) => r.contactKind === kind && r.cycle === q)
    // Whole quarters of the story (every month 1 to 12 months ago), each kind shown in it.
    const quarters = [...new Set(Array.from({ length: 12 }, (_, i) => quarterOf(12 - i)))].filter((q) => [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1].filter((k) => quarterOf(k) === q).length === 3)
    const told = quarters.filter((q) => shown(of('traffic_stop', q)?.principles.trust!.weighted) !== null && shown(of('report_taken', q)?.principles.trust!.weighted) !== null)
    t.ok(told.length >= 2, `quarters shown for both kinds: ${told.join(', ')} of ${quarters.join(', ')}`)
    for (const q of told) {
      const traffic = of('traffic_stop', q)!.principles.trust!
      const report = of('report_taken', q)!.principles.trust!
      t.ok(shown(traffic.weighted)! < shown(report.weighted)!, `${q}: after traffic stops ${shown(traffic.weighted)} below after reports taken ${shown(report.weighted)}`)
      t.ok(shown(traffic.unweighted)! - shown(traffic.weighted)! >= 0.1, `${q}: traffic stops unweighted ${shown(traffic.unweighted)}, weighted ${shown(traffic.weighted)} (Spanish speakers answer least)`)
      t.equal(traffic.code, 'pj.trust')
    }
    // From the first quarter told (before the policy) to the last (after it), trust after traffic stops rises.
    const [first, last] = [told[0]!, told.at(-1)!]
    t.ok(first <= quarterOf(BODY_CAMERA_DECIDED_MONTHS_AGO) && last > quarterOf(BODY_CAMERA_DECIDED_MONTHS_AGO), `${first} is before the policy, ${last} after`)
    const rise = shown(of('traffic_stop', last)!.principles.trust!.weighted)! - shown(of('traffic_stop', first)!.principles.trust!.weighted)!
    t.ok(rise > 0.4, `trust after traffic stops from ${first} to ${last}: +${rise.toFixed(2)}`)
    // Monthly figures per kind are under the withheld tier: counts may show, figures never.
    const months = rows.filter((r) => !r.cycle.includes('Q') && r.contactKind === 'traffic_stop')
    t.same(months, [], 'a cycle=quarter answer has quarters only')
    const monthly = await app.inject({ method: 'GET', url: `/v1/insights/community-trust?agency=riverton&cycle=month&contactKind=traffic_stop` })
    const perMonth = monthly.json().byContactKind as KindRow[]
    t.ok(perMonth.length > 0 && perMonth.every((r) => r.reliability === 'withheld' && r.principles.trust!.weighted.value === null), 'each month of traffic stops is withheld (under 30)')
    const bad = await app.inject({ method: 'GET', url: '/v1/insights/community-trust?agency=riverton&contactKind=parking' })
    t.equal(bad.statusCode, 400)
    t.match(bad.json().errors[0].field, /^contactKind/)
  })

  t.test('when the volume is loaded, then feedback histories match their statuses, and loading it again adds nothing', async (t) => {
    t.ok((result?.summary?.pastMeetings ?? 0) >= 30, `${result?.summary?.pastMeetings} past meetings`)
    const all = await database.db.select({ id: feedbackItems.id, status: feedbackItems.status, receivedAt: feedbackItems.receivedAt }).from(feedbackItems).where(eq(feedbackItems.agencyId, riverton!.id))
    t.ok(all.length >= 400, `${all.length} feedback items`)
    const transitions = await database.db.select({ feedbackId: feedbackTransitions.feedbackId, to: feedbackTransitions.toStatus, at: feedbackTransitions.at }).from(feedbackTransitions)
    // Last season's items: their history starts when they were received (the loop's own items, loaded through the
    // services in one transaction, have every step at the same clock reading, so their order cannot be checked here).
    const receivedAt = new Map(all.map((i) => [i.id, i.receivedAt.getTime()]))
    const ids = new Set(transitions.filter((x) => x.to === 'received' && x.at.getTime() === receivedAt.get(x.feedbackId) && x.at.getTime() < now.getTime() - 86_400_000).map((x) => x.feedbackId))
    const items = all.filter((i) => ids.has(i.id))
    t.ok(items.length >= 500, `${items.length} from last season`)
    const last = new Map<string, { to: string; at: Date }>()
    for (const tr of transitions.filter((x) => ids.has(x.feedbackId))) if (!last.has(tr.feedbackId) || last.get(tr.feedbackId)!.at <= tr.at) last.set(tr.feedbackId, tr)
    t.same(items.filter((i) => last.get(i.id)?.to !== i.status), [], 'every item ends where its history ends')
    t.notOk(transitions.some((tr) => ids.has(tr.feedbackId) && tr.at > now), 'nothing is dated after the load')

    const tally = async () => ({
      events: (await database.db.select({ n: count() }).from(events))[0]!.n,
      participants: (await database.db.select({ n: count() }).from(participants))[0]!.n,
      attendances: (await database.db.select({ n: count() }).from(attendances))[0]!.n,
      feedback: (await database.db.select({ n: count() }).from(feedbackItems))[0]!.n,
      surveys: (await database.db.select({ n: count() }).from(surveyResponses))[0]!.n,
    })
    const before = await tally()
    const again = await seedDemoInsights(database.db, { agencyId: riverton!.id, areaId: (code) => idOf.get(code)!, today, now })
    t.equal(again, undefined, 'the marker is found')
    t.same(await tally(), before, 'and nothing is added')
  })
}
