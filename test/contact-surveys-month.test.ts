// A simulated month of a CAD feed: 20,000 contacts over 30 days, posted in batches at 1,000 a minute of simulated time
// (a clock the test moves), with re-sent events, late ones, every exclusion flag, repeat contacts and opted-out people.
// Then: each decision checked against the rules, the once-per-period rule held, sampling within tolerance, the delay and
// quiet hours applied, no opted-out person invited, every phone and email gone from a full dump once delivered or once
// the window closed, and no answer joinable to its contact through any read path.
import { createHash } from 'node:crypto'
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { dumpAll } from './helpers/database.ts'
import { TEST_NOW } from './helpers/clock.ts'
import { eventually, startReceiver } from './helpers/webhook-receiver.ts'
import { createAgenciesRepository } from '../src/modules/agencies/agencies-repository.ts'
import { toLocal } from '../src/time.ts'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const START = Date.parse(TEST_NOW)
let now = START
const clock = { now: () => new Date(now) }
const { app, database, fixtures } = await build(t, { clock, env: { WEBHOOKS_ALLOW_HTTP: 'true', WEBHOOKS_ALLOW_LOOPBACK: 'true' } })
const long = { now: new Date(START), expiresIn: '60d' }
const [staff, admin, analyst] = [await bearer({ role: 'staff', ...long }), await bearer({ role: 'admin', sub: 'admin-1', ...long }), await bearer({ role: 'analyst', sub: 'analyst-1', ...long })]
const json = (h: Record<string, string>) => ({ ...h, 'content-type': 'application/json' })
const TZ = fixtures.metro.timeZone

