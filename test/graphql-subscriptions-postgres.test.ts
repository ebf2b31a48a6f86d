// Subscriptions across instances on a real PostgreSQL: a change through one instance reaches subscribers on another,
// and a restarted PostgreSQL loses no change (each instance's listener reconnects and catches up from the outbox).
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import pino from 'pino'
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.ts'
import { openDatabase } from '../src/db/client.ts'
import { migrate } from '../src/db/migrate.ts'
import { bearer, tokenFor } from './helpers/auth.ts'
import { build, testConfig } from './helpers/build.ts'
import { testClock } from './helpers/clock.ts'
import { usingPostgres } from './helpers/database.ts'
import { createFixtures } from './helpers/fixtures.ts'
import { requirePostgresBinaries, startOwnPostgres, withoutPostgres } from './helpers/own-postgres.ts'
import { subscribe, subscriber } from './helpers/subscriber.ts'

const silent = pino({ level: 'silent' })
const DECISIONS = `subscription { decisionChanged(agency: "metro") { type decision { id title } } }`

const listening = async (app: FastifyInstance) => {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
}

/** A second API instance on the same PostgreSQL database. */
async function anotherInstance(t: Test, url: string) {
  const database = await openDatabase({ kind: 'postgres', url, poolMax: 2, statementTimeoutMs: 10_000 }, silent)
  const app = await buildApp({ config: testConfig(), database, clock: testClock })
  await app.ready()
  t.teardown(async () => {
    await app.close()
    await database.close()
  })
  return app
}

t.test('when a change is made through instance A, then GraphQL subscribers on instance B (and on A) get it', { skip: usingPostgres() ? false : 'needs PostgreSQL (DATABASE_URL): instances meet through its LISTEN/NOTIFY' }, async (t) => {
  const { app: a, database } = await build(t)
  const b = await anotherInstance(t, database.url!)
  const token = await tokenFor({ role: 'staff' })
  const onB = await subscribe(subscriber(t, await listening(b), token), DECISIONS)
  const onA = await subscribe(subscriber(t, await listening(a), token), DECISIONS)
  const staff = { ...(await bearer({ role: 'staff' })), 'content-type': 'application/json' }
  const made = await a.inject({ method: 'POST', url: '/v1/decisions', headers: staff, payload: { title: { en: 'Made on A' }, publication: 'published' } })
  t.equal(made.statusCode, 201, made.body)
  const expected = { decisionChanged: { type: 'decision.recorded', decision: { id: made.json().id, title: 'Made on A' } } }
  t.same((await onB.next()).data, expected, 'instance B heard of it through PostgreSQL')
  t.same((await onA.next()).data, expected)
  await sleep(200)
  t.equal(onB.messages.length, 1, 'once')
})

t.test('when an older transaction is still open as a change commits, then the change waits for it (commit order) and arrives once it ends, with no further signal', { skip: usingPostgres() ? false : 'needs PostgreSQL (DATABASE_URL)' }, async (t) => {
  const { app, database } = await build(t)
  const sub = await subscribe(subscriber(t, await listening(app), await tokenFor({ role: 'staff' })), DECISIONS)
  const staff = { ...(await bearer({ role: 'staff' })), 'content-type': 'application/json' }
  // A transaction holding a transaction id (as any writer does), which writes nothing to the outbox.
  const older = new pg.Client({ connectionString: database.url })
  await older.connect()
  t.teardown(() => older.end())
  await older.query('begin')
  await older.query('select pg_current_xact_id()')
  const made = await app.inject({ method: 'POST', url: '/v1/decisions', headers: staff, payload: { title: { en: 'Held back' }, publication: 'published' } })
  t.equal(made.statusCode, 201, made.body)
  await sleep(400)
  t.equal(sub.messages.length, 0, 'not yet: a transaction older than it may still commit an earlier change')
  await older.query('commit')
  t.equal((await sub.next()).data!.decisionChanged.decision.id, made.json().id, 'then it comes, on the stream’s own look-again')
})

t.test('when the listen connection is cut, then a change committed before the listener is back (its NOTIFY heard by no one here) still arrives, from the outbox', { skip: usingPostgres() ? false : 'needs PostgreSQL (DATABASE_URL)' }, async (t) => {
  const { app, database } = await build(t)
  const sub = await subscribe(subscriber(t, await listening(app), await tokenFor({ role: 'staff' })), DECISIONS)
  const staff = { ...(await bearer({ role: 'staff' })), 'content-type': 'application/json' }
  const [cut] = await database.raw<{ cut: boolean }>(
    `select pg_terminate_backend(pid) as cut from pg_stat_activity where application_name = 'community-engagement-api (listen)' and datname = current_database()`,
  )
  t.equal(cut?.cut, true, 'the listener had its own connection')
  // Committed within milliseconds; the listener waits LISTEN_BACKOFF_MS.first (100 ms) before it connects again.
  const made = await app.inject({ method: 'POST', url: '/v1/decisions', headers: staff, payload: { title: { en: 'Unheard' }, publication: 'published' } })
  t.equal(made.statusCode, 201, made.body)
  t.equal((await sub.next()).data!.decisionChanged.decision.id, made.json().id)
})

t.test('when PostgreSQL restarts under a subscription, then the listener reconnects: changes right after the restart and later arrive, once each, in order', { skip: withoutPostgres() }, async (t) => {
  const bin = requirePostgresBinaries(t)
  if (!bin) return
  const postgres = await startOwnPostgres(t, bin)
  const setup = await openDatabase({ kind: 'postgres', url: postgres.url, poolMax: 2, statementTimeoutMs: 10_000 }, silent)
  await migrate(setup)
  await createFixtures(setup)
  await setup.close()
  const app = await anotherInstance(t, postgres.url)
  const sub = await subscribe(subscriber(t, await listening(app), await tokenFor({ role: 'staff' })), DECISIONS)
  const staff = { ...(await bearer({ role: 'staff' })), 'content-type': 'application/json' }
  /** Records a decision through the API, retrying the 503s an outage answers (stale pool connections included). */
  const record = async (title: string) => {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(100)) {
      const res = await app.inject({ method: 'POST', url: '/v1/decisions', headers: { ...staff, 'idempotency-key': title.replaceAll(' ', '-') }, payload: { title: { en: title }, publication: 'published' } })
      if (res.statusCode === 201) return res.json().id as string
      if (res.statusCode !== 503) throw new Error(`${res.statusCode} ${res.body}`)
    }
    throw new Error(`${title} was never recorded`)
  }
  const before = await record('Before the restart')
  t.equal((await sub.next()).data!.decisionChanged.decision.id, before)

  await postgres.kill()
  await postgres.start()
  // Written as soon as the database answers again, whether or not the listener is back yet (the test above cuts it on purpose).
  const during = await record('Right after the restart')
  const afterwards = await sleep(1_500).then(() => record('Well after the restart'))
  t.equal((await sub.next(15_000)).data!.decisionChanged.decision.id, during, 'the change made as the database came back arrives')
  t.equal((await sub.next(15_000)).data!.decisionChanged.decision.id, afterwards, 'and the listener hears new ones again')
  await sleep(300)
  t.equal(sub.messages.length, 3, 'nothing twice')
})
