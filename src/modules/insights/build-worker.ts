// The insights' build process (build-process.ts forks it): opens connections of its own to the server's primary, builds
// each period it is sent, and ends when the server disconnects (idle, stopping, or gone): a build in flight rolls back.
import pino from 'pino'
import { openDatabase, type Database } from '../../db/client.ts'
import { logSerializers } from '../../logging.ts'
import type { FromBuilder, ToBuilder } from './build-process.ts'
import { createInsightBuilder, type InsightBuilder } from './insight-builder.ts'

/** Two builds at a time (the server's limit), each holding its lock's connection and reading on up to three more. */
const POOL_MAX = 8
/** A new process opens every connection afresh: on a busy machine that may take longer than a request would wait. */
const CONNECT_TIMEOUT_MS = 30_000

// Its log goes to stderr: stdout is the server's own. Connection losses only; a build's failure goes back to the server.
const log = pino({ level: 'warn', base: { process: 'insight-builder' }, serializers: logSerializers }, pino.destination(2))
let database: Promise<Database> | undefined
let builder: Promise<InsightBuilder> | undefined
/** Builds under way: a build must not outlive its server (the pool would wait for it to finish before closing). */
let building = 0

const send = (message: FromBuilder) => process.connected && process.send!(message)

process.on('message', (message: ToBuilder) => {
  if (message.kind === 'open') {
    database = openDatabase({ kind: 'postgres', url: message.connection.url, poolMax: POOL_MAX, statementTimeoutMs: message.connection.statementTimeoutMs, connectTimeoutMs: CONNECT_TIMEOUT_MS }, log)
    builder = database.then((d) => createInsightBuilder({ database: d, settings: message.settings }))
    return
  }
  const { id, request } = message
  building++
  builder!
    .then((b) => b.build(request))
    .then(
      (result) => send({ kind: 'built', id, result }),
      (err: unknown) => send({ kind: 'failed', id, message: err instanceof Error ? err.message : String(err) }),
    )
    .finally(() => building--)
})

// Idle, its connections are closed first; mid-build (the server died, or killed it) it exits at once, and PostgreSQL
// rolls the build's transaction back when the connection drops.
process.on('disconnect', () => {
  if (building > 0 || !database) process.exit(0)
  void database.then((d) => d.close(), () => {}).finally(() => process.exit(0))
})

send({ kind: 'ready' })
