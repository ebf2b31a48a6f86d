// Opens the database: PostgreSQL through node-postgres when DATABASE_URL is set, else embedded PGlite in DATA_DIR.
import { createHash } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { DrizzleQueryError, sql, type SQL } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import pg from 'pg'
import type { Logger } from '../context.ts'
import type { Config } from '../config.ts'
import { fromRendered, renderSql, type RenderedSql } from './render-sql.ts'
import { createReplicaRouting, type ReplicaRouting } from './replica.ts'
import * as schema from './schema/index.ts'

export type Schema = typeof schema
export type Db = PgDatabase<PgQueryResultHKT, Schema>
/** A transaction handle has the same query surface as the database. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]
export type Queryable = Db | Tx

export type Database = {
  db: Db
  /**
   * The same connections for work no request waits for (following the outbox for subscribers): its statements are
   * not counted in `statements`, which holds requests to their budget.
   */
  background: Db
  kind: 'postgres' | 'pglite'
  /** Runs a trivial query on a connection of its own, so a busy pool does not read as a database that is down. */
  ping(): Promise<void>
  /** How busy the connection pool is (PostgreSQL only): connections open, idle, and requests waiting for one. */
  pool(): { total: number; idle: number; waiting: number } | undefined
  close(): Promise<void>
  /** Counts SQL statements sent, for tests and benchmarks that hold request cost to a budget. */
  statements: StatementLog
  /**
   * Runs one statement built with drizzle's sql template as a prepared statement (PostgreSQL keeps its plan per
   * connection, so a statement asked again is neither sent nor planned again). For the read and write paths' statements.
   * A copy whose `db` is a transaction ({ ...database, db: tx }, as the demo seed makes) runs them in that transaction.
   * `group`: a group commit's statement, whose text depends on who waited together: prepared from a budget of its own,
   * so its variants never take the place of the read and write paths' statements.
   */
  prepared<T = Record<string, unknown>>(query: SQL | RenderedSql, options?: { group?: boolean }): Promise<T[]>
  /** Runs one parameterized SQL statement outside Drizzle (health checks, EXPLAIN, operations). */
  raw<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>
  /** Runs fn while holding a cluster-wide lock, so instances starting together migrate one at a time. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>
  /**
   * LISTENs on `channel` (PostgreSQL: on a connection of its own, outside the pool, reconnecting with backoff when it is
   * lost). `onListening` runs each time the listen starts or starts again, so a caller can catch up on what it missed.
   * Resolves to a function that stops listening (with `heardAll`, see Listening).
   */
  listen(channel: string, handlers: ListenHandlers): Promise<Listening>
  /** Reads routed to a streaming replica, with read-your-writes (replica.ts): only when DATABASE_REPLICA_URL is set. */
  replica?: ReplicaRouting
  /** Where a job queue (pg-boss) reaches this database: PostgreSQL by URL, or the one embedded PGlite in this process. */
  queue: { kind: 'postgres'; url: string } | { kind: 'pglite'; client: PGlite }
  /** How another process of this server connects to the same primary (PostgreSQL only): the insights' build process. */
  connection?: { url: string; statementTimeoutMs: number }
}

export type ListenHandlers = { onNotify(payload: string): void; onListening(): void }
/**
 * A LISTEN under way: called, it stops. `heardAll()` resolves once every signal committed before the call has reached
 * onNotify, and rejects while the listen is down (signals may be missing): a cache checks it before trusting an entry.
 */
export type Listening = (() => Promise<void>) & { heardAll(): Promise<void> }

/** Waits between attempts to listen again after the connection is lost: doubling from the first to the last. */
export const LISTEN_BACKOFF_MS = { first: 100, max: 5_000 }

/** A count only: statements carry parameter values (personal data), so none is kept in memory. */
export type StatementLog = { count: number }

/** Sees each statement as it is sent; whoever passes one (a test, a benchmark) owns what it keeps. */
export type StatementObserver = (sql: string, params: unknown[]) => void

