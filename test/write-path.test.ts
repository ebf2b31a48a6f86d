// One write path: a create costs at most two statements (one check read, one write), outside any transaction, and
// writes its row, audit entry, outbox entry (and history) together; idempotency keys are claimed in the same statement.
import t from 'tap'
import { sql } from 'drizzle-orm'
import { buildApp } from '../src/app.ts'
import { clockFrom } from '../src/clock.ts'
import { bearer } from './helpers/auth.ts'
import { build } from './helpers/build.ts'
import { dateAfterNow, secondTuesdayAfterNow, TEST_NOW } from './helpers/clock.ts'
import { usingPostgres } from './helpers/database.ts'
import { eventBody } from './helpers/fixtures.ts'

const { app, database, config, fixtures } = await build(t)
const staff = await bearer()

type Reply = { statusCode: number; headers: Record<string, unknown>; body: string; json(): any }

async function rows<T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
  const result = await database.db.execute(query)
  return ((result as { rows?: T[] }).rows ?? result) as T[]
}

/** Runs one request and reports what it cost: statements, and transactions opened (spied on, since PGlite's BEGIN is not logged). */
async function measured(run: () => Promise<Reply>) {
  const before = database.statements.count
  database.recent.length = 0
  let transactions = 0
  const original = database.db.transaction
  database.db.transaction = ((...args: Parameters<typeof original>) => {
    transactions++
    return original.apply(database.db, args)
  }) as typeof original
  try {
    const res = await run()
    return { res, statements: database.statements.count - before, sql: database.recent.map((s) => s.sql), transactions }
  } finally {
    database.db.transaction = original
  }
}

const graphql = (query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables } }) as Promise<Reply>

/** One create over one adapter: how to run it (with a key, with changes to its body) and read what it answers. */
type Create = {
  name: string
  table: string
  entityType: string
  action: string
  visibility: 'public' | 'agency'
  history?: boolean
  /** A change to the body that a key's first use must not accept on a retry. */
  different: Record<string, unknown>
  /** A change that fails the create's checks (another agency's area). */
  failing: Record<string, unknown>
  run(key?: string, change?: Record<string, unknown>): Promise<Reply>; idOf(res: Reply): string; replayed(res: Reply): boolean }

const feedbackInput = (change: Record<string, unknown> = {}) => ({ agency: 'metro', body: 'The streetlights on Elm are out.', language: 'en', topic: 'community_safety', ...change })
const organizationInput = { name: 'Eastside Neighbours', kind: 'neighbourhood_association', areaIds: [fixtures.areas.north.id], contact: { name: 'Canary Contact', email: 'canary-org@example.org' } }
// Dates relative to TEST_NOW (the app's clock), never a calendar year: "the future" must stay the future.
const DAY = 86_400_000
const daysAhead = (n: number) => new Date(Date.parse(TEST_NOW) + n * DAY)
/** The rule's first occurrence: the second Tuesday three months on, as local wall-clock time. */
const secondTuesday = `${secondTuesdayAfterNow(3)}T18:30`
const seriesInput = {
  title: { en: 'Neighbourhood listening session' },
  kind: 'listening_session',
  format: 'in_person',
  areaId: fixtures.areas.north.id,
  venue: { name: 'North Library', address: { street: '1 Elm St', locality: 'Metro' } },
  recurrence: { rule: 'FREQ=MONTHLY;BYDAY=2TU;COUNT=3', start: secondTuesday, durationMinutes: 90 },
  rotation: [{ venue: { name: 'South Rec Centre', address: { street: '9 Oak Ave', locality: 'Metro' } }, areaId: fixtures.areas.south.id }],
}
const gqlSeries = { ...seriesInput, title: [{ language: 'en', text: 'Neighbourhood listening session' }], kind: 'LISTENING_SESSION', format: 'IN_PERSON' }
const participantInput = { displayName: 'Canary Person', contact: { email: 'canary-person@example.org' }, consents: { contact: true, dataUse: true }, areaId: fixtures.areas.north.id }
const decisionInput = { title: { en: 'More patrols on Elm' }, topic: 'community_safety', areaId: fixtures.areas.north.id }
const reportedDecision = (await app.inject({ method: 'POST', url: '/v1/decisions', headers: staff, payload: { title: { en: 'Reported decision' } } })).json()
const reportBackInput = { decisionId: reportedDecision.id, channel: 'website', relayedAt: '2026-12-01T12:00:00Z', url: 'https://metro.example.org/outcomes/1' }
const gqlEvent = {
  title: [{ language: 'en', text: 'Town hall' }],
  kind: 'TOWN_HALL',
  format: 'VIRTUAL',
  startsAt: daysAhead(180).toISOString(),
  endsAt: new Date(daysAhead(180).getTime() + 3_600_000).toISOString(),
  online: { joinUrl: 'https://meet.example.org/town-hall' },
}

