// Insight tables built once and shared: two API instances on one database (PostgreSQL: each with pools and a listen
// connection of its own, as two processes). A period is built by one instance, rebuilt after new feedback while the
// previous version answers, and a build killed half-way leaves the previous version answering.
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import pino from 'pino'
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.ts'
import { openDatabase, type Database } from '../src/db/client.ts'
import type { RequestContext } from '../src/context.ts'
import { BUILD_NICENESS } from '../src/modules/insights/build-process.ts'
import { createByteLru } from '../src/modules/shared/byte-lru.ts'
import { createInsightsService, defaultInsightsSettings } from '../src/modules/insights/insights-service.ts'
import { testConfig } from './helpers/build.ts'
import { TEST_NOW, testClock } from './helpers/clock.ts'
import { fileDatabase, usingPostgres, type FileDatabase } from './helpers/database.ts'
import { createFixtures } from './helpers/fixtures.ts'
import { addFeedback } from './helpers/insights-data.ts'

// The month nine before TEST_NOW's (its year written from the tests' now, never as a calendar year), and two days in it.
const PAST = new Date(Date.UTC(Number(TEST_NOW.slice(0, 4)), Number(TEST_NOW.slice(5, 7)) - 1 - 9, 1)).toISOString().slice(0, 7)
const [TENTH, TWENTIETH] = [`${PAST}-10T15:00:00Z`, `${PAST}-20T15:00:00Z`]
const PAST_MONTH = `/v1/insights/voice?agency=metro&from=${PAST}-01&to=${PAST}-28`
type Voice = { margins: { by: string[]; feedback: { value: number | null } }[] }
const total = (body: Voice) => body.margins.find((m) => m.by.join() === 'period')!.feedback.value
/** Polls until `check` holds (a background rebuild), or fails after `ms`. */
async function until(check: () => Promise<boolean> | boolean, ms = 15_000): Promise<boolean> {
  for (const end = performance.now() + ms; performance.now() < end; await sleep(20)) if (await check()) return true
  return false
}

async function twoInstances(t: Test): Promise<{ database: FileDatabase; second: Database; fixtures: Awaited<ReturnType<typeof createFixtures>>; a: FastifyInstance; b: FastifyInstance }> {
  const database = await fileDatabase()
  await database.reset()
  const fixtures = await createFixtures(database)
  const second: Database = usingPostgres() ? await openDatabase({ kind: 'postgres', url: database.url!, poolMax: 5, statementTimeoutMs: 30_000 }, pino({ level: 'silent' })) : database
  if (second !== database) t.teardown(() => second.close())
  const config = testConfig({ INSIGHTS_REFRESH_SECONDS: '0' })
  const [a, b] = [await buildApp({ config, database, clock: testClock }), await buildApp({ config, database: second, clock: testClock })]
  for (const app of [a, b]) {
    await app.ready()
    t.teardown(() => app.close())
  }
  return { database, second, fixtures, a, b }
}

t.test('when two instances are asked for the same period at once, then it is built once, and new feedback is rebuilt once and answered by the other', async (t) => {
  const { database, fixtures, a, b } = await twoInstances(t)
  const metro = fixtures.metro.id
  await addFeedback(database, metro, 12, { areaId: fixtures.areas.north.id, receivedAt: TENTH })
  const key = `${metro}|month:${PAST}`
  const builds = () => (a.services.insights.stats().built.get(key) ?? 0) + (b.services.insights.stats().built.get(key) ?? 0)

  const [fromA, fromB] = await Promise.all([a.inject({ method: 'GET', url: PAST_MONTH }), b.inject({ method: 'GET', url: PAST_MONTH })])
  t.equal(fromA.statusCode, 200)
  t.equal(fromA.body, fromB.body, 'both instances answer the same bytes')
  t.equal(total(fromA.json()), 12)
  // PGlite is one process: its instances share no lock, only the store (each may build a period both ask at once).
  if (usingPostgres()) t.equal(builds(), 1, 'March was built once, by whichever instance took its lock')
  else t.ok(builds() >= 1 && builds() <= 2)
  const before = builds()
  t.equal((await b.inject({ method: 'GET', url: PAST_MONTH })).body, fromA.body, 'asked again: answered from the store')
  t.equal(builds(), before, 'and not built again')

  await sleep(2)
  await addFeedback(database, metro, 11, { areaId: fixtures.areas.south.id, receivedAt: TWENTIETH })
  // A sees the change: it marks March stale in the store and rebuilds it in the background; the old version answers meanwhile.
  const meanwhile = await a.inject({ method: 'GET', url: PAST_MONTH })
  t.ok([12, 23].includes(total(meanwhile.json())!), 'the previous version (or the rebuilt one) answers, never none')
  t.ok(await until(() => builds() === before + 1 && (a.services.insights.stats().built.get(key) ?? 0) >= 1), 'A rebuilt March')
  await sleep(50) // the rebuild's signal reaches B
  const after = await b.inject({ method: 'GET', url: PAST_MONTH })
  t.equal(total(after.json()), 23, "B's next answer reflects the new feedback")
  t.equal(builds(), before + 1, 'rebuilt once, by one instance')
  t.equal((await a.inject({ method: 'GET', url: PAST_MONTH })).body, after.body)
})