// A seeded generator, so every run simulates the same month.
let seed = 20_261_204
const rand = () => ((seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32)
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!

const repo = createAgenciesRepository(database.db)
const beats: string[] = []
for (const [i, district] of [fixtures.areas.north, fixtures.areas.south, fixtures.areas.north, fixtures.areas.south, fixtures.areas.north, fixtures.areas.south].entries()) {
  await repo.insertArea({ agencyId: fixtures.metro.id, code: `B${i + 1}`, name: `Beat ${i + 1}`, kind: 'beat', parentId: district.id })
  beats.push(`B${i + 1}`)
}

const rates = { traffic_stop: 0.3, call_for_service: 0.5, victim_follow_up: 0.8 } as Record<string, number>
const rules = { delayMinutes: 120, quietHours: { start: '21:00', end: '08:00' }, oncePerDays: 30, windowDays: 7, maxAgeHours: 72, samplingRates: rates, defaultRate: 1 }
const ruled = await app.inject({ method: 'PATCH', url: '/v1/contact-survey-rules', headers: json(admin), payload: rules })
if (ruled.statusCode !== 200) throw new Error(ruled.body)

// People: phones and emails that are canaries (no such string may survive in the database).
const PEOPLE = 12_000
const addressOf = (p: number) => (p % 4 === 0 ? { channel: 'email', address: `canary${p}@contact-month.test` } : { channel: 'sms', address: `+1555${String(2_000_000 + p)}` })
const canary = /\+?1555\d{7}|canary\d+@contact-month\.test|CADM-\d+/
const optedOut = new Set<number>()
for (let p = 1; p <= 300; p++) optedOut.add(p * 37)
for (const p of optedOut) {
  const { channel, address } = addressOf(p)
  const res = await app.inject({ method: 'POST', url: '/v1/contact-survey-opt-outs', headers: { 'content-type': 'application/json' }, payload: { agency: 'metro', ...(channel === 'sms' ? { phone: address } : { email: address }) } })
  if (res.statusCode !== 202) throw new Error(res.body)
}

const kinds = ['call_for_service', 'call_for_service', 'traffic_stop', 'traffic_stop', 'report_taken', 'victim_follow_up', 'pedestrian_stop', 'community_contact']
const flags = ['arrest', 'domestic_violence', 'sexual_assault', 'death', 'juvenile', 'medical_emergency', 'mental_health_crisis', 'use_of_force']
type Contact = { id: string; kind: string; occurredAt: number; area: string; channel: string; address: string; language: string; flags: string[]; person: number; postAt: number }
const contacts: Contact[] = []
for (let i = 0; i < 20_000; i++) {
  const occurredAt = START + Math.floor(rand() * 30 * DAY)
  const person = 1 + Math.floor(rand() ** 2 * PEOPLE)
  const f = rand() < 0.16 ? [pick(flags)] : []
  // One in a hundred reaches the API four days late (the feed was down): too old to ask about.
  const late = rand() < 0.01
  contacts.push({ id: `CADM-${100_000 + i}`, kind: pick(kinds), occurredAt, area: pick(beats), ...addressOf(person), language: pick(['en', 'en', 'es', 'vi']), flags: f, person, postAt: occurredAt + (late ? 4 * DAY : 0) })
}

type Result = { index: number; id: string; status: string; reason?: string; sendAfter?: string }
const results = new Map<string, Result & { postedAt: number }>()
const duplicatesSeen: Result[] = []
let posted = 0
const post = async (batch: unknown[]) => {
  const res = await app.inject({ method: 'POST', url: '/v1/contact-events', headers: json(staff), payload: { contacts: batch } })
  if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body.slice(0, 300)}`)
  return res.json().results as Result[]
}

const receiver = await startReceiver(t)
const sub: { id: string } = (await app.inject({ method: 'POST', url: '/v1/webhook-subscriptions', headers: json(admin), payload: { url: receiver.url, eventTypes: ['contact_invitation.issued'] } })).json()
let left: string[] = []
const delivered: { id: string; invitation: { channel: string; address: string; link: string; sendAfter: string } }[] = []

t.before(async () => {
const started = performance.now()
// Every six hours of the month the feed sends what happened since, 500 to a batch at 1,000 a minute; 2% are sent again.
const TICK = 6 * HOUR
let previous: Contact[] = []
for (let tick = START + TICK; tick <= START + 35 * DAY; tick += TICK) {
  now = tick
  const due = contacts.filter((c) => c.postAt <= tick && c.postAt > tick - TICK)
  const resend = previous.filter(() => rand() < 0.02)
  const items = [...due, ...resend]
  for (let i = 0; i < items.length; i += 500) {
    const batch = items.slice(i, i + 500)
    const answer = await post(batch.map(({ person: _p, postAt: _a, occurredAt, ...c }) => ({ ...c, occurredAt: new Date(occurredAt).toISOString() })))
    for (const r of answer) {
      if (results.has(r.id)) duplicatesSeen.push(r)
      else results.set(r.id, { ...r, postedAt: now })
    }
    posted += batch.length
    now += Math.round((batch.length / 1_000) * MIN)
  }
  previous = due
  // After the second day the agency's messaging system is sent what was issued, then unsubscribes; the rest expire.
  if (tick === START + 2 * DAY) {
    // Every invitation issued so far; the dispatcher reads only below the oldest running transaction (a shared PostgreSQL cluster), so retry.
    const issued = [...results.values()].filter((r) => r.status === 'invited').length
    const all = await eventually(async () => (await app.services.webhookDelivery.dispatch(), await app.services.webhookDelivery.sendFor(sub.id), receiver.delivered().length >= issued), 30_000)
    if (!all) throw new Error(`${receiver.delivered().length} of ${issued} invitations delivered`)
    for (const hit of receiver.delivered()) delivered.push(JSON.parse(hit.body).data)
    await app.inject({ method: 'DELETE', url: `/v1/webhook-subscriptions/${sub.id}`, headers: admin })
  }
}
  t.comment(`posted ${posted} contact events in ${Math.round(performance.now() - started)} ms`)
})

t.test('when the month is posted, then every contact has one decision and re-sent events changed nothing', async (t) => {
  t.equal(results.size, 20_000)
  t.ok(duplicatesSeen.length > 100, `${duplicatesSeen.length} re-sent`)
  t.ok(duplicatesSeen.every((r) => r.status === 'duplicate'))
  t.notOk([...results.values()].some((r) => r.status === 'rejected' || r.status === 'duplicate'))
  const invited = [...results.values()].filter((r) => r.status === 'invited').length
  const [{ n }] = await database.raw<{ n: number }>(`select count(*)::int as n from outbox where action = 'contact_invitation.issued'`)
  t.equal(n, invited, `one invitation per invited contact (${invited})`)
})

t.test('when a contact carries an excluded flag or came too late, then it is excluded for that reason', async (t) => {
  const seen = new Set<string>()
  let ok = true
  for (const c of contacts) {
    const r = results.get(c.id)!
    if (c.flags.length) {
      seen.add(c.flags[0]!)
      ok &&= r.status === 'excluded' && r.reason === c.flags[0]
    } else if (c.postAt - c.occurredAt > 72 * HOUR) ok &&= r.reason === 'too_old'
  }
  t.ok(ok, 'every flagged and every late contact excluded for its reason')
  t.strictSame([...seen].sort(), [...flags].sort(), 'every exclusion rule was exercised')
})

t.test('when people opted out, then none of them was invited', async (t) => {
  const invitedOptedOut = contacts.filter((c) => optedOut.has(c.person) && results.get(c.id)!.status === 'invited')
  t.equal(invitedOptedOut.length, 0)
  const reached = contacts.filter((c) => optedOut.has(c.person) && results.get(c.id)!.reason === 'opted_out').length
  t.ok(reached > 50, `${reached} contacts of opted-out people reached the opt-out rule`)
})

t.test('when sampling rates are set per kind, then the share sampled is within tolerance of each rate', async (t) => {
  for (const kind of new Set(kinds)) {
    const eligible = contacts.filter((c) => c.kind === kind && c.flags.length === 0 && c.postAt - c.occurredAt <= 72 * HOUR)
    const sampled = eligible.filter((c) => results.get(c.id)!.reason !== 'not_sampled').length
    const rate = rates[kind] ?? 1
    const sd = Math.sqrt((rate * (1 - rate)) / eligible.length)
    t.ok(Math.abs(sampled / eligible.length - rate) <= 4 * sd + 1e-9, `${kind}: ${(sampled / eligible.length).toFixed(3)} of ${eligible.length} for ${rate}`)
  }
})

t.test('when a person is contacted again within the period, then they are invited at most once per 30 days', async (t) => {
  const byPerson = new Map<number, number[]>()
  for (const c of contacts) {
    const r = results.get(c.id)!
    if (r.status === 'invited') byPerson.set(c.person, [...(byPerson.get(c.person) ?? []), Date.parse(r.sendAfter!)])
  }
  let closest = Infinity
  for (const times of byPerson.values()) {
    times.sort((a, b) => a - b)
    for (let i = 1; i < times.length; i++) closest = Math.min(closest, times[i]! - times[i - 1]!)
  }
  t.ok(closest >= 30 * DAY, `the closest two invitations of one person are ${(closest / DAY).toFixed(1)} days apart`)
  const repeats = contacts.filter((c) => results.get(c.id)!.reason === 'recently_invited')
  t.ok(repeats.length > 1_000, `${repeats.length} contacts held back by the rule`)
  t.ok(
    repeats.every((c) => (byPerson.get(c.person) ?? []).some((at) => at <= c.postAt + 3 * DAY && at > c.occurredAt - 31 * DAY)),
    'each held back has an invitation within the period',
  )
})

t.test('when an invitation is issued, then its send-after is the delay after the contact (or when it was posted), out of quiet hours', async (t) => {
  let bad = 0
  let moved = 0
  for (const c of contacts) {
    const r = results.get(c.id)!
    if (r.status !== 'invited') continue
    const at = Date.parse(r.sendAfter!)
    const earliest = Math.max(c.occurredAt + 120 * MIN, r.postedAt)
    const local = toLocal(new Date(at), TZ)
    const minute = Number(local.slice(11, 13)) * 60 + Number(local.slice(14, 16))
    const quiet = (m: number) => m >= 21 * 60 || m < 8 * 60
    const earliestLocal = toLocal(new Date(earliest), TZ)
    if (at < earliest || quiet(minute)) bad++
    else if (quiet(Number(earliestLocal.slice(11, 13)) * 60 + Number(earliestLocal.slice(14, 16)))) {
      moved++
      if (local.slice(11, 16) !== '08:00' || at - earliest > 11 * HOUR) bad++
    } else if (at !== earliest) bad++
  }
  t.equal(bad, 0, 'every send-after follows the delay and quiet hours')
  t.ok(moved > 100, `${moved} moved out of quiet hours to 08:00`)
})

t.test('when delivered or once the window has closed, then no phone, email or contact id is left in any table', async (t) => {
  t.ok(delivered.length > 100, `${delivered.length} invitations delivered to the messaging system`)
  t.ok(delivered.every((d) => d.invitation && canary.test(d.invitation.address)), 'each carried its address')
  // Before the sweep: what was issued after the messaging system unsubscribed still waits; nothing delivered does.
  left = (await database.raw<{ address: string }>(`select address from contact_invitations`)).map((r) => r.address)
  const waiting = new Set(left)
  const deliveredIds = new Set(delivered.map((d) => d.invitation.link))
  const invitedAgain = new Set(contacts.filter((c) => results.get(c.id)!.status === 'invited' && results.get(c.id)!.postedAt > START + 2 * DAY).map((c) => c.address))
  t.equal(deliveredIds.size, delivered.length)
  t.ok(delivered.every((d) => !waiting.has(d.invitation.address) || invitedAgain.has(d.invitation.address)), 'once delivered, an address is deleted at once (unless invited again a period later)')
  t.ok(left.length > 1_000, `${left.length} invitations wait for delivery (or the window)`)
  now = START + 45 * DAY
  // Answers through some delivered links (dated before their window closed).
  now = START + 3 * DAY
  const answers = delivered.slice(0, 40)
  for (const [i, d] of answers.entries()) {
    const token = d.invitation.link.split('#token=')[1]!
    const res = await app.inject({ method: 'POST', url: '/v1/contact-survey-responses', headers: { 'content-type': 'application/json' }, payload: { token, dignity: 1 + (i % 5), voice: 3, neutrality: 4, trust: 1 + ((i * 3) % 5), ...(i % 2 ? { comment: `Answer ${i}: the officer listened.` } : {}) } })
    if (res.statusCode !== 201) throw new Error(res.body)
  }
  now = START + 45 * DAY
  await app.services.scheduledTimes.runOnce()
  const dump = await dumpAll(database)
  t.notMatch(dump, canary, 'no canary phone, email or CAD id in a full dump of every table')
  for (const table of ['contact_invitations', 'contact_survey_tokens']) t.equal((await database.raw(`select 1 from ${table}`)).length, 0, `${table} is empty`)
  for (const d of delivered) {
    const token = d.invitation.link.split('#token=')[1]!
    if (dump.includes(token) || dump.includes(createHash('sha256').update(token).digest('hex'))) t.fail('a token or its hash survived')
  }
})

t.test('when answers are read through every read path, then none can be joined to its contact', async (t) => {
  const invitationIds = delivered.map((d) => d.id)
  const joinKeys = new RegExp([...invitationIds, ...delivered.map((d) => d.invitation.link.split('#token=')[1]!)].map((s) => s.replace(/[-]/g, '\\-')).join('|'))
  const answersRows = await database.raw<{ created_at: Date; row: string }>(`select created_at, s::text as row from survey_responses s where contact_kind is not null`)
  t.equal(answersRows.length, 40)
  t.ok(answersRows.every((r) => new Date(r.created_at).getUTCDay() === 1 && new Date(r.created_at).toISOString().endsWith('T00:00:00.000Z')), 'answers are dated to their week')
  t.notMatch(answersRows.map((r) => r.row).join('\n'), joinKeys, 'no invitation id or token in an answer row')
  const comments = await database.raw<{ row: string; received_at: Date; created_at: Date }>(`select f::text as row, received_at, created_at from feedback_items f where channel = 'survey'`)
  t.equal(comments.length, 20)
  t.ok(comments.every((c) => new Date(c.received_at).toISOString().endsWith('T00:00:00.000Z') && new Date(c.created_at).toISOString().endsWith('T00:00:00.000Z')), 'comments are dated to their day')
  const reads: [string, Record<string, string>][] = [
    ['/v1/feedback?channel=survey&limit=100', staff],
    ['/v1/feedback.csv', staff],
    ['/v1/changes?limit=100', staff],
    ['/v1/insights/trust?agency=metro', analyst],
    ['/v1/insights/trust?agency=metro', {}],
    ['/v1/insights/voice?agency=metro', analyst],
  ]
  for (const [url, headers] of reads) {
    const res = await app.inject({ method: 'GET', url, headers })
    t.ok(res.statusCode < 500, `${url}: ${res.statusCode}`)
    t.notMatch(res.body, joinKeys, `${url}: no invitation id or token`)
    t.notMatch(res.body, canary, `${url}: no address or contact id`)
  }
  const graphql = await app.inject({ method: 'POST', url: '/graphql', headers: json(staff), payload: { query: '{ feedback(first: 50) { nodes { id body areaId channel } } }' } })
  t.notOk(graphql.json().errors, 'GraphQL answered')
  t.ok(graphql.json().data.feedback.nodes.length > 0)
  t.notMatch(graphql.body, joinKeys, 'GraphQL: no invitation id or token')
  // Trust counts the answers by beat (area) and by the contact's kind (`contact:<kind>`), as aggregates only.
  const trust = await app.inject({ method: 'GET', url: '/v1/insights/trust?agency=metro', headers: analyst })
  t.equal(trust.statusCode, 200)
  const kindsCounted = new Set((trust.json().margins as { key: Record<string, string | null> }[]).map((m) => m.key.kind))
  t.ok([...kindsCounted].some((k) => k?.startsWith('contact:')), `trust by contact kind: ${[...kindsCounted].join(', ')}`)
  // Analysts see aggregates only: not the feed, not the rules' changes.
  t.equal((await app.inject({ method: 'POST', url: '/v1/contact-events', headers: json(analyst), payload: { contacts: [] } })).statusCode, 403)
  t.equal((await app.inject({ method: 'PATCH', url: '/v1/contact-survey-rules', headers: json(analyst), payload: {} })).statusCode, 403)
})