const creates: Create[] = [
  {
    name: 'REST POST /v1/events',
    table: 'events',
    entityType: 'event',
    action: 'event.scheduled',
    visibility: 'public',
    different: { capacity: 12 },
    failing: { areaId: fixtures.areas.lakeArea.id },
    run: (key, change) => app.inject({ method: 'POST', url: '/v1/events', headers: { ...staff, ...(key ? { 'idempotency-key': key } : {}) }, payload: eventBody({ areaId: fixtures.areas.north.id, ...change }) }),
    idOf: (res) => res.json().id,
    replayed: (res) => res.headers['idempotent-replayed'] === 'true',
  },
  {
    name: 'GraphQL scheduleEvent',
    table: 'events',
    entityType: 'event',
    action: 'event.scheduled',
    visibility: 'public',
    different: { capacity: 12 },
    failing: { areaId: fixtures.areas.lakeArea.id },
    run: (key, change) =>
      graphql(`mutation ($input: ScheduleEventInput!, $key: String) { scheduleEvent(input: $input, idempotencyKey: $key) { replayed event { id } } }`, { input: { ...gqlEvent, areaId: fixtures.areas.north.id, ...change }, key }, staff),
    idOf: (res) => res.json().data.scheduleEvent.event.id,
    replayed: (res) => res.json().data.scheduleEvent.replayed,
  },
  {
    name: 'REST POST /v1/feedback',
    table: 'feedback_items',
    entityType: 'feedback',
    action: 'feedback.received',
    visibility: 'agency',
    history: true,
    different: { body: 'Something else entirely.' },
    failing: { areaId: fixtures.areas.lakeArea.id },
    run: (key, change) => app.inject({ method: 'POST', url: '/v1/feedback', headers: key ? { 'idempotency-key': key } : {}, payload: feedbackInput({ areaId: fixtures.areas.north.id, ...change }) }),
    idOf: (res) => res.json().id,
    replayed: (res) => res.headers['idempotent-replayed'] === 'true',
  },
  {
    name: 'GraphQL submitFeedback',
    table: 'feedback_items',
    entityType: 'feedback',
    action: 'feedback.received',
    visibility: 'agency',
    history: true,
    different: { body: 'Something else entirely.' },
    failing: { areaId: fixtures.areas.lakeArea.id },
    run: (key, change) =>
      graphql(`mutation ($input: SubmitFeedbackInput!, $key: String) { submitFeedback(input: $input, idempotencyKey: $key) { replayed feedback { id } } }`, { input: feedbackInput({ areaId: fixtures.areas.north.id, ...change }), key }, staff),
    idOf: (res) => res.json().data.submitFeedback.feedback.id,
    replayed: (res) => res.json().data.submitFeedback.replayed,
  },
  {
    name: 'REST POST /v1/organizations',
    table: 'organizations',
    entityType: 'organization',
    action: 'organization.registered',
    visibility: 'public',
    different: { name: 'Westside Neighbours' },
    failing: { areaIds: [fixtures.areas.lakeArea.id] },
    run: (key, change) => app.inject({ method: 'POST', url: '/v1/organizations', headers: { ...staff, ...(key ? { 'idempotency-key': key } : {}) }, payload: { ...organizationInput, ...change } }),
    idOf: (res) => res.json().id,
    replayed: (res) => res.headers['idempotent-replayed'] === 'true',
  },
  {
    name: 'GraphQL createOrganization',
    table: 'organizations',
    entityType: 'organization',
    action: 'organization.registered',
    visibility: 'public',
    different: { name: 'Westside Neighbours' },
    failing: { areaIds: [fixtures.areas.lakeArea.id] },
    run: (key, change) =>
      graphql(`mutation ($input: CreateOrganizationInput!, $key: String) { createOrganization(input: $input, idempotencyKey: $key) { replayed organization { id } } }`, { input: { ...organizationInput, kind: 'NEIGHBOURHOOD_ASSOCIATION', ...change }, key }, staff),
    idOf: (res) => res.json().data.createOrganization.organization.id,
    replayed: (res) => res.json().data.createOrganization.replayed,
  },
  {
    name: 'REST POST /v1/series',
    table: 'event_series',
    entityType: 'series',
    action: 'series.created',
    visibility: 'public',
    different: { capacity: 12 },
    failing: { areaId: fixtures.areas.lakeArea.id },
    run: (key, change) => app.inject({ method: 'POST', url: '/v1/series', headers: { ...staff, ...(key ? { 'idempotency-key': key } : {}) }, payload: { ...seriesInput, ...change } }),
    idOf: (res) => res.json().id,
    replayed: (res) => res.headers['idempotent-replayed'] === 'true',
  },
  {
    name: 'GraphQL createSeries',
    table: 'event_series',
    entityType: 'series',
    action: 'series.created',
    visibility: 'public',
    different: { capacity: 12 },
    failing: { areaId: fixtures.areas.lakeArea.id },
    run: (key, change) =>
      graphql(`mutation ($input: CreateSeriesInput!, $key: String) { createSeries(input: $input, idempotencyKey: $key) { replayed series { id } } }`, { input: { ...gqlSeries, ...change }, key }, staff),
    idOf: (res) => res.json().data.createSeries.series.id,
    replayed: (res) => res.json().data.createSeries.replayed,
  },
  {
    name: 'REST POST /v1/participants',
    table: 'participants',
    entityType: 'participant',
    action: 'participant.registered',
    visibility: 'agency',
    different: { displayName: 'Someone Else' },
    failing: { areaId: fixtures.areas.lakeArea.id },
    run: (key, change) => app.inject({ method: 'POST', url: '/v1/participants', headers: { ...staff, ...(key ? { 'idempotency-key': key } : {}) }, payload: { ...participantInput, ...change } }),
    idOf: (res) => res.json().id,
    replayed: (res) => res.headers['idempotent-replayed'] === 'true',
  },
  {
    name: 'GraphQL createParticipant',
    table: 'participants',
    entityType: 'participant',
    action: 'participant.registered',
    visibility: 'agency',
    different: { displayName: 'Someone Else' },
    failing: { areaId: fixtures.areas.lakeArea.id },
    run: (key, change) =>
      graphql(`mutation ($input: CreateParticipantInput!, $key: String) { createParticipant(input: $input, idempotencyKey: $key) { replayed participant { id } } }`, { input: { ...participantInput, ...change }, key }, staff),
    idOf: (res) => res.json().data.createParticipant.participant.id,
    replayed: (res) => res.json().data.createParticipant.replayed,
  },
  {
    name: 'REST POST /v1/decisions',
    table: 'decisions',
    entityType: 'decision',
    action: 'decision.recorded',
    visibility: 'agency',
    different: { decidedBy: 'Chief of Police' },
    failing: { areaId: fixtures.areas.lakeArea.id },
    run: (key, change) => app.inject({ method: 'POST', url: '/v1/decisions', headers: { ...staff, ...(key ? { 'idempotency-key': key } : {}) }, payload: { ...decisionInput, ...change } }),
    idOf: (res) => res.json().id,
    replayed: (res) => res.headers['idempotent-replayed'] === 'true',
  },
  {
    name: 'GraphQL recordDecision',
    table: 'decisions',
    entityType: 'decision',
    action: 'decision.recorded',
    visibility: 'agency',
    different: { decidedBy: 'Chief of Police' },
    failing: { areaId: fixtures.areas.lakeArea.id },
    run: (key, change) =>
      graphql(`mutation ($input: RecordDecisionInput!, $key: String) { recordDecision(input: $input, idempotencyKey: $key) { replayed decision { id } } }`, { input: { ...decisionInput, title: [{ language: 'en', text: 'More patrols on Elm' }], ...change }, key }, staff),
    idOf: (res) => res.json().data.recordDecision.decision.id,
    replayed: (res) => res.json().data.recordDecision.replayed,
  },
  {
    name: 'REST POST /v1/report-backs',
    table: 'report_backs',
    entityType: 'report_back',
    action: 'report_back.recorded',
    visibility: 'public',
    different: { url: 'https://metro.example.org/outcomes/2' },
    failing: { decisionId: fixtures.areas.north.id },
    run: (key, change) => app.inject({ method: 'POST', url: '/v1/report-backs', headers: { ...staff, ...(key ? { 'idempotency-key': key } : {}) }, payload: { ...reportBackInput, ...change } }),
    idOf: (res) => res.json().id,
    replayed: (res) => res.headers['idempotent-replayed'] === 'true',
  },
  {
    name: 'GraphQL recordReportBack',
    table: 'report_backs',
    entityType: 'report_back',
    action: 'report_back.recorded',
    visibility: 'public',
    different: { url: 'https://metro.example.org/outcomes/2' },
    failing: { decisionId: fixtures.areas.north.id },
    run: (key, change) =>
      graphql(`mutation ($input: RecordReportBackInput!, $key: String) { recordReportBack(input: $input, idempotencyKey: $key) { replayed reportBack { id } } }`, { input: { ...reportBackInput, channel: 'WEBSITE', ...change }, key }, staff),
    idOf: (res) => res.json().data.recordReportBack.reportBack.id,
    replayed: (res) => res.json().data.recordReportBack.replayed,
  },
]

