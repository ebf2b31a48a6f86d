// Webhooks on a real PostgreSQL the test owns: two API instances share the queue.
import pino from 'pino'
import t from 'tap'
import { Webhook } from 'standardwebhooks'
import { openDatabase } from '../src/db/client.ts'
import { tokenFor } from './helpers/auth.ts'
import { createFixtures, eventBody } from './helpers/fixtures.ts'
import { requirePostgresBinaries, startOwnPostgres, withoutPostgres } from './helpers/own-postgres.ts'
import { startServer } from './helpers/server-process.ts'
import { subscribe as subscribeGraphql, subscriber } from './helpers/subscriber.ts'
import { arrivals, eventually, processHeadersFor, startReceiver, subscribeReceiver, webhookEnv, type Received } from './helpers/webhook-receiver.ts'

t.test('when two API instances share one PostgreSQL, then changes made through either reach the receiver once each, in order, every signature verified, and a change made through A reaches a GraphQL subscriber on B and the receiver', { skip: withoutPostgres() }, async (t) => {
  const bin = requirePostgresBinaries(t)
  if (!bin) return
  const postgres = await startOwnPostgres(t, bin)
  const env = { DATABASE_URL: postgres.url, ...webhookEnv }
  const [a, b] = await Promise.all([startServer(t, env), startServer(t, env)])
  const setup = await openDatabase({ kind: 'postgres', url: postgres.url, poolMax: 1, statementTimeoutMs: 10_000 }, pino({ level: 'silent' }))
  await createFixtures(setup)
  const receiver = await startReceiver(t)
  const sub = await subscribeReceiver(a.base, receiver.url, ['event.scheduled', 'decision.recorded'])
  const staff = await processHeadersFor('staff')
  const made: string[] = []
  for (let i = 0; i < 20; i++) {
    const through = i % 2 === 0 ? a : b
    const res = await fetch(`${through.base}/v1/events`, { method: 'POST', headers: staff, body: JSON.stringify(eventBody({ title: { en: `Two instances ${i}` } })) })
    t.equal(res.status, 201)
    made.push(((await res.json()) as { id: string }).id)
  }
  t.ok(await eventually(() => arrivals(receiver.received, 'event.scheduled').ids.size >= made.length, 30_000), 'every change arrived')
  // One change through A, heard by a GraphQL subscriber on B (through PostgreSQL's NOTIFY) and by the webhook receiver.
  const onB = await subscribeGraphql(subscriber(t, b.base, await tokenFor({ role: 'staff', expiresIn: '10m', now: new Date() })), 'subscription { decisionChanged(agency: "metro") { type decision { id title } } }')
  const decided = await fetch(`${a.base}/v1/decisions`, { method: 'POST', headers: staff, body: JSON.stringify({ title: { en: 'Made on A' }, publication: 'published' }) })
  t.equal(decided.status, 201)
  const decisionId = ((await decided.json()) as { id: string }).id
  t.same((await onB.nextOfType('decision.recorded', 15_000)).data, { decisionChanged: { type: 'decision.recorded', decision: { id: decisionId, title: 'Made on A' } } }, 'the subscriber on B got the change made through A')
  const isDecision = (r: Received) => r.status < 300 && (JSON.parse(r.body) as { data: { id: string } }).data.id === decisionId
  t.ok(await eventually(() => receiver.received.some(isDecision), 30_000), 'the receiver got it too')
  const { ids, order } = arrivals(receiver.received, 'event.scheduled')
  t.strictSame(order, made, 'in the order they were made, whichever instance took them')
  t.ok([...ids.values()].every((webhookIds) => webhookIds.size === 1), 'each under one webhook-id')
  const verifier = new Webhook(sub.secret)
  const unverified = receiver.received.filter((r) => {
    try {
      verifier.verify(r.body, r.headers as Record<string, string>)
      return false
    } catch {
      return true
    }
  })
  t.equal(unverified.length, 0, `all ${receiver.received.length} requests verified with standardwebhooks`)
  const [queue] = await setup.raw<{ instances: number }>("select count(distinct application_name)::int as instances from pg_stat_activity where application_name like '%webhooks%'")
  t.ok(queue!.instances >= 1, 'pg-boss runs on the same PostgreSQL')
  await setup.close()
  t.ok(a.running() && b.running())
})
