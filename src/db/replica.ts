/**
 * Reads from a streaming replica, with read-your-writes. A request marked as a read (reading()) sends its statements
 * outside transactions to the replica while the replica is up, its lag is within the bound, and it has replayed the
 * caller's last write; anything else goes to the primary. Transactions always run on the primary (a pool's connect()),
 * and a statement the replica fails for want of a connection, or refuses as a write, runs again on the primary.
 *
 * Read-your-writes is kept per caller on the server (no token for a client to echo, so every client gets it): after a
 * write, the writer's instance asks the primary for its WAL position and NOTIFYs it to every instance (one statement,
 * sent before the answer leaves), keyed by a keyed hash of the caller; a read by that caller goes to the replica only
 * once the replica's replay position has passed it.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import pg from 'pg'
import type { Logger } from '../context.ts'

export type ReplicaSettings = { url: string; maxLagMs: number; pollMs: number }

/** What a read is routed by: the WAL position its caller must see (its last write), if any. */
type Reading = { after: bigint | undefined }

export type ReplicaStatus = { up: boolean; inRecovery: boolean; replayed: bigint; lagMs: number }

/** Where reads went (a count of statements each way), for tests and operations. */
export type ReplicaStats = { toReplica: number; toPrimary: number; fellBack: number }

/** The NOTIFY channel write positions travel on, between instances. */
const WRITES_CHANNEL = 'read_your_writes'
/** Write positions remembered at most (the oldest goes first; positions live about the lag bound, so few are held). */
const REMEMBERED = 100_000