const ok = (res: Reply) => res.statusCode === 201 || (res.statusCode === 200 && !res.json().errors)
const counts = async (id: string) =>
  (await rows<{ audit: number; outbox: number; history: number }>(sql`select
    (select count(*)::int from audit_events where entity_id = ${id}::uuid) as audit,
    (select count(*)::int from outbox where entity_id = ${id}::uuid) as outbox,
    (select count(*)::int from feedback_transitions where feedback_id = ${id}::uuid) as history`))[0]!

// The agency and the anonymous key namespace are cached after a first request; what is measured is the create itself.
for (const c of creates) await c.run()

const slug = (name: string) => name.replace(/[^a-z0-9]+/gi, '-')

for (const c of creates) {
  t.test(`when ${c.name} creates, then it runs at most 2 statements, opens no transaction, and writes row, audit and outbox together`, async (t) => {
    for (const key of [undefined, `count-${slug(c.name)}`]) {
      const { res, statements, sql: seen, transactions } = await measured(() => c.run(key))
      t.ok(ok(res), res.body)
      t.ok(statements <= 2, `${key ? 'with' : 'without'} a key: ${statements} statements`)
      t.equal(transactions, 0, 'no db.transaction')
      t.notOk(seen.some((s) => /^\s*(begin|commit|start transaction)\b/i.test(s)), 'no BEGIN or COMMIT sent')
      t.equal(seen.filter((s) => /\binsert\b/i.test(s)).length, 1, 'one write statement')
      const id = c.idOf(res)
      t.same(await counts(id), { audit: 1, outbox: 1, history: c.history ? 1 : 0 })
      // Rows written by one statement carry one transaction id.
      const xmins = await rows<{ xmin: string }>(sql`
        select xmin::text from ${sql.identifier(c.table)} where id = ${id}::uuid
        union select xmin::text from audit_events where entity_id = ${id}::uuid
        union select xmin::text from outbox where entity_id = ${id}::uuid
        union select xmin::text from idempotency_keys where resource_id = ${id}::uuid
        union select xmin::text from feedback_transitions where feedback_id = ${id}::uuid`)
      t.equal(xmins.length, 1, 'one transaction wrote them all')
      const [outbox] = await rows<{ agency_id: string; action: string; visibility: string; payload: unknown; request_id: string | null }>(
        sql`select agency_id, action, visibility, payload, request_id from outbox where entity_id = ${id}::uuid`)
      t.match(outbox, { agency_id: fixtures.metro.id, action: c.action, visibility: c.visibility })
      t.notMatch(JSON.stringify(outbox), /canary/i, 'no personal data in the outbox')
      t.same(outbox!.payload, { id, version: 1 })
      t.ok(outbox!.request_id)
      if (key) t.equal((await rows(sql`select 1 from idempotency_keys where resource_id = ${id}::uuid and status_code = 201`)).length, 1, 'the key names the resource from the start')
    }
  })

  t.test(`when ${c.name} is retried, then the same body replays, another is refused, and an expired key is claimed afresh`, async (t) => {
    const key = `retry-${slug(c.name)}`
    const first = await c.run(key)
    t.ok(ok(first), first.body)
    const again = await c.run(key)
    t.ok(ok(again), again.body)
    t.ok(c.replayed(again), 'replayed')
    t.equal(c.idOf(again), c.idOf(first))
    const different = await c.run(key, c.different)
    const code = different.statusCode === 200 ? different.json().errors?.[0]?.extensions?.code : different.json().code
    t.equal(code, 'IDEMPOTENCY_KEY_REUSED')
    if (different.statusCode !== 200) t.equal(different.statusCode, 422)
    t.equal((await rows(sql`select 1 from ${sql.identifier(c.table)} where id = ${c.idOf(first)}::uuid`)).length, 1)
    t.same(await counts(c.idOf(first)), { audit: 1, outbox: 1, history: c.history ? 1 : 0 }, 'a replay writes nothing')
  })

  t.test(`when ${c.name} fails a check, then nothing is written and the key stays free`, async (t) => {
    const key = `check-${slug(c.name)}`
    const before = await rows<{ n: number }>(sql`select (select count(*) from audit_events)::int + (select count(*) from outbox)::int + (select count(*) from idempotency_keys)::int as n`)
    const bad = await c.run(key, c.failing)
    t.ok(bad.statusCode === 400 || bad.json().errors?.[0]?.extensions?.code === 'VALIDATION_FAILED', bad.body)
    const after = await rows<{ n: number }>(sql`select (select count(*) from audit_events)::int + (select count(*) from outbox)::int + (select count(*) from idempotency_keys)::int as n`)
    t.same(after, before, 'no audit, outbox or key row')
    const fixed = await c.run(key)
    t.ok(ok(fixed), fixed.body)
    t.notOk(c.replayed(fixed), 'the fixed body creates')
  })
}