export { renderSql, type RenderedSql }
const rendered = (query: SQL | RenderedSql): RenderedSql => ('params' in query && typeof query.sql === 'string' ? (query as RenderedSql) : renderSql(query as SQL))
/** A failure told as drizzle tells its own (the driver's error as the cause), so logging and error mapping see one shape. */
const failed = (text: string, params: unknown[]) => (err: unknown): never => {
  throw new DrizzleQueryError(text, params, err instanceof Error ? err : undefined)
}
/** A statement run through a transaction's handle (drizzle logs it); a rendered one is rebuilt from its text and $n parameters. */
async function inTransaction<T>(tx: Db, query: SQL | RenderedSql): Promise<T[]> {
  const statement = 'params' in query && typeof query.sql === 'string' ? fromRendered(query as RenderedSql) : (query as SQL)
  const result = await tx.execute(statement)
  return ((result as unknown as { rows?: T[] }).rows ?? (result as unknown as T[])) as T[]
}
/** Distinct statements prepared per process: a stream of one-off shapes must not fill every connection's plan cache. */
const budgets = { statements: { max: 500, names: new Map<string, string>() }, groups: { max: 100, names: new Map<string, string>() } }
function preparedName(text: string, { max, names } = budgets.statements): string | undefined {
  const known = names.get(text)
  if (known || names.size >= max) return known
  const name = `r_${createHash('sha1').update(text).digest('base64url')}`
  names.set(text, name)
  return name
}

function statementLog(observe?: StatementObserver): { statements: StatementLog; logger: { logQuery(sql: string, params: unknown[]): void } } {
  const statements: StatementLog = { count: 0 }
  return {
    statements,
    logger: {
      logQuery(sql, params) {
        statements.count++
        observe?.(sql, params)
      },
    },
  }
}

export async function openDatabase(config: Config['database'], log: Logger, observe?: StatementObserver): Promise<Database> {
  const { statements, logger } = statementLog(observe)

  if (config.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolMax,
      connectionTimeoutMillis: config.connectTimeoutMs ?? 5_000,
      idleTimeoutMillis: 30_000,
      query_timeout: config.statementTimeoutMs + 1_000,
      statement_timeout: config.statementTimeoutMs,
      application_name: 'community-engagement-api',
      // Only the read path's named statements are affected (unnamed ones are always planned with their values): their
      // generic plan is as good as a custom one, and planning each execution (a deep page's cursor made PostgreSQL keep
      // custom plans) cost more than running it.
      options: '-c plan_cache_mode=force_generic_plan',
    })
    // A connection that dies emits 'error' on its client; the pool listens only while the client is idle, so a
    // client checked out for a transaction needs its own listener or the error is uncaught and ends the process.
    // The logger's err serializer keeps the driver's code and words, never a statement or its parameters.
    const connectionLost = (err: Error) => log.warn({ err }, 'database connection lost')
    // Readiness asks through a pool of one: when every request connection is busy the database still answers here.
    const probe = new pg.Pool({ connectionString: config.url, max: 1, connectionTimeoutMillis: 2_000, idleTimeoutMillis: 30_000, query_timeout: 2_000, application_name: 'community-engagement-api (health)' })
    for (const p of [pool, probe]) {
      p.on('connect', (client) => client.on('error', connectionLost))
      // The pool re-emits an idle client's error, already logged by the client's listener; unheard, it would be thrown.
      p.on('error', () => {})
    }
    const db = drizzlePg(pool, { schema, logger }) as unknown as Db
    const replica = config.replica && createReplicaRouting({ primary: pool, settings: config.replica, log, statementTimeoutMs: config.statementTimeoutMs })
    if (replica) {
      replica.route(pool)
      await replica.start((channel, handlers) => listenOnOwnConnection(config.url, channel, handlers, log))
    }
    return {
      db,
      ...(replica ? { replica } : {}),
      background: drizzlePg(pool, { schema }) as unknown as Db,
      kind: 'postgres',
      queue: { kind: 'postgres', url: config.url },
      connection: { url: config.url, statementTimeoutMs: config.statementTimeoutMs },
      statements,
      ping: async () => void (await probe.query('select 1')),
      pool: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      raw: async (text, params) => (await pool.query(text, params)).rows,
      async prepared<T>(this: Database, query: SQL | RenderedSql, options?: { group?: boolean }) {
        if (this.db !== db) return inTransaction<T>(this.db, query)
        const { sql: text, params } = rendered(query)
        logger.logQuery(text, params)
        const name = preparedName(text, options?.group ? budgets.groups : budgets.statements)
        return (await pool.query(name ? { name, text, values: params } : { text, values: params }).catch(failed(text, params))).rows as T[]
      },
      close: async () => void (await Promise.all([replica?.close(), pool.end(), probe.end()])),
      listen: (channel, handlers) => listenOnOwnConnection(config.url, channel, handlers, log),
      exclusive: async (fn) => {
        const lockClient = await pool.connect()
        try {
          await lockClient.query('select pg_advisory_lock(hashtext($1))', ['community-engagement-api:migrate'])
          return await fn()
        } finally {
          await lockClient.query('select pg_advisory_unlock(hashtext($1))', ['community-engagement-api:migrate']).catch(() => {})
          lockClient.release()
        }
      },
    }
  }

  mkdirSync(config.dataDir, { recursive: true })
  return fromPglite(await PGlite.create(config.dataDir), observe)
}

