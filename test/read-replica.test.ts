// Reads from a streaming replica, on a real primary and a replica the test starts (pg_basebackup -R): reads are served
// by the replica, a caller reads its own writes while replay is paused, a replica lagging past the bound is passed by,
// and a stopped replica fails no request.
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import t from 'tap'
import { buildApp } from '../src/app.ts'
import { openDatabase } from '../src/db/client.ts'
import { bearer } from './helpers/auth.ts'
import { testConfig } from './helpers/build.ts'
import { testClock } from './helpers/clock.ts'
import { eventBody } from './helpers/fixtures.ts'
import { requirePostgresBinaries, withoutPostgres } from './helpers/own-postgres.ts'
import { primaryAndReplica } from './helpers/replica.ts'

const silent = pino({ level: 'silent' })

async function eventually(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(25)
  }
  return false
}

t.test('when reads may go to a streaming replica, then they do, each caller reads its own writes, a lagging or stopped replica is passed by', { skip: withoutPostgres() }, async (t) => {
  const bin = requirePostgresBinaries(t)
  if (!bin) return
  const { primary, setup, replica, onReplica } = await primaryAndReplica(t, bin)

  /** An instance whose reads may go to the replica, lagging at most `maxLagMs`. */
  const instance = async (maxLagMs: number) => {
    const config = testConfig({ DATABASE_URL: primary.url, DATABASE_REPLICA_URL: replica.url, DATABASE_REPLICA_MAX_LAG_MS: String(maxLagMs), DATABASE_REPLICA_POLL_MS: '50', DB_POOL_MAX: '3' })
    const database = await openDatabase(config.database, silent)
    const app = await buildApp({ config, database, clock: testClock })
    await app.ready()
    t.teardown(async () => {
      await app.close()
      await database.close()
    })
    return { app, replica: database.replica! }
  }
  // A and B: a generous bound (only read-your-writes sends reads to the primary); C: 300 ms.
  const [a, b, c] = [await instance(60_000), await instance(60_000), await instance(300)]
  t.ok(await eventually(() => a.replica.status.up && a.replica.status.lagMs === 0 && c.replica.status.up), 'the instances see the replica caught up')
  t.ok(a.replica.status.inRecovery, 'and in recovery (pg_is_in_recovery())')

  // 1. Reads are served by the replica.
  const before = { ...a.replica.stats }
  const listed = await a.app.inject({ method: 'GET', url: '/v1/events' })
  t.equal(listed.statusCode, 200)
  t.ok(a.replica.stats.toReplica > before.toReplica, `the list was read from the replica (${a.replica.stats.toReplica - before.toReplica} statements)`)
  t.equal(a.replica.stats.toPrimary, before.toPrimary, 'none from the primary')
  const graphql = await a.app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ events(first: 5) { edges { node { id } } } }' } })
  t.equal(graphql.statusCode, 200)
  t.ok(a.replica.stats.toReplica > before.toReplica + 1, 'a GraphQL query too')
  const feedBefore = a.replica.stats.toReplica
  t.equal((await a.app.inject({ method: 'GET', url: '/v1/changes', headers: await bearer({ role: 'staff', sub: 'reader' }) })).statusCode, 200)
  t.equal(a.replica.stats.toReplica, feedBefore, 'the change feed reads the primary (its commit-order horizon is the primary’s)')

  // 2. Replay paused: the writer reads its write (on this instance and on another), others read the replica's past.
  await onReplica.query('select pg_wal_replay_pause()')
  t.ok(await eventually(async () => (await onReplica.query<{ s: string }>('select pg_get_wal_replay_pause_state() as s')).rows[0]!.s === 'paused'), 'replay is paused')
  const staff = await bearer({ role: 'staff', sub: 'writer' })
  const created = await a.app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody({ title: { en: 'Written while replay is paused' } }) })
  t.equal(created.statusCode, 201)
  const id = (created.json() as { id: string }).id
  await sleep(1) // the next request comes over the network: the write position's NOTIFY has been read by then
  t.equal((await a.app.inject({ method: 'GET', url: `/v1/events/${id}`, headers: staff })).statusCode, 200, 'the writer reads its write through A')
  t.equal((await b.app.inject({ method: 'GET', url: `/v1/events/${id}`, headers: staff })).statusCode, 200, 'and through B')
  const toReplica = b.replica.stats.toReplica
  const other = await b.app.inject({ method: 'GET', url: `/v1/events/${id}`, headers: await bearer({ role: 'staff', sub: 'someone-else' }) })
  t.equal(other.statusCode, 404, 'another caller, answered by the paused replica, does not see it yet')
  t.equal(other.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.ok(b.replica.stats.toReplica > toReplica, 'that read went to the replica')
  // The public's views of single events, which B keeps, are exact whatever the replica has replayed: a view to be kept is read from the primary.
  t.equal((await b.app.inject({ method: 'GET', url: `/v1/events/${id}` })).statusCode, 200, 'the public reads it through B, from the primary')
  const changed = await a.app.inject({ method: 'PATCH', url: `/v1/events/${id}`, headers: { ...staff, 'if-match': created.headers.etag as string }, payload: { title: { en: 'Changed while replay is paused' } } })
  t.equal(changed.statusCode, 200)
  const publicTitle = async () => ((await b.app.inject({ method: 'GET', url: `/v1/events/${id}` })).json() as { title: string }).title
  t.same([await publicTitle(), await publicTitle()], ['Changed while replay is paused', 'Changed while replay is paused'], 'and then the change, at once: the read that drops the kept view, and the view kept after it')

  // The same through GraphQL: a mutation through B, then a query through A by the same caller (and another's, stale).
  const gql = (app: typeof a.app, query: string, headers: Record<string, string>) => app.inject({ method: 'POST', url: '/graphql', headers, payload: { query } })
  const recorded = await gql(b.app, 'mutation { recordDecision(input: { title: [{ language: "en", text: "Decided while replay is paused" }], publication: PUBLISHED }) { decision { id } } }', staff)
  const decisionId = (recorded.json() as { data: { recordDecision: { decision: { id: string } } } }).data.recordDecision.decision.id
  await sleep(1)
  const read = await gql(a.app, `{ decision(id: "${decisionId}") { id } }`, staff)
  t.same(read.json(), { data: { decision: { id: decisionId } } }, 'the writer reads its GraphQL mutation through the other instance')
  const stale = await gql(a.app, `{ decision(id: "${decisionId}") { id } }`, await bearer({ role: 'staff', sub: 'someone-else' }))
  t.equal((stale.json() as { data: { decision: unknown } | null }).data?.decision ?? null, null, 'another caller, answered by the replica, does not see it yet')

  // 3. Past the bound (C: 300 ms), every read goes to the primary and sees the write.
  t.ok(await eventually(() => c.replica.status.lagMs > 300), `C measures the lag past its bound (${Math.round(c.replica.status.lagMs)} ms)`)
  const cBefore = { ...c.replica.stats }
  // (no-cache: past the public's kept views, whose reads go to the primary whatever the lag, so the routing is what is seen)
  t.equal((await c.app.inject({ method: 'GET', url: `/v1/events/${id}`, headers: { 'cache-control': 'no-cache' } })).statusCode, 200, 'C answers from the primary: the write is there')
  t.equal(c.replica.stats.toReplica, cBefore.toReplica, 'no statement went to the replica')
  t.ok(c.replica.stats.toPrimary > cBefore.toPrimary)

  // 4. Replay resumes: the writer's reads return to the replica once it has replayed the write.
  await onReplica.query('select pg_wal_replay_resume()')
  t.ok(await eventually(() => a.replica.status.lagMs === 0), 'the replica catches up')
  const again = a.replica.stats.toReplica
  t.equal((await a.app.inject({ method: 'GET', url: `/v1/events/${id}`, headers: staff })).statusCode, 200)
  t.ok(a.replica.stats.toReplica > again, "the writer's reads go to the replica again")

  // 5. The replica stops: no request fails, whether the poll has noticed yet or not.
  await replica.stop()
  const fellBack = a.replica.stats.fellBack
  const statuses: number[] = []
  for (let i = 0; i < 20; i++) statuses.push((await a.app.inject({ method: 'GET', url: i % 2 ? `/v1/events/${id}` : '/v1/events' })).statusCode)
  t.same(statuses, Array(20).fill(200), 'every read answered from the primary')
  t.notOk(a.replica.status.up, 'A knows the replica is down')
  t.ok(a.replica.stats.fellBack - fellBack <= 2, `statements that found it gone ran again on the primary (${a.replica.stats.fellBack - fellBack}), then none was sent to it`)
  t.equal((await a.app.inject({ method: 'POST', url: '/v1/events', headers: staff, payload: eventBody() })).statusCode, 201, 'writes go on')
  await setup.close()
})