t.test('when feedback leaves contact details, then neither the audit entry nor the outbox entry carries them', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/v1/feedback', payload: feedbackInput({ body: 'Call me.', contact: { displayName: 'Canary Giver', email: 'canary-giver@example.org', phone: '+1 555 0199', consentToContact: true } }) })
  t.equal(res.statusCode, 201, res.body)
  const id = res.json().id
  t.same(await counts(id), { audit: 1, outbox: 1, history: 1 })
  const written = JSON.stringify(await rows(sql`select to_jsonb(a) as a from audit_events a where entity_id = ${id}::uuid union all select to_jsonb(o) from outbox o where entity_id = ${id}::uuid`))
  t.notMatch(written, /canary|555 0199|example\.org/i)
  t.equal((await rows(sql`select 1 from participants p join feedback_items f on f.participant_id = p.id where f.id = ${id}::uuid`)).length, 1, 'the participant is written with the item')
})

t.test('when a key is older than 24 hours, then a create with it is not a replay but a new resource', async (t) => {
  const key = 'expiring-1'
  const first = await app.inject({ method: 'POST', url: '/v1/events', headers: { ...staff, 'idempotency-key': key }, payload: eventBody() })
  t.equal(first.statusCode, 201)
  // The same database, served 25 hours later.
  const later = new Date(Date.parse(TEST_NOW) + 25 * 3_600_000)
  const laterApp = await buildApp({ config, database, clock: clockFrom(later) })
  t.teardown(() => laterApp.close())
  const headers = { ...(await bearer({ now: later })), 'idempotency-key': key }
  const { res: again, statements } = await measured(() => laterApp.inject({ method: 'POST', url: '/v1/events', headers, payload: eventBody() }))
  t.equal(again.statusCode, 201, again.body)
  t.notOk(again.headers['idempotent-replayed'])
  t.not(again.json().id, first.json().id, 'a new event')
  t.ok(statements <= 3, `${statements} statements (the agency is read once by the new app)`)
  const keys = await rows<{ resource_id: string }>(sql`select resource_id from idempotency_keys where key = ${key}`)
  t.same(keys, [{ resource_id: again.json().id }], 'the one key now names the new event')
  const replay = await laterApp.inject({ method: 'POST', url: '/v1/events', headers, payload: eventBody() })
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.equal(replay.json().id, again.json().id)
})

