// Group commit: creates that arrive while others' statements run go together, one statement for their checks and one
// for their writes, and each answers exactly what it would have answered alone; a failure in one statement falls back
// to each create alone, so one bad create never fails another; two claims of one idempotency key never share a statement.
import t from 'tap'
import { setTimeout } from 'node:timers/promises'
import { sql } from 'drizzle-orm'
import pg from 'pg'
import { buildApp } from '../src/app.ts'
import { agencies } from '../src/db/schema/index.ts'
import { groupCommit } from '../src/db/group-commit.ts'
import { plannedInsert, writesMember, writesTogether } from '../src/db/unit-of-work.ts'
import { bearer } from './helpers/auth.ts'
import { build, testConfig } from './helpers/build.ts'
import { TEST_NOW } from './helpers/clock.ts'
import { usingPostgres } from './helpers/database.ts'
import { eventBody } from './helpers/fixtures.ts'

// One statement of a kind in flight: whatever arrives meanwhile waits and goes together (eight at most).
const together = { GROUP_COMMIT_IN_FLIGHT: '1', GROUP_COMMIT_MAX: '8' }
const { app, database, clock, fixtures } = await build(t, { env: together })
// The same database, every create alone: what each create answers without group commit.
const aloneApp = await buildApp({ config: testConfig({ GROUP_COMMIT_MAX: '1' }), database, clock })
t.teardown(() => aloneApp.close())
const staff = await bearer()

async function rows<T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
  const result = await database.db.execute(query)
  return ((result as { rows?: T[] }).rows ?? result) as T[]
}

type Reply = { statusCode: number; body: string; json(): any }
const feedback = (body: string) => ({ agency: 'metro', body, language: 'en', topic: 'community_safety', areaId: fixtures.areas.north.id })
// Instants relative to TEST_NOW (the app's clock), never a calendar year: "the future" must stay the future.
const startsAt = new Date(Date.parse(TEST_NOW) + 130 * 86_400_000)
const gqlEvent = (capacity: number) => ({
  title: [{ language: 'en', text: 'Town hall' }, { language: 'es', text: 'Reunión comunitaria' }],
  kind: 'TOWN_HALL',
  format: 'IN_PERSON',
  startsAt: startsAt.toISOString(),
  endsAt: new Date(startsAt.getTime() + 90 * 60_000).toISOString(),
  venue: { name: 'North Library' },
  areaId: fixtures.areas.north.id,
  capacity,
})
/** Creates of every kind the benchmark sends, REST and GraphQL, events and feedback: `n` tells them apart. */
const creates = (on: typeof app, n: number): (() => Promise<Reply>)[] => [
  () => on.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ capacity: n, areaId: fixtures.areas.north.id }) }),
  () => on.inject({ method: 'POST', url: '/v1/feedback', payload: feedback(`The crossing at Elm is unsafe (${n}).`) }),
  () => on.inject({ method: 'POST', url: '/graphql', headers: staff, payload: { query: 'mutation ($input: ScheduleEventInput!) { scheduleEvent(input: $input) { replayed event { id title startsAt capacity area { code } status } } }', variables: { input: gqlEvent(n) } } }),
  () => on.inject({ method: 'POST', url: '/graphql', headers: staff, payload: { query: 'mutation ($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { replayed trackingCode feedback { id body bodyLanguage status topic area { code } } } }', variables: { input: feedback(`Streetlights out on Oak (${n}).`) } } }),
]
/** An answer without what differs from one create to the next: ids, tracking codes and the instants the clock gave. */
const shape = (res: Reply) =>
  JSON.parse(
    res.body
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
      .replace(/"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"/g, '"<instant>"')
      .replace(/[A-Za-z0-9_-]{43}/g, '<tracking code>'),
  )
const idOf = (res: Reply) => {
  const body = res.json()
  return body.id ?? body.data?.scheduleEvent?.event.id ?? body.data?.submitFeedback?.feedback.id
}

/**
 * PostgreSQL: holds every insert into `tables` (a SHARE lock, which reads pass) until released, so the first create's
 * write stays in flight while the others arrive and wait. PGlite runs each statement as it is sent: nothing to hold.
 */
async function holdingInserts(tables: string[]) {
  if (!usingPostgres()) return { untilWaiting: async () => {}, release: async () => {} }
  const holder = new pg.Client({ connectionString: database.url })
  await holder.connect()
  await holder.query(`begin; lock table ${tables.join(', ')} in share mode`)
  return {
    async untilWaiting() {
      // pg_locks, not pg_stat_activity: inside the holder's transaction the latter is one snapshot, taken at its first
      // read, so a create that began waiting after that read would never be seen.
      for (let i = 0; i < 800; i++) {
        const { rows: waiting } = await holder.query(`select 1 from pg_locks where not granted and relation = any($1::regclass[])`, [tables])
        if (waiting.length > 0) return
        await setTimeout(25)
      }
      throw new Error('no create waited for the held tables')
    },
    async release() {
      await holder.query('rollback')
      await holder.end()
    },
  }
}

