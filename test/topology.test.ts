// The API as it is deployed beyond one process: a PostgreSQL primary, a streaming replica (pg_basebackup), and three
// API server processes on loopback, with a client that spreads requests round-robin and retries what it safely can on
// the next instance (any read; a write only under its Idempotency-Key). It shows the limits shared, a write on one
// instance read on the next request to another, replica lag handled, and an instance killed under load without a
// request failing that the client could not retry — and nothing acknowledged lost or doubled.
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { bearer } from './helpers/auth.ts'
import { eventBody } from './helpers/fixtures.ts'
import { requirePostgresBinaries, withoutPostgres } from './helpers/own-postgres.ts'
import { primaryAndReplica } from './helpers/replica.ts'
import { startServer, type ServerProcess } from './helpers/server-process.ts'

const ANONYMOUS_LIMIT = 40
type Answer = { status: number; body: string; instance: number; tries: number }

/** Round-robin over the instances; a connection that fails (refused, reset, cut) is retried on the next instance when safe. */
function roundRobin(instances: ServerProcess[]) {
  let next = 0
  const alive = () => instances.map((s, i) => [s, i] as const).filter(([s]) => s.running())
  return async function send(method: string, path: string, { headers = {}, body }: { headers?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
    // A read may always be sent again; a write only with an Idempotency-Key (the API then answers it once).
    const retryable = method === 'GET' || headers['idempotency-key'] !== undefined
    let lastError: unknown
    for (let tries = 1; tries <= instances.length + 1; tries++) {
      const candidates = alive()
      const [server, index] = candidates[next++ % candidates.length]!
      try {
        const res = await fetch(`${server.base}${path}`, {
          method,
          headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(15_000),
        })
        return { status: res.status, body: await res.text(), instance: index, tries }
      } catch (err) {
        lastError = err
        if (!retryable) throw err
      }
    }
    throw lastError
  }
}

t.test('when three instances share a primary and a streaming replica, then limits, writes and reads agree across them, and one can die under load', { skip: withoutPostgres() }, async (t) => {
  const bin = requirePostgresBinaries(t)
  if (!bin) return
  const { primary, setup, replica, onReplica } = await primaryAndReplica(t, bin)

  const env = {
    DATABASE_URL: primary.url,
    DATABASE_REPLICA_URL: replica.url,
    DATABASE_REPLICA_MAX_LAG_MS: '1000',
    DATABASE_REPLICA_POLL_MS: '50',
    DB_POOL_MAX: '4',
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: String(ANONYMOUS_LIMIT),
    SHUTDOWN_GRACE_MS: '2000',
  }
  const instances: ServerProcess[] = []
  // One after another: each runs the (already applied) migrations at start.
  for (let i = 0; i < 3; i++) instances.push(await startServer(t, env))
  const send = roundRobin(instances)
  // Server processes run on the machine's clock: tokens and dates are minted from it, not from TEST_NOW.
  const staff = await bearer({ role: 'staff', sub: 'topology-writer', now: new Date() })
  const reader = await bearer({ role: 'staff', sub: 'topology-reader', now: new Date() })
  const inAMonth = (hour: number) => new Date(Date.now() + 30 * 86_400_000 + hour * 3_600_000).toISOString()
  const meeting = (title: string) => eventBody({ title: { en: title }, startsAt: inAMonth(0), endsAt: inAMonth(1) })

  // 1. Limits are shared: anonymous reads from one address, spread over three instances, stop at the one limit.
  const anonymous: Answer[] = []
  for (let i = 0; i < ANONYMOUS_LIMIT + 20; i++) anonymous.push(await send('GET', '/v1/events?limit=1'))
  const served = anonymous.filter((a) => a.status === 200).length
  t.same(new Set(anonymous.map((a) => a.instance)), new Set([0, 1, 2]), 'every instance answered')
  t.ok(served <= ANONYMOUS_LIMIT, `at most ${ANONYMOUS_LIMIT} served across the three (${served})`)
  t.ok(served >= ANONYMOUS_LIMIT - 6, `and not far below it (${served}; slices held elsewhere are the only undershoot)`)
  t.equal(anonymous.filter((a) => a.status === 429).length, anonymous.length - served, 'the rest were 429')

  // 2. A write on one instance is what the next request, on another, reads — for its writer, whatever the replica.
  const made = await send('POST', '/v1/events', { headers: staff, body: meeting('Made on one instance') })
  t.equal(made.status, 201, made.body)
  const id = JSON.parse(made.body).id as string
  const readBack = await send('GET', `/v1/events/${id}`, { headers: staff })
  t.not(readBack.instance, made.instance, 'the read went to another instance')
  t.equal(readBack.status, 200, 'and found the write')
  const changed = await send('PATCH', `/v1/events/${id}`, { headers: { ...staff, 'if-match': '"1"' }, body: { title: { en: 'Changed on a third' } } })
  t.equal(changed.status, 200, changed.body)
  t.equal(JSON.parse((await send('GET', `/v1/events/${id}`, { headers: staff })).body).version, 2, 'and the next read anywhere sees the change')

  // 3. Replica lag: replay paused, the writer still reads its writes; once the lag passes the bound, every caller reads the primary.
  await onReplica.query('select pg_wal_replay_pause()')
  const paused = await send('POST', '/v1/events', { headers: staff, body: meeting('Made while replay is paused') })
  t.equal(paused.status, 201)
  const pausedId = JSON.parse(paused.body).id as string
  for (let i = 0; i < 3; i++) t.equal((await send('GET', `/v1/events/${pausedId}`, { headers: staff })).status, 200, `the writer reads it on the next instance (${i + 1})`)
  await sleep(1_500)
  for (let i = 0; i < 3; i++) t.equal((await send('GET', `/v1/events/${pausedId}`, { headers: reader })).status, 200, `another caller too, once the replica is past the lag bound (${i + 1})`)
  await onReplica.query('select pg_wal_replay_resume()')

  // 4. One instance killed under load: reads and idempotent writes keep going; none fails that the client could not retry.
  // TOPOLOGY_LOAD_MS lengthens the load for a measurement (npm run bench:topology); the test keeps it short.
  const loadMs = Number(process.env.TOPOLOGY_LOAD_MS ?? 2_500)
  const acknowledged = new Map<string, string>()
  const failures: string[] = []
  const latencies: { ms: number; phase: 'three' | 'two' }[] = []
  let retried = 0
  let loading = true
  let phase: 'three' | 'two' = 'three'
  const worker = async (w: number) => {
    for (let n = 0; loading; n++) {
      const sent = performance.now()
      try {
        if (n % 3 === 0) {
          const key = randomUUID()
          const body = { agency: 'metro', body: `topology ${w}-${n}`, language: 'en', topic: 'community_safety', channel: 'in_person' }
          const res = await send('POST', '/v1/feedback', { headers: { ...staff, 'idempotency-key': key }, body })
          if (res.status !== 201) failures.push(`create: ${res.status} ${res.body.slice(0, 200)}`)
          else acknowledged.set(body.body, JSON.parse(res.body).id)
          if (res.tries > 1) retried++
        } else {
          const res = await send('GET', n % 3 === 1 ? '/v1/events?limit=5' : `/v1/events/${id}`, { headers: reader })
          if (res.status !== 200) failures.push(`read: ${res.status} ${res.body.slice(0, 200)}`)
          if (res.tries > 1) retried++
        }
      } catch (err) {
        failures.push(`no answer after retries: ${(err as Error).message}`)
      }
      latencies.push({ ms: performance.now() - sent, phase })
    }
  }
  const workers = Array.from({ length: 6 }, (_, w) => worker(w))
  await sleep(loadMs * 0.4)
  instances[1]!.child.kill('SIGKILL')
  phase = 'two'
  await instances[1]!.exited
  await sleep(loadMs * 0.6)
  loading = false
  await Promise.all(workers)
  for (const [name, share] of [['three', 0.4], ['two', 0.6]] as const) {
    const ms = latencies.filter((l) => l.phase === name).map((l) => l.ms).sort((a, b) => a - b)
    const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]?.toFixed(1)
    t.comment(`${name} instances: ${ms.length} requests in ${((loadMs * share) / 1000).toFixed(1)} s (${(ms.length / ((loadMs * share) / 1000)).toFixed(0)}/s, 6 clients, 1 in 3 a create), p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`)
  }
  t.comment(`${acknowledged.size} creates acknowledged under load; ${retried} requests retried on another instance after the kill`)
  t.same(failures.slice(0, 10), [], 'no request failed that the client could not retry')
  t.ok(acknowledged.size > 10, 'writes went on')
  t.ok(instances[0]!.running() && instances[2]!.running(), 'the other instances kept running')

  const rows = await setup.raw<{ id: string; body: string }>("select id::text as id, body from feedback_items where body like 'topology %'")
  await setup.close()
  const stored = new Map<string, string[]>()
  for (const row of rows) stored.set(row.body, [...(stored.get(row.body) ?? []), row.id])
  t.same([...acknowledged].filter(([body, fid]) => !stored.get(body)?.includes(fid)), [], 'every acknowledged write is stored under the id given')
  t.same([...stored].filter(([, ids]) => ids.length > 1), [], 'none twice, retries included')
})