t.test('when many requests race with one key, then exactly one resource is created', { skip: usingPostgres() ? false : 'PGlite has one connection: requests cannot race' }, async (t) => {
  const key = 'race-1'
  const replies = await Promise.all(Array.from({ length: 8 }, () => app.inject({ method: 'POST', url: '/v1/events', headers: { ...staff, 'idempotency-key': key }, payload: eventBody({ capacity: 77 }) })))
  t.same(replies.map((r) => r.statusCode), Array(8).fill(201), replies.map((r) => r.body).join('\n'))
  t.equal(new Set(replies.map((r) => r.json().id)).size, 1, 'every reply names the same event')
  t.equal(replies.filter((r) => r.headers['idempotent-replayed'] !== 'true').length, 1, 'one created, the rest replayed')
  t.equal((await rows(sql`select 1 from events where capacity = 77`)).length, 1, 'one row')
  t.equal((await rows(sql`select 1 from outbox o join events e on e.id = o.entity_id where e.capacity = 77`)).length, 1, 'one outbox entry')
})

t.test('when a series is created, then its occurrences are written by the same statement', async (t) => {
  const { res, statements } = await measured(() => app.inject({ method: 'POST', url: '/v1/series', headers: staff, payload: seriesInput }))
  t.equal(res.statusCode, 201, res.body)
  t.ok(statements <= 2, `${statements} statements`)
  const xmins = await rows<{ xmin: string; n: number }>(sql`
    select xmin::text, count(*)::int as n from (select xmin from events where series_id = ${res.json().id}::uuid union all select xmin from event_series where id = ${res.json().id}::uuid) w group by xmin`)
  t.same(xmins.map((x) => x.n), [4], 'three occurrences and the series, in one transaction')
})