t.test('when creates arrive together, then they share statements, and each answers and writes what it would alone', async (t) => {
  const n = [1, 2, 3]
  const alone: Reply[] = []
  const first = database.statements.count
  for (const i of n) for (const run of creates(aloneApp, i)) alone.push(await run())
  const aloneStatements = database.statements.count - first
  const before = database.statements.count
  const hold = await holdingInserts(['events', 'feedback_items'])
  const pending = Promise.all(n.flatMap((i) => creates(app, i)).map((run) => run()))
  // The first write waits for the lock; the requests behind it reach their writes meanwhile. The lock goes whatever
  // happens: a held one would stall every later test in the file until its statements time out.
  try {
    await hold.untilWaiting()
    await setTimeout(300)
  } finally {
    await hold.release()
  }
  const concurrent = await pending
  const statements = database.statements.count - before
  t.same(concurrent.map((r) => r.statusCode), alone.map((r) => r.statusCode), 'the same statuses')
  t.ok(concurrent.every((r) => r.statusCode === 201 || (r.statusCode === 200 && !r.json().errors)), 'every create succeeded')
  t.same(concurrent.map(shape), alone.map(shape), 'each answer is the one it gives alone')
  const ids = concurrent.map(idOf)
  for (const id of ids) {
    const [written] = await rows<{ audit: number; outbox: number }>(sql`select
      (select count(*)::int from audit_events where entity_id = ${id}::uuid) as audit, (select count(*)::int from outbox where entity_id = ${id}::uuid) as outbox`)
    t.same(written, { audit: 1, outbox: 1 }, 'its own audit and outbox entries')
  }
  // What a read gives is what the create answered.
  const restEvent = concurrent[0]!
  t.same(shape(await app.inject({ method: 'GET', url: `/v1/events/${idOf(restEvent)}` }) as Reply), shape(restEvent))
  if (!usingPostgres()) return
  // A combined statement that failed would add its members' own statements on top of it.
  t.ok(statements < aloneStatements, `${statements} statements together, ${aloneStatements} alone`)
  const [{ transactions }] = await rows<{ transactions: number }>(sql`select count(distinct xmin::text)::int as transactions from
    (select xmin from events where id = any(${`{${ids.join(',')}}`}::uuid[]) union all select xmin from feedback_items where id = any(${`{${ids.join(',')}}`}::uuid[])) as written`)
  // Behind the held write: the other events in one statement, the feedback in another.
  t.ok(transactions <= 3, `${ids.length} creates written in ${transactions} statements`)
})

t.test('when one create of a combined statement fails in the database, then it alone fails and the others are written', async (t) => {
  const run = groupCommit((s) => database.prepared(s, { group: true }), writesTogether, { inFlight: 1, members: 8 })
  const agency = (slug: string) =>
    writesMember(database, undefined, [plannedInsert(agencies, { slug, name: slug, jurisdiction: 'Test', timeZone: 'UTC', defaultLanguage: 'en', supportedLanguages: ['en'] }, { slug: agencies.slug })])
  // The first goes alone at once; the rest wait for it and go together, 'metro' (taken: a unique violation) among them.
  const slugs = ['gc-first', 'gc-a', 'gc-b', 'metro', 'gc-c']
  const outcomes = await Promise.allSettled(slugs.map((slug) => run(agency(slug))))
  t.same(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
  t.same(outcomes.filter((o) => o.status === 'fulfilled').map((o) => (o as PromiseFulfilledResult<unknown>).value), ['gc-first', 'gc-a', 'gc-b', 'gc-c'].map((slug) => [{ slug }]))
  const failed = (outcomes[3] as PromiseRejectedResult).reason as { cause?: { code?: string } }
  t.equal(failed.cause?.code, '23505', 'the taken slug fails with its own unique violation')
  t.ok(database.recent.some((s) => s.sql.includes('"g3_gate"')), 'the four were tried together first')
  const written = await rows<{ slug: string }>(sql`select slug from agencies where slug like 'gc-%' order by slug`)
  t.same(written.map((r) => r.slug), ['gc-a', 'gc-b', 'gc-c', 'gc-first'], 'each written once')

  // Members with one key (two claims of an idempotency key) wait for each other: the second goes in the next statement.
  const keyed = (slug: string, key: string) => ({ ...agency(slug), key })
  const before = database.statements.count
  await Promise.all([run(agency('gc-k0')), run(keyed('gc-k1', 'one')), run(keyed('gc-k2', 'one')), run(keyed('gc-k3', 'two'))])
  const sent = database.recent.slice(before - database.statements.count).map((s) => (s.sql.includes('"g1_gate"') ? 'together' : 'alone'))
  t.same(sent, ['alone', 'together', 'alone'], 'gc-k0 alone, then gc-k1 with gc-k3, then gc-k2')
})

t.test('when requests with the same Idempotency-Key arrive together, then one creates and the others replay it', async (t) => {
  const keys = ['gc-key-0', 'gc-key-1', 'gc-key-1', 'gc-key-1', 'gc-key-2', 'gc-key-2', 'gc-key-3']
  const hold = await holdingInserts(['events'])
  const pending = Promise.all(keys.map((key) => app.inject({ method: 'POST', url: '/v1/events', headers: { ...staff, 'idempotency-key': key }, payload: eventBody({ capacity: 505 }) })))
  await hold.untilWaiting()
  await setTimeout(300)
  await hold.release()
  const replies = await pending
  t.same(replies.map((r) => r.statusCode), Array(keys.length).fill(201))
  for (const key of new Set(keys)) {
    const mine = replies.filter((_, i) => keys[i] === key)
    t.equal(new Set(mine.map((r) => r.json().id)).size, 1, `${key}: every reply names one event`)
    t.equal(mine.filter((r) => r.headers['idempotent-replayed'] !== 'true').length, 1, `${key}: one created, the rest replayed`)
  }
  t.equal((await rows(sql`select 1 from events where capacity = 505`)).length, 4, 'one event per key')
})
