// Persistent failure on a clock the test moves: retries back off with jitter over at least 24 hours, then the
// subscription is disabled with a reason; enabling it resumes in order; a replay sends a delivery again under its webhook-id.
import t from 'tap'
import { Webhook } from 'standardwebhooks'
import { buildApp } from '../src/app.ts'
import type { Clock } from '../src/clock.ts'
import { backoffMs } from '../src/modules/webhooks/webhook-delivery.ts'
import { bearer } from './helpers/auth.ts'
import { testConfig } from './helpers/build.ts'
import { TEST_NOW } from './helpers/clock.ts'
import { fileDatabase } from './helpers/database.ts'
import { createFixtures, eventBody } from './helpers/fixtures.ts'
import { startReceiver } from './helpers/webhook-receiver.ts'

const HOUR = 3_600_000
let now = new Date(TEST_NOW).getTime()
const clock: Clock = { now: () => new Date(now) }
const database = await fileDatabase()
// No background worker: the test runs the dispatcher and the sender itself, on its own clock.
const app = await buildApp({ config: testConfig({ WEBHOOKS_ALLOW_HTTP: 'true', WEBHOOKS_ALLOW_LOOPBACK: 'true' }), database, clock })
await app.ready()
t.teardown(() => app.close())
const fixtures = await createFixtures(database)
const delivery = app.services.webhookDelivery
const tokens = async () => ({
  admin: { ...(await bearer({ role: 'admin', agency: 'metro', now: clock.now() })), 'content-type': 'application/json' },
  staff: { ...(await bearer({ role: 'staff', agency: 'metro', now: clock.now() })), 'content-type': 'application/json' },
})
const schedule = async () => {
  const res = await app.inject({ method: 'POST', url: '/v1/events', headers: (await tokens()).staff, payload: eventBody({ areaId: fixtures.areas.north.id }) })
  t.equal(res.statusCode, 201)
  return res.json().id as string
}
/** What the worker does on one poll: dispatch, then send for every subscription with something due. */
const poll = async () => {
  for (const id of await delivery.dispatch()) await delivery.sendFor(id)
}
/**
 * Dispatches until the subscription is owed `count` deliveries: the outbox is read below the oldest transaction running
 * anywhere on the server, so on a PostgreSQL shared with other test files a row can take a moment to be readable.
 */
const settle = async (subscriptionId: string, count: number) => {
  for (let i = 0; i < 200; i++) {
    await delivery.dispatch()
    const [row] = await database.raw<{ n: number }>('select count(*)::int as n from webhook_deliveries where subscription_id = $1', [subscriptionId])
    if (row!.n >= count) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`subscription ${subscriptionId} was never owed ${count} deliveries`)
}

t.test('when backoff is computed, then each wait is between half and all of base·2^(n−1), capped', async (t) => {
  const retry = { baseMs: 30_000, maxMs: 4 * HOUR, giveUpAfterMs: 24 * HOUR }
  t.equal(backoffMs(1, retry, 0), 15_000)
  t.equal(backoffMs(1, retry, 0.999999), 30_000)
  t.equal(backoffMs(5, retry, 0), 240_000)
  t.equal(backoffMs(40, retry, 0.5), 3 * HOUR, 'capped at the maximum, still jittered')
})