t.test('when a survey is answered with its token, then it costs one read and one write, with an anonymous audit entry and an agency outbox entry that holds no token', async (t) => {
  const held = await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ startsAt: `${dateAfterNow(-2)}T09:00:00-05:00`, endsAt: `${dateAfterNow(-2)}T10:00:00-05:00` }) })
  const token = async () => {
    const person = await app.inject({ method: 'POST', url: '/v1/participants', headers: staff, payload: { displayName: 'Attendee' } })
    return (await app.inject({ method: 'POST', url: `/v1/events/${held.json().id}/check-ins`, headers: staff, payload: { participantId: person.json().id } })).json().surveyToken as string
  }
  const tokens = { REST: await token(), GraphQL: await token() }
  for (const [name, run] of [
    ['REST', () => app.inject({ method: 'POST', url: `/v1/events/${held.json().id}/survey-responses`, headers: staff, payload: { token: tokens.REST, dignity: 4 } })],
    ['GraphQL', () => graphql(`mutation ($id: ID!, $token: String) { submitSurveyResponse(eventId: $id, input: { token: $token, trust: 3 }) { id } }`, { id: held.json().id, token: tokens.GraphQL })],
  ] as const) {
    const { res, statements, transactions } = await measured(run)
    t.ok(ok(res), res.body)
    t.ok(statements <= 2, `${name}: ${statements} statements`)
    t.equal(transactions, 0, `${name}: no db.transaction`)
    const id = name === 'REST' ? res.json().id : res.json().data.submitSurveyResponse.id
    const [audit] = await rows<{ actor_kind: string; actor_subject: string | null }>(sql`select actor_kind, actor_subject from audit_events where entity_id = ${id}::uuid`)
    t.same(audit, { actor_kind: 'public', actor_subject: null }, `${name}: the audit entry names no one`)
    t.same(await counts(id), { audit: 1, outbox: 1, history: 0 })
    const [outbox] = await rows<{ visibility: string; payload: unknown }>(sql`select visibility::text, payload from outbox where entity_id = ${id}::uuid`)
    t.equal(outbox!.visibility, 'agency', `${name}: the outbox entry is the agency's only`)
    t.notMatch(JSON.stringify(outbox!.payload), tokens[name], `${name}: the outbox entry holds no token`)
    t.same(Object.keys(outbox!.payload as object).sort(), ['eventId', 'id'], `${name}: ids only`)
  }
})