/** "16/B374D848" → a number that orders as WAL positions do. */
export function lsnOf(text: string): bigint {
  const [hi, lo] = text.split('/')
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`)
}

/** The replica is gone: a socket error (ECONNREFUSED, terminated, timeout: no SQLSTATE), a lost connection, a shutdown. */
function replicaUnreachable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code
  return typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || code.startsWith('08') || code.startsWith('57P')
}
/** A failure that says the replica could not serve the statement (not that the statement is wrong): try the primary. */
function replicaCannotServe(err: unknown): boolean {
  const code = (err as { code?: unknown }).code
  // 25006: a write refused as read-only; 40001: a recovery conflict cancelled it; 53300: too many connections.
  return replicaUnreachable(err) || code === '25006' || code === '40001' || code === '53300'
}

export type ReplicaRouting = ReturnType<typeof createReplicaRouting>

export function createReplicaRouting({ primary, settings, log, statementTimeoutMs }: { primary: pg.Pool; settings: ReplicaSettings; log: Logger; statementTimeoutMs: number }) {
  const replica = new pg.Pool({
    connectionString: settings.url,
    max: primary.options.max,
    connectionTimeoutMillis: 1_000,
    idleTimeoutMillis: 30_000,
    query_timeout: statementTimeoutMs + 1_000,
    statement_timeout: statementTimeoutMs,
    application_name: 'community-engagement-api (replica)',
    options: '-c plan_cache_mode=force_generic_plan',
  })
  replica.on('connect', (client) => client.on('error', (err) => log.warn({ err }, 'replica connection lost')))
  replica.on('error', () => {})
  const context = new AsyncLocalStorage<Reading>()
  const status: ReplicaStatus = { up: false, inRecovery: false, replayed: 0n, lagMs: Infinity }
  const stats: ReplicaStats = { toReplica: 0, toPrimary: 0, fellBack: 0 }
  /** The primary's WAL position at each poll, newest last: how far behind the replica's replay is, in time. */
  const samples: { at: number; lsn: bigint }[] = []
  /** Callers' last write positions (keyed hashes), from this instance and the others' NOTIFYs. */
  const writes = new Map<string, { lsn: bigint; at: number }>()
  let poller: NodeJS.Timeout | undefined
  /** Until the replica has replayed this far, no read goes to it: positions told while this instance was not listening are unknown. */
  let floor = 2n ** 64n
  let stopListening: (() => Promise<void>) | undefined

  const remember = (caller: string, lsn: bigint) => {
    const known = writes.get(caller)
    if (known && known.lsn >= lsn) return
    writes.delete(caller)
    writes.set(caller, { lsn, at: performance.now() })
    if (writes.size > REMEMBERED) writes.delete(writes.keys().next().value!)
  }

  /** Whether the statement now being sent may go to the replica. */
  function toReplica(): boolean {
    const reading = context.getStore()
    if (!reading) return false
    const ok = status.up && status.lagMs <= settings.maxLagMs && status.replayed >= floor && (reading.after === undefined || status.replayed >= reading.after)
    if (ok) stats.toReplica++
    else stats.toPrimary++
    return ok
  }

  async function poll(): Promise<void> {
    const [{ lsn }] = (await primary.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')).rows as [{ lsn: string }]
    const now = performance.now()
    samples.push({ at: now, lsn: lsnOf(lsn) })
    while (samples.length > 2 && samples[1]!.at < now - 2 * settings.maxLagMs - 10 * settings.pollMs) samples.shift()
    try {
      const [r] = (await replica.query<{ lsn: string | null; recovering: boolean }>('select pg_last_wal_replay_lsn()::text as lsn, pg_is_in_recovery() as recovering')).rows
      const replayed = r?.lsn ? lsnOf(r.lsn) : 0n
      // Caught up with the newest primary position it has passed: lagging by the time since that sample was taken.
      const passed = [...samples].reverse().find((s) => s.lsn <= replayed)
      const lagMs = passed === samples.at(-1) ? 0 : passed ? now - passed.at : now - samples[0]!.at + settings.pollMs
      const wasUp = status.up
      Object.assign(status, { up: Boolean(r?.recovering), inRecovery: Boolean(r?.recovering), replayed, lagMs })
      if (!status.up && wasUp) log.warn('the read replica is not in recovery (promoted?): reads go to the primary')
    } catch (err) {
      if (status.up) log.warn({ err }, 'the read replica does not answer: reads go to the primary')
      status.up = false
    }
    // A position is forgotten once replayed, or once older than the lag bound (and a margin): a replica within the bound
    // has replayed every write made before it, so the lag check alone holds the caller to its write from then on.
    const outlived = settings.maxLagMs + 2 * settings.pollMs + 1_000
    for (const [caller, w] of writes) if (w.lsn <= status.replayed || now - w.at > outlived) writes.delete(caller)
  }

  return {
    status,
    stats,
    /** Patches the primary pool so that statements sent while reading() go to the replica when they may. */
    route(pool: pg.Pool): void {
      const send = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>
      pool.query = ((...args: unknown[]) => {
        // Only the promise form (what drizzle and this code use); callbacks and transactions stay on the primary.
        if (typeof args.at(-1) === 'function' || !toReplica()) return send(...args)
        return (replica.query as (...a: unknown[]) => Promise<unknown>)(...args).catch((err: unknown) => {
          if (!replicaCannotServe(err)) throw err
          stats.fellBack++
          // Until the next poll finds it answering again.
          if (replicaUnreachable(err)) status.up = false
          return send(...args)
        })
      }) as typeof pool.query
    },
    /** Runs a read: its statements may go to the replica, if it has replayed `caller`'s last write (a keyed hash). */
    reading<T>(caller: string | undefined, fn: () => T): T {
      return context.run({ after: caller === undefined ? undefined : writes.get(caller)?.lsn }, fn)
    },
    /** Runs `fn` as no read: its statements go to the primary (a rate-limit count taken while a read is served). */
    onPrimary<T>(fn: () => T): T {
      return context.exit(fn)
    },
    /** After `caller` wrote: its WAL position, remembered here and told to every instance (one statement, on the primary). */
    async wrote(caller: string): Promise<void> {
      const { rows } = await primary.query<{ lsn: string }>(`select pg_current_wal_lsn()::text as lsn, pg_notify('${WRITES_CHANNEL}', $1::text || ' ' || pg_current_wal_lsn()::text)`, [caller])
      remember(caller, lsnOf(rows[0]!.lsn))
    },
    /** Starts polling the replica and hearing other instances' writes (listen: the database's own LISTEN connection). */
    async start(listen: (channel: string, handlers: { onNotify(payload: string): void; onListening(): void }) => Promise<() => Promise<void>>): Promise<void> {
      stopListening = await listen(WRITES_CHANNEL, {
        onNotify(payload) {
          const [caller, lsn] = payload.split(' ')
          if (caller && lsn && /^[0-9A-F]+\/[0-9A-F]+$/i.test(lsn)) remember(caller, lsnOf(lsn))
        },
        // Positions told while not listening are unknown: reads wait for the replica to pass the primary's position now.
        onListening: () => void primary.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn').then(({ rows }) => (floor = lsnOf(rows[0]!.lsn)), () => {}),
      })
      await poll().catch(() => {})
      poller = setInterval(() => void poll().catch(() => {}), settings.pollMs)
      poller.unref()
    },
    async close(): Promise<void> {
      clearInterval(poller)
      await stopListening?.()
      await replica.end()
    },
  }
}