t.test('when a rebuild is killed half-way, then the previous version keeps answering on every instance, and the next rebuild takes it up', async (t) => {
  const { database, second, fixtures, a, b } = await twoInstances(t)
  const metro = fixtures.metro.id
  await addFeedback(database, metro, 12, { areaId: fixtures.areas.north.id, receivedAt: TENTH })
  const first = await b.inject({ method: 'GET', url: PAST_MONTH })
  t.equal(total(first.json()), 12)

  // A third instance whose build stops before storing: on PostgreSQL its connection is terminated there (the
  // transaction holding the period's lock dies); on PGlite the build throws.
  let reached!: () => void
  const atStore = new Promise<void>((resolve) => (reached = resolve))
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  const errors: string[] = []
  const killed = createInsightsService({
    database: second,
    agencies: b.services.agencies,
    clock: testClock,
    settings: { ...defaultInsightsSettings, refreshSeconds: 0 },
    log: { error: (_details, message) => void errors.push(message) },
    hooks: {
      async beforeStore() {
        reached()
        await gate
        // Only its first build is killed (when no other instance holds a lock); later ones just fail.
        if (usingPostgres() && errors.length === 0)
          await database.raw(`select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and granted and pid <> pg_backend_pid() and database = (select oid from pg_database where datname = current_database())`)
        throw new Error('build killed')
      },
    },
  })
  t.teardown(() => killed.stop())
  await sleep(2)
  await addFeedback(database, metro, 11, { areaId: fixtures.areas.south.id, receivedAt: TWENTIETH })
  const query = { agency: 'metro', from: `${PAST}-01`, to: `${PAST}-28` }
  const ctx = {} as RequestContext
  // The killed instance notices the change first: it marks March stale and starts rebuilding it.
  t.equal(total((await killed.answer(ctx, 'voice', query)) as unknown as Voice), 12, 'the killed instance answers the stored version')
  await atStore
  // While it holds the build, every instance answers the previous version. (On PostgreSQL the others find March's lock
  // taken and do not build it a second time; PGlite's instances in one process share no lock, so only the killed one is asked.)
  const asked = usingPostgres() ? [a, b] : []
  const answered = async () => [JSON.stringify(await killed.answer(ctx, 'voice', query)), ...(await Promise.all(asked.map(async (app) => (await app.inject({ method: 'GET', url: PAST_MONTH })).body)))]
  t.same(await answered(), [first.body, ...asked.map(() => first.body)], 'the previous version answers during the build')
  // The others' attempts (their checks found March stale and its lock taken) are over before the kill.
  t.ok(await until(() => a.services.insights.stats().building === 0 && b.services.insights.stats().building === 0))
  release()
  t.ok(await until(() => errors.length > 0), 'the killed build is reported')
  const [stored] = await database.raw<{ version: number; stale: boolean }>(`select version, marks > built_marks as stale from insight_periods where agency_id = $1 and unit = 'month' and period = $2`, [metro, PAST])
  t.same(stored, { version: 1, stale: true }, 'the store still holds the first version, marked stale')
  t.equal(JSON.stringify(await killed.answer(ctx, 'voice', query)), first.body, 'after the kill, the previous version still answers')
  // The period stays stale: the next instance to check takes the rebuild up.
  t.ok(await until(async () => total((await a.inject({ method: 'GET', url: PAST_MONTH })).json()) === 23), 'a later rebuild answers the new feedback')
})

