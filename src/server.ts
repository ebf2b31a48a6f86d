// Process entry: heap limits → config → database (migrated, seeded on first run) → app → listen; drains on SIGTERM. The only file that exits.
import { Server as NetServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import v8 from 'node:v8'
import closeWithGrace from 'close-with-grace'
import pino from 'pino'
import { logSerializers, serializeProcessError } from './logging.ts'
import { ConfigError, loadConfig, processSettings } from './config.ts'

// The heap's limits first (why: processSettings). V8 reads them only as the process starts (v8.setFlagsFromString comes
// too late), so unless the operator gave their own the process re-executes itself once with them: same PID, nothing
// loaded yet (hence the app's modules are imported dynamically, below). Where execve is missing (Windows), Node's defaults stay.
const own = processSettings(process.env, process.execArgv, v8.getHeapStatistics().heap_size_limit)
if (own.flags.length && process.execve) process.execve(process.execPath, [process.execPath, ...own.flags, ...process.execArgv, ...process.argv.slice(1)], { ...process.env, ...own.env })
const [{ buildApp }, { systemClock }, { openDatabase }, { migrate }, { seedDemo }] = await Promise.all([
  import('./app.ts'),
  import('./clock.ts'),
  import('./db/client.ts'),
  import('./db/migrate.ts'),
  import('./seed/demo.ts'),
])

let config
try {
  config = loadConfig(process.env)
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message)
    process.exit(78) // EX_CONFIG
  }
  throw err
}

const log = pino({ level: config.logLevel, serializers: logSerializers })
const database = await openDatabase(config.database, log)
await migrate(database)
if (config.database.kind === 'pglite' && config.seedDemo) {
  const seeded = await seedDemo(database, { onlyIfEmpty: true, now: systemClock.now() })
  if (seeded?.created) log.info({ agency: seeded.slug, ...seeded.summary }, 'loaded the demo agency into the empty embedded database')
}

const app = await buildApp({ config, database, clock: systemClock })

// On SIGTERM: requests on open connections are still served, up to this long, before the rest are turned away.
const drainMs = Math.min(5_000, Math.floor(config.shutdownGraceMs / 2))
// Before that, readiness fails this long while connections are still taken; capped so window, drain and close fit the grace.
const notReadyMs = Math.min(config.shutdownNotReadyMs, Math.floor(config.shutdownGraceMs / 4))

closeWithGrace({ delay: config.shutdownGraceMs }, async ({ signal, err }) => {
  // Not under `err` (whose serializer drops stacks): a crash keeps its frames, never its SQL or parameters.
  if (err) app.log.error({ crash: serializeProcessError(err) }, 'closing after an error')
  else app.log.info({ signal, drainMs: signal === 'SIGTERM' ? drainMs : 0 }, 'draining in-flight requests, then closing')
  if (signal === 'SIGTERM') await drain()
  await app.close()
  await database.close()
})

/**
 * First a not-ready window: readiness fails while new connections are still accepted and served, each reply closing
 * its connection, so a load balancer stops sending here before anything is refused. Then the listener closes (a refused
 * connect is safe for any client to retry elsewhere) and requests still arriving on open keep-alive connections are
 * served, each reply closing its connection, until none is left or the drain time is up. Closing a socket that is idle
 * on our side could cut a request already on its way.
 */
async function drain() {
  app.startDraining()
  app.log.info({ notReadyMs }, 'not ready: still accepting connections, then closing the listener')
  await sleep(notReadyMs)
  // One poll phase, so connections already in the kernel's accept queue are accepted rather than reset by the close
  // (this narrows the race, it does not end it: one whose handshake completes after that poll is still reset).
  await new Promise((resolve) => setImmediate(resolve))
  // net's close, not http's: http's also sweeps idle keep-alive sockets, the very cut this avoids.
  NetServer.prototype.close.call(app.server)
  const openConnections = () => new Promise<number>((resolve) => app.server.getConnections((err, count) => resolve(err ? 0 : count)))
  // A drain deadline, not domain time: performance.now() is monotonic.
  const deadline = performance.now() + drainMs
  while (performance.now() < deadline && (await openConnections()) > 0) await sleep(50)
}

const address = await app.listen({ port: config.port, host: config.host })
if (config.insights.warm) {
  // After listening, so that readiness does not wait: answers asked for meanwhile build what they need themselves.
  app.services.insights.warm().catch((err) => app.log.error({ crash: serializeProcessError(err) }, 'insight tables were not all built ahead; they will be built when asked for'))
}
app.log.info(`Community engagement API on ${address} (database: ${database.kind === 'pglite' ? `embedded PGlite in ${(config.database as { dataDir: string }).dataDir}` : 'PostgreSQL'}) — docs at ${address}/docs, GraphQL at ${address}/graphql`)
