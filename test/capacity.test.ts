// Readiness is not capacity: a pool with every connection busy is "overloaded, retry", not "database down".
import pino from 'pino'
import t from 'tap'
import { buildApp } from '../src/app.ts'
import { openDatabase } from '../src/db/client.ts'
import { testConfig } from './helpers/build.ts'
import { createTestDatabase, usingPostgres } from './helpers/database.ts'

// The embedded database has one connection and no pool to exhaust: this is a PostgreSQL matter.
t.test('when every pooled connection is busy, then requests get 503 OVERLOADED with Retry-After and readiness stays ready', { skip: !usingPostgres() && 'PostgreSQL only (DATABASE_URL): PGlite has no connection pool' }, async (t) => {
  const testDb = await createTestDatabase()
  // tap runs teardowns last-registered first: the app and its pool (below) close before the database is dropped.
  t.teardown(() => testDb.drop())
  const database = await openDatabase({ kind: 'postgres', url: testDb.url!, poolMax: 1, statementTimeoutMs: 10_000 }, pino({ level: 'silent' }))
  const app = await buildApp({ config: testConfig(), database })
  t.teardown(async () => {
    await app.close()
    await database.close()
  })
  t.equal((await app.inject({ method: 'GET', url: '/v1/events' })).statusCode, 200, 'before: fine')

  // Hold the pool's only connection in a transaction until told to let go.
  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  // Whatever fails below, the connection is let go (resolving twice is harmless), so closing the pool cannot hang.
  t.teardown(() => release())
  let holding!: () => void
  const isHeld = new Promise<void>((resolve) => (holding = resolve))
  const holder = database.db.transaction(async () => {
    holding()
    await held
  })
  await isHeld
  t.same(database.pool(), { total: 1, idle: 0, waiting: 0 }, 'the one connection is checked out')

  const [ready, rest, graphql] = await Promise.all([
    app.inject({ method: 'GET', url: '/health/ready' }),
    app.inject({ method: 'GET', url: '/v1/events' }),
    app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ events(first: 1) { edges { node { id } } } }' } }),
  ])
  t.equal(ready.statusCode, 200, 'readiness: still ready, the database answers')
  t.equal(rest.statusCode, 503, 'REST: 503')
  t.equal(rest.json().code, 'OVERLOADED', 'REST: OVERLOADED, not DATABASE_UNAVAILABLE')
  t.ok(Number(rest.headers['retry-after']) > 0, 'REST: with Retry-After')
  t.equal(graphql.json().errors?.[0]?.extensions?.code, 'OVERLOADED', 'GraphQL: OVERLOADED in extensions.code')
  t.ok(Number(graphql.headers['retry-after']) > 0, 'GraphQL: with Retry-After')

  release()
  await holder
  t.equal((await app.inject({ method: 'GET', url: '/v1/events' })).statusCode, 200, 'after: fine again')
})

t.test('when the server drains for shutdown, then readiness says not ready while requests are still served', async (t) => {
  const testDb = await createTestDatabase()
  const app = await buildApp({ config: testConfig(), database: testDb })
  t.teardown(async () => {
    await app.close()
    await testDb.drop()
  })
  app.startDraining()
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.statusCode, 503)
  t.equal(ready.json().code, 'SERVICE_UNAVAILABLE')
  t.ok(Number(ready.headers['retry-after']) > 0, 'with Retry-After')
  const events = await app.inject({ method: 'GET', url: '/v1/events' })
  t.equal(events.statusCode, 200, 'requests are still served')
  t.equal(events.headers.connection, 'close', 'each reply closes its connection')
})