t.test('when the build process is killed while it stores a rebuild, then the previous version keeps answering, and a new build process takes the rebuild up', { skip: usingPostgres() ? false : 'PGlite builds in the server process (its database lives there)' }, async (t) => {
  const { database, fixtures, a } = await twoInstances(t)
  const metro = fixtures.metro.id
  await addFeedback(database, metro, 12, { areaId: fixtures.areas.north.id, receivedAt: TENTH })
  const first = await a.inject({ method: 'GET', url: PAST_MONTH })
  t.equal(total(first.json()), 12)
  const builder = a.services.insights.stats().builderPid
  t.ok(builder && builder !== process.pid, 'the period was built by a build process of its own')
  // /proc/PID/stat: the 19th field is the niceness (the command, field 2, is in parentheses and may hold spaces).
  const niceness = Number(readFileSync(`/proc/${builder}/stat`, 'utf8').split(') ')[1]!.split(' ')[16])
  t.equal(niceness, BUILD_NICENESS, 'at a lower priority than the server: answers come first')

  // A transaction of the test's that lets reads through but holds every write to the snapshots: the rebuild stops at its store.
  const holder = new pg.Client({ connectionString: database.url })
  await holder.connect()
  t.teardown(() => holder.end())
  await holder.query('begin')
  await holder.query('lock table insight_snapshots in share mode')
  await sleep(2)
  await addFeedback(database, metro, 11, { areaId: fixtures.areas.south.id, receivedAt: TWENTIETH })
  t.equal(total((await a.inject({ method: 'GET', url: PAST_MONTH })).json()), 12, 'the change is seen: March is marked stale and rebuilt in the background')
  const storing = async () => (await database.raw(`select 1 from pg_locks where relation = 'insight_snapshots'::regclass and not granted`)).length > 0
  t.ok(await until(storing), 'the rebuild waits to store')
  process.kill(builder!, 'SIGKILL')
  t.ok(await until(() => a.services.insights.stats().building === 0), 'the rebuild is over: it failed with its process')
  await holder.query('commit')

  const [stored] = await database.raw<{ version: number; stale: boolean }>(`select version, marks > built_marks as stale from insight_periods where agency_id = $1 and unit = 'month' and period = $2`, [metro, PAST])
  t.same(stored, { version: 1, stale: true }, 'nothing of the killed build was stored')
  t.equal((await a.inject({ method: 'GET', url: PAST_MONTH })).body, first.body, 'the previous version still answers')
  t.ok(await until(async () => total((await a.inject({ method: 'GET', url: PAST_MONTH })).json()) === 23), 'a new build process rebuilt March')
  const next = a.services.insights.stats().builderPid
  t.ok(next && next !== builder, 'in a new process')
})

t.test('when the build process is killed while an answer waits for its first build, then the answer is a 503 problem to retry, and the retry is answered', { skip: usingPostgres() ? false : 'PGlite builds in the server process (its database lives there)' }, async (t) => {
  const { database, fixtures, a } = await twoInstances(t)
  await addFeedback(database, fixtures.metro.id, 12, { areaId: fixtures.areas.north.id, receivedAt: TENTH })
  const holder = new pg.Client({ connectionString: database.url })
  await holder.connect()
  t.teardown(() => holder.end())
  await holder.query('begin')
  await holder.query('lock table insight_snapshots in share mode')
  const waiting = a.inject({ method: 'GET', url: PAST_MONTH })
  t.ok(await until(async () => (await database.raw(`select 1 from pg_locks where relation = 'insight_snapshots'::regclass and not granted`)).length > 0), 'the first build waits to store')
  process.kill(a.services.insights.stats().builderPid!, 'SIGKILL')
  const answer = await waiting
  await holder.query('commit')
  t.equal(answer.statusCode, 503)
  t.match(answer.headers['content-type'], /^application\/problem\+json/)
  t.equal(answer.json().code, 'SERVICE_UNAVAILABLE')
  t.ok(Number(answer.headers['retry-after']) > 0, 'with when to retry')
  t.notMatch(answer.body, /at \w+ \(|node:|\.ts:/, 'no stack trace')
  const retried = await a.inject({ method: 'GET', url: PAST_MONTH })
  t.equal(retried.statusCode, 200)
  t.equal(total(retried.json()), 12)
})

t.test('when the snapshot cache is over its bytes, then the least recently used entries leave first', async (t) => {
  const lru = createByteLru<string>(10)
  lru.set('a', 'A', 4)
  lru.set('b', 'B', 4)
  t.equal(lru.get('a'), 'A', 'a is used: b is now the oldest')
  lru.set('c', 'C', 4)
  t.same([lru.get('a'), lru.get('b'), lru.get('c')], ['A', undefined, 'C'])
  t.equal(lru.bytes, 8)
  lru.set('huge', 'H', 11)
  t.equal(lru.get('huge'), undefined, 'an entry larger than the whole cache is not kept')
  t.equal(lru.size, 2)
})