t.test('when a receiver keeps failing, then retries span at least 24 h with growing waits, the subscription is disabled with a reason, and enabling and replay resume in order', async (t) => {
  const receiver = await startReceiver(t)
  receiver.answer(500)
  const { admin } = await tokens()
  const sub = (await app.inject({ method: 'POST', url: '/v1/webhook-subscriptions', headers: admin, payload: { url: receiver.url, eventTypes: ['event.scheduled'] } })).json()
  const first = await schedule()
  const second = await schedule()
  await settle(sub.id, 2)
  const started = now
  const waits: number[] = []
  for (let i = 0; i < 100; i++) {
    await poll()
    const log = (await app.inject({ method: 'GET', url: `/v1/webhook-subscriptions/${sub.id}/deliveries`, headers: (await tokens()).admin })).json().data
    const head = log.find((d: { sequence: number }) => d.sequence === 1)
    if (head.status !== 'pending') break
    const wait = new Date(head.nextAttemptAt).getTime() - now
    waits.push(wait)
    now += wait
  }
  const attempts = receiver.received.length
  t.ok(attempts >= 10 && attempts <= 20, `${attempts} attempts before giving up`)
  t.ok(now - started >= 24 * HOUR, `retried over ${((now - started) / HOUR).toFixed(1)} h`)
  t.ok(waits.slice(0, 6).every((w, i) => i === 0 || w > waits[i - 1]! * 0.9), `waits grow: ${waits.slice(0, 8).map((w) => Math.round(w / 1000)).join(', ')} s …`)
  t.ok(receiver.received.every((r) => JSON.parse(r.body).data.id === first), 'only the first was tried: the second waits behind it')
  t.equal(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size, 1, 'every retry under the same webhook-id')

  const disabled = (await app.inject({ method: 'GET', url: `/v1/webhook-subscriptions/${sub.id}`, headers: (await tokens()).admin })).json()
  t.equal(disabled.status, 'disabled')
  t.match(disabled.disabledReason, /kept failing for 2\d h \(last: http_status 500\)/)
  const log = (await app.inject({ method: 'GET', url: `/v1/webhook-subscriptions/${sub.id}/deliveries`, headers: (await tokens()).admin })).json().data
  t.match(log, [{ sequence: 2, status: 'pending' }, { sequence: 1, status: 'failed', lastStatusCode: 500, lastError: 'http_status', attempts }])

  // Disabled: nothing is sent, but what changes meanwhile is kept for it.
  const third = await schedule()
  await settle(sub.id, 3)
  const before = receiver.received.length
  await poll()
  t.equal(receiver.received.length, before, 'a disabled subscription is sent nothing')

  receiver.answer(200)
  const enabled = await app.inject({ method: 'POST', url: `/v1/webhook-subscriptions/${sub.id}/enable`, headers: { authorization: (await tokens()).admin.authorization } })
  t.equal(enabled.statusCode, 200)
  t.equal(enabled.json().status, 'active')
  await poll()
  const arrived = receiver.delivered().map((r) => JSON.parse(r.body).data.id)
  t.strictSame(arrived, [second, third], 'the pending ones went out in order, the one made while disabled too; the given-up one waits for a replay')

  const failed = log.find((d: { status: string }) => d.status === 'failed')
  const replay = await app.inject({ method: 'POST', url: `/v1/webhook-subscriptions/${sub.id}/deliveries/${failed.id}/replay`, headers: { authorization: (await tokens()).admin.authorization } })
  t.equal(replay.statusCode, 202)
  t.strictSame(replay.json(), { replayed: 1 })
  await poll()
  const replayed = receiver.delivered().at(-1)!
  t.equal(JSON.parse(replayed.body).data.id, first)
  t.equal(replayed.headers['webhook-id'], failed.webhookId, 'a replay repeats the webhook-id')
  t.ok(new Webhook(sub.secret).verify(replayed.body, replayed.headers as Record<string, string>))

  const all = await app.inject({ method: 'POST', url: `/v1/webhook-subscriptions/${sub.id}/replay`, headers: (await tokens()).admin, payload: { since: new Date(started - HOUR).toISOString() } })
  t.equal(all.statusCode, 202)
  t.strictSame(all.json(), { replayed: 3 })
  await poll()
  t.strictSame(receiver.delivered().slice(-3).map((r) => JSON.parse(r.body).data.id), [first, second, third], 'replayed in their order')
})

t.test('when the dispatcher runs twice over the same rows, then nothing is owed twice', async (t) => {
  const receiver = await startReceiver(t)
  const { admin } = await tokens()
  const sub = (await app.inject({ method: 'POST', url: '/v1/webhook-subscriptions', headers: admin, payload: { url: receiver.url, eventTypes: ['event.scheduled'] } })).json()
  await schedule()
  await settle(sub.id, 1)
  await Promise.all([delivery.dispatch(), delivery.dispatch()])
  await poll()
  const log = (await app.inject({ method: 'GET', url: `/v1/webhook-subscriptions/${sub.id}/deliveries`, headers: (await tokens()).admin })).json().data
  t.equal(log.length, 1)
  t.equal(receiver.delivered().length, 1)
})
