// The insights' build process and its server: a real server process (src/server.ts) on PostgreSQL is SIGKILLed while
// its build process is building, and the build process must end with it, leaving no stored half-build and no
// connection or lock behind; and a server run under a debugger must not hand its debugger flags to the build process.
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import t, { type Test } from 'tap'
import { TEST_NOW, testClock } from './helpers/clock.ts'
import { fileDatabase, usingPostgres, type FileDatabase } from './helpers/database.ts'
import { createFixtures } from './helpers/fixtures.ts'
import { addFeedback } from './helpers/insights-data.ts'
import { startServer } from './helpers/server-process.ts'
import { buildApp } from '../src/app.ts'
import { createBuildProcess } from '../src/modules/insights/build-process.ts'
import { testConfig } from './helpers/build.ts'

// The month nine before TEST_NOW's (never a calendar year written down).
const PAST = new Date(Date.UTC(Number(TEST_NOW.slice(0, 4)), Number(TEST_NOW.slice(5, 7)) - 1 - 9, 1)).toISOString().slice(0, 7)

const alive = (pid: number) => {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z')
  } catch {
    return false
  }
}
async function until(check: () => Promise<boolean> | boolean, ms = 15_000): Promise<boolean> {
  for (const end = performance.now() + ms; performance.now() < end; await sleep(50)) if (await check()) return true
  return false
}

t.test('when the server is killed while its build process builds, then the build process ends too, and nothing of the build is stored or left holding a lock', { skip: usingPostgres() ? false : 'the build process runs on PostgreSQL only' }, async (t) => {
  const database = await fileDatabase()
  await database.reset()
  const fixtures = await createFixtures(database)
  await addFeedback(database, fixtures.metro.id, 12, { areaId: fixtures.areas.north.id, receivedAt: `${PAST}-10T15:00:00Z` })
  // Reads go through; the build's write of its snapshots waits: the build process is caught in the middle of its build.
  const holder = new pg.Client({ connectionString: database.url })
  await holder.connect()
  t.teardown(() => holder.end())
  await holder.query('begin')
  await holder.query('lock table insight_snapshots in share mode')

  const server = await startServer(t, { DATABASE_URL: database.url!, INSIGHTS_REFRESH_SECONDS: '0' })
  const answer = fetch(`${server.base}/v1/insights/voice?agency=metro&from=${PAST}-01&to=${PAST}-28`).catch((err: Error) => err)
  t.ok(await until(async () => (await database.raw(`select 1 from pg_locks where relation = 'insight_snapshots'::regclass and not granted`)).length > 0), 'the build waits to store')
  const [builder] = readFileSync(`/proc/${server.child.pid}/task/${server.child.pid}/children`, 'utf8').trim().split(/\s+/).map(Number)
  t.ok(builder && alive(builder), 'the server has a build process')

  server.child.kill('SIGKILL')
  await server.exited
  t.ok(await until(() => !alive(builder!)), 'the build process ended with its server (its IPC channel closed)')
  t.ok((await answer) instanceof Error, 'the request the killed server held got no answer')
  await holder.query('commit')

  // Its backend notices the closed connection once the lock it waited for is free, and rolls the build back.
  const others = () => database.raw(`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend' and application_name like 'community-engagement-api%'`)
  t.ok(await until(async () => (await others()).length === 0), 'no connection of the server or its build process is left')
  const stored = await database.raw<{ version: number }>(`select version from insight_periods where agency_id = $1 and unit = 'month' and period = $2 and version > 0`, [fixtures.metro.id, PAST])
  t.same(stored, [], 'nothing of the killed build was stored')
  // This database's: test files running beside this one build in databases of their own on the same server.
  t.same(await database.raw(`select 1 from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`), [], 'no advisory lock is held')
})

t.test('when the server runs under a debugger, then its build process does not take the debugger flags (it would wait for one)', { skip: usingPostgres() ? false : 'the build process runs on PostgreSQL only' }, async (t) => {
  const database = await fileDatabase()
  await database.reset()
  const fixtures = await createFixtures(database)
  await addFeedback(database, fixtures.metro.id, 12, { areaId: fixtures.areas.north.id, receivedAt: `${PAST}-10T15:00:00Z` })
  // As `node --inspect-brk src/server.ts` would have it; port 0, so that a child taking it would bind and then wait.
  process.execArgv.push('--inspect-brk=127.0.0.1:0')
  t.teardown(() => void process.execArgv.splice(process.execArgv.indexOf('--inspect-brk=127.0.0.1:0'), 1))
  const server = await startServerInProcess(t, database)
  const answer = await Promise.race([server.inject({ method: 'GET', url: `/v1/insights/voice?agency=metro&from=${PAST}-01&to=${PAST}-28` }), sleep(20_000).then(() => undefined)])
  t.equal(answer?.statusCode, 200, 'the build process built the period, not waiting for a debugger')
})

/** The app in this process (its build process is a child of this test's process, and takes its flags). */
async function startServerInProcess(t: Test, database: FileDatabase) {
  const app = await buildApp({ config: testConfig({ INSIGHTS_REFRESH_SECONDS: '0' }), database, clock: testClock })
  await app.ready()
  t.teardown(() => app.close())
  return app
}

t.test('when builds end together and another then runs past the idle time, then the build process is not ended under it', { skip: usingPostgres() ? false : 'the build process runs on PostgreSQL only' }, async (t) => {
  const database = await fileDatabase()
  await database.reset()
  const fixtures = await createFixtures(database)
  const months = Array.from({ length: 8 }, (_, i) => new Date(Date.UTC(Number(PAST.slice(0, 4)), Number(PAST.slice(5, 7)) - 1 - i, 1)).toISOString().slice(0, 7))
  for (const m of months) await addFeedback(database, fixtures.metro.id, 12, { areaId: fixtures.areas.north.id, receivedAt: `${m}-10T15:00:00Z` })
  const IDLE_MS = 200
  const builder = createBuildProcess({ connection: database.connection!, settings: { threshold: 11, minResponses: 11 }, idleMs: IDLE_MS })
  t.teardown(() => builder.close())
  const agency = { id: fixtures.metro.id, timeZone: fixtures.metro.timeZone }
  // Seven builds at once: their answers come back in one chunk, so several end in the same tick.
  const built = await Promise.all(months.slice(1).map((period) => builder.build({ agency, unit: 'month', period, mode: 'missing' })))
  t.ok(built.every((b) => b.computed), 'seven months built together')
  const pid = builder.pid()
  // The eighth waits to store for five idle times.
  const holder = new pg.Client({ connectionString: database.url })
  await holder.connect()
  t.teardown(() => holder.end())
  await holder.query('begin')
  await holder.query('lock table insight_snapshots in share mode')
  const slow = builder.build({ agency, unit: 'month', period: months[0]!, mode: 'missing' })
  await sleep(IDLE_MS * 5)
  await holder.query('commit')
  const result = await slow.catch((err: Error) => err)
  t.notOk(result instanceof Error, `the slow build finished (${result instanceof Error ? result.message : 'built'})`)
  t.equal(builder.pid(), pid, 'in the same build process')
})