t.test('when a decision answers feedback, then the items move to addressed with their history in the same statement, and the answer is what a read gives', async (t) => {
  const submitted = await Promise.all([1, 2, 3].map((n) => app.inject({ method: 'POST', url: '/v1/feedback', payload: feedbackInput({ body: `Item ${n}` }) })))
  const [a, b, c] = submitted.map((r) => r.json().id as string)
  // One item is already past addressed: it is linked but does not move.
  const move = (to: string, version: number, reason?: string) => app.inject({ method: 'POST', url: `/v1/feedback/${c}/transitions`, headers: { ...staff, 'if-match': `"${version}"` }, payload: { to, ...(reason ? { reason } : {}) } })
  t.equal((await move('acknowledged', 1)).statusCode, 200)
  t.equal((await move('declined', 2, 'Out of scope')).statusCode, 200)
  const event = (await app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody() })).json()
  const organization = (await app.inject({ method: 'POST', url: '/v1/organizations', headers: staff, payload: organizationInput })).json()
  const { res, statements, transactions } = await measured(() =>
    app.inject({ method: 'POST', url: '/v1/decisions', headers: { ...staff, 'idempotency-key': 'answers-1' }, payload: { ...decisionInput, title: { es: 'Más patrullas', en: 'More patrols' }, publication: 'published', feedbackIds: [c, b, a], eventIds: [event.id], organizationIds: [organization.id] } }))
  t.equal(res.statusCode, 201, res.body)
  t.ok(statements <= 2, `${statements} statements`)
  t.equal(transactions, 0)
  const decision = res.json()
  t.same(decision, (await app.inject({ method: 'GET', url: `/v1/decisions/${decision.id}`, headers: staff })).json(), 'the answer is what a read of the decision gives')
  // They were submitted at once: a read lists them by received time, then id.
  const received = submitted.map((r) => r.json() as { id: string; receivedAt: string }).sort((x, y) => (x.receivedAt === y.receivedAt ? (x.id < y.id ? -1 : 1) : x.receivedAt < y.receivedAt ? -1 : 1))
  t.same(decision.feedbackIds, received.map((f) => f.id), 'links in the order a read lists them')
  const moved = await rows<{ feedback_id: string; from_status: string; to_status: string; note: string }>(sql`select feedback_id, from_status, to_status, note from feedback_transitions where to_status = 'addressed' order by feedback_id`)
  t.same(moved.map((m) => m.feedback_id).sort(), [a, b].sort())
  t.ok(moved.every((m) => m.from_status === 'received' && m.note === `Addressed by decision "More patrols" (${decision.id})`), 'history names the decision by its first title, as before')
  const items = await rows<{ id: string; status: string; version: number; decided: boolean }>(sql`select id, status, version, decided_at is not null as decided from feedback_items where id in (${a}::uuid, ${b}::uuid, ${c}::uuid) order by id`)
  t.same(items.filter((i) => i.id !== c).map((i) => [i.status, i.version, i.decided]), [['addressed', 2, true], ['addressed', 2, true]])
  const [audit] = await rows<{ details: unknown }>(sql`select details from audit_events where entity_id = ${decision.id}::uuid`)
  t.same(audit!.details, { status: 'proposed', feedbackAddressed: 2 })
  const [outbox] = await rows<{ visibility: string }>(sql`select visibility from outbox where entity_id = ${decision.id}::uuid`)
  t.equal(outbox!.visibility, 'public', 'a published decision is public')
  const xmins = await rows(sql`select distinct xmin::text from (
    select xmin from decisions where id = ${decision.id}::uuid union all select xmin from decision_feedback where decision_id = ${decision.id}::uuid
    union all select xmin from feedback_transitions where to_status = 'addressed' union all select xmin from feedback_items where id in (${a}::uuid, ${b}::uuid)
    union all select xmin from audit_events where entity_id = ${decision.id}::uuid) w`)
  t.equal(xmins.length, 1, 'one transaction wrote them all')
  const replay = await app.inject({ method: 'POST', url: '/v1/decisions', headers: { ...staff, 'idempotency-key': 'answers-1' }, payload: { ...decisionInput, title: { es: 'Más patrullas', en: 'More patrols' }, publication: 'published', feedbackIds: [c, b, a], eventIds: [event.id], organizationIds: [organization.id] } })
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), decision)
  t.equal((await rows(sql`select 1 from feedback_transitions where to_status = 'addressed'`)).length, 2, 'a replay moves nothing again')
})