/** Wraps an already opened PGlite (tests load one from a migrated template). */
export function fromPglite(client: PGlite, observe?: StatementObserver): Database {
  const { statements, logger } = statementLog(observe)
  const db = drizzlePglite(client, { schema, logger }) as unknown as Db
  return {
    db,
    background: drizzlePglite(client, { schema }) as unknown as Db,
    kind: 'pglite',
    queue: { kind: 'pglite', client },
    statements,
    ping: async () => void (await client.query('select 1')),
    pool: () => undefined,
    raw: async <T>(text: string, params?: unknown[]) => (await client.query<T>(text, params)).rows,
    async prepared<T>(this: Database, query: SQL | RenderedSql) {
      if (this.db !== db) return inTransaction<T>(this.db, query)
      const { sql: text, params } = rendered(query)
      logger.logQuery(text, params)
      return (await client.query<T>(text, params).catch(failed(text, params))).rows
    },
    close: () => client.close(),
    // PGlite has one connection in one process: nothing else can run alongside.
    exclusive: (fn) => fn(),
    async listen(channel, { onNotify, onListening }) {
      const unlisten = await client.listen(channel, onNotify)
      onListening()
      // One process, one connection: a commit's signals are handed to listeners (as microtasks) before the commit's
      // own promise resolves, so every write acknowledged before the call has already been heard.
      return Object.assign(unlisten, { heardAll: async () => {} })
    },
  }
}

/**
 * LISTEN on a dedicated client (a pooled one would be handed to other work and drop the LISTEN when released). When the
 * connection is lost (PostgreSQL restarted, network cut) it connects again, waiting LISTEN_BACKOFF_MS between attempts.
 */
async function listenOnOwnConnection(url: string, channel: string, { onNotify, onListening }: ListenHandlers, log: Logger): Promise<Listening> {
  let stopped = false
  let client: pg.Client | undefined
  /** The connection while it listens (after onListening ran), for heardAll's round trips. */
  let live: pg.Client | undefined
  let retry: NodeJS.Timeout | undefined
  let wait = LISTEN_BACKOFF_MS.first
  const quoted = `"${channel.replaceAll('"', '""')}"`

  const connect = async (first = false): Promise<void> => {
    // query_timeout: a connection cut without a word (no RST) would hold heardAll's callers; past it they read the database.
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, query_timeout: LISTEN_QUERY_TIMEOUT_MS, application_name: 'community-engagement-api (listen)' })
    client = c
    let lost = false
    const reconnect = (err?: Error) => {
      if (live === c) live = undefined
      if (lost || stopped) return
      lost = true
      if (err) log.warn({ err }, 'database listen connection lost; connecting again')
      c.end().catch(() => {})
      retry = setTimeout(() => void connect().catch(() => {}), wait)
      wait = Math.min(wait * 2, LISTEN_BACKOFF_MS.max)
    }
    c.on('error', reconnect)
    c.on('end', () => reconnect())
    c.on('notification', (n) => {
      if (n.channel === channel && n.payload !== undefined) onNotify(n.payload)
    })
    try {
      await c.connect()
      await c.query(`LISTEN ${quoted}`)
    } catch (err) {
      if (!first) return reconnect(err as Error)
      stopped = true
      clearTimeout(retry)
      await c.end().catch(() => {})
      throw err
    }
    if (stopped) return void (await c.end().catch(() => {}))
    wait = LISTEN_BACKOFF_MS.first
    onListening()
    live = c
  }

  // PostgreSQL sends a connection the notifications signalled to it before its answer to the next query: a round trip
  // begun after the call returns only once every signal committed earlier has reached onNotify. Callers share them:
  // one at a time, and whoever comes while one is under way (it may have been sent before their write committed) waits
  // for the next.
  let round: Promise<void> | undefined
  let next: Promise<void> | undefined
  const roundTrip = async () => {
    if (!live) throw new Error('not listening')
    await live.query('select 1')
  }
  const heardAll = (): Promise<void> => {
    if (!round) return (round = roundTrip().finally(() => (round = undefined)))
    return (next ??= round.then(noop, noop).then(() => {
      next = undefined
      return heardAll()
    }))
  }

  // The first attempt must succeed (the app does not start deaf); later ones retry until stopped.
  await connect(true)
  const stop = async () => {
    stopped = true
    live = undefined
    clearTimeout(retry)
    await client?.end().catch(() => {})
  }
  return Object.assign(stop, { heardAll })
}
const noop = () => {}
/** How long a query on a listen connection (LISTEN, heardAll's round trip) may take before it is given up. */
const LISTEN_QUERY_TIMEOUT_MS = 2_000
