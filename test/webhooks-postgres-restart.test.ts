// Webhooks on a real PostgreSQL the test owns, killed and restarted in the middle of deliveries: no outbox row is lost
// or delivered under two webhook-ids.
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import t from 'tap'
import { openDatabase } from '../src/db/client.ts'
import { createFixtures } from './helpers/fixtures.ts'
import { requirePostgresBinaries, startOwnPostgres, withoutPostgres } from './helpers/own-postgres.ts'
import { startServer } from './helpers/server-process.ts'
import { arrivals, eventually, processHeadersFor, startReceiver, subscribeReceiver, webhookEnv } from './helpers/webhook-receiver.ts'

t.test('when PostgreSQL is killed and restarted in the middle of deliveries, then no outbox row is lost or delivered under two webhook-ids', { skip: withoutPostgres() }, async (t) => {
  const bin = requirePostgresBinaries(t)
  if (!bin) return
  const postgres = await startOwnPostgres(t, bin)
  // A short send timeout keeps a sender's lease, which a killed connection leaves behind, short.
  const server = await startServer(t, { DATABASE_URL: postgres.url, ...webhookEnv, WEBHOOKS_TIMEOUT_MS: '1000' })
  const setup = await openDatabase({ kind: 'postgres', url: postgres.url, poolMax: 1, statementTimeoutMs: 10_000 }, pino({ level: 'silent' }))
  await createFixtures(setup)
  await setup.close()
  const receiver = await startReceiver(t)
  await subscribeReceiver(server.base, receiver.url, ['feedback.received'])
  const staff = await processHeadersFor('staff')

  const acknowledged: string[] = []
  const TOTAL = 40
  let next = 0
  /** One create, retried under the same Idempotency-Key while the database is away. */
  async function create(n: number) {
    const key = randomUUID()
    const body = JSON.stringify({ body: `restart-hook ${n}`, language: 'en', topic: 'community_safety', channel: 'in_person' })
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      const res = await fetch(`${server.base}/v1/feedback`, { method: 'POST', headers: { ...staff, 'idempotency-key': key }, body, signal: AbortSignal.timeout(20_000) }).catch(() => undefined)
      if (res?.status === 201) return void acknowledged.push(((await res.json()) as { id: string }).id)
      await res?.arrayBuffer()
      await sleep(200)
    }
    throw new Error(`create ${n} was never acknowledged`)
  }
  const workers = Array.from({ length: 4 }, async () => {
    while (next < TOTAL) {
      await create(next++)
      await sleep(30)
    }
  })
  // Kill once deliveries are flowing.
  t.ok(await eventually(() => receiver.delivered().length >= 10, 20_000), 'deliveries were flowing')
  await postgres.kill()
  await sleep(300)
  await postgres.start()
  await Promise.all(workers)
  t.equal(acknowledged.length, TOTAL, 'every create was acknowledged')
  t.ok(await eventually(() => acknowledged.every((id) => arrivals(receiver.received).ids.has(id)), 60_000), 'every acknowledged change arrived')

  const { ids, order } = arrivals(receiver.received)
  const check = await openDatabase({ kind: 'postgres', url: postgres.url, poolMax: 1, statementTimeoutMs: 10_000 }, pino({ level: 'silent' }))
  // Commit order is (tx, the outbox row's own id): creates that went together share a tx (group commit).
  const outbox = await check.raw<{ id: string }>("select entity_id::text as id from outbox where action = 'feedback.received' order by outbox.tx, outbox.id")
  const owed = await check.raw<{ rows: number; rowsOwed: number; messageIds: number }>('select count(*)::int as rows, count(distinct outbox_id)::int as "rowsOwed", count(distinct message_id)::int as "messageIds" from webhook_deliveries')
  const undelivered = await check.raw<{ n: number }>("select count(*)::int as n from outbox o where action = 'feedback.received' and not exists (select 1 from webhook_deliveries d where d.outbox_id = o.id and d.status = 'delivered')")
  await check.close()
  t.equal(outbox.length, TOTAL, 'one outbox row per acknowledged create')
  t.strictSame(owed[0], { rows: TOTAL, rowsOwed: TOTAL, messageIds: TOTAL }, 'one delivery per outbox row, each with its own webhook-id')
  t.equal(undelivered[0]!.n, 0, 'no outbox row left undelivered')
  t.ok([...ids.values()].every((webhookIds) => webhookIds.size === 1), 'no change arrived under two webhook-ids')
  t.strictSame(order, outbox.map((r) => r.id), 'first arrivals in commit order')
  const repeats = receiver.delivered().length - ids.size
  t.comment(`${receiver.received.length} requests, ${receiver.delivered().length} accepted, ${repeats} repeats (same webhook-id)`)
  t.ok(server.running(), 'the API process never exited')
  t.notMatch(server.output(), /"level":50/, 'no error-level log line: an outage is a warning')
})