t.test('when a report-back relays a decision, then the feedback it answers moves to reported back in the same statement, and the answer is what a read gives', async (t) => {
  const [a, b] = (await Promise.all([1, 2].map((n) => app.inject({ method: 'POST', url: '/v1/feedback', payload: feedbackInput({ body: `Report ${n}` }) })))).map((r) => r.json().id as string)
  const decision = (await app.inject({ method: 'POST', url: '/v1/decisions', headers: staff, payload: { title: { en: 'Answering both' }, feedbackIds: [b, a] } })).json()
  const { res, statements, transactions } = await measured(() => app.inject({ method: 'POST', url: '/v1/report-backs', headers: staff, payload: { ...reportBackInput, decisionId: decision.id } }))
  t.equal(res.statusCode, 201, res.body)
  t.ok(statements <= 2, `${statements} statements`)
  t.equal(transactions, 0)
  const reportBack = res.json()
  t.same(reportBack, (await app.inject({ method: 'GET', url: `/v1/report-backs/${reportBack.id}`, headers: staff })).json(), 'the answer is what a read gives')
  t.same([...reportBack.feedbackIds].sort(), [a, b].sort(), 'every item the decision answers')
  const items = await rows<{ status: string; reported: boolean }>(sql`select status, reported_back_at = ${reportBackInput.relayedAt}::timestamptz as reported from feedback_items where id in (${a}::uuid, ${b}::uuid)`)
  t.ok(items.every((i) => i.status === 'reported_back' && i.reported), 'reported back when relayed')
  const [audit] = await rows<{ details: unknown }>(sql`select details from audit_events where entity_id = ${reportBack.id}::uuid`)
  t.same(audit!.details, { decisionId: decision.id, feedbackLinked: 2, feedbackReportedBack: 2 })
  t.equal((await rows(sql`select 1 from feedback_transitions where to_status = 'reported_back' and note like ${`%(${reportBack.id})`}`)).length, 2, 'a history row each')
})
