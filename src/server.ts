// Process entry: config → database (migrated, seeded on first run) → app → listen; drains on SIGTERM. The only file that exits.
import closeWithGrace from 'close-with-grace'
import pino from 'pino'
import { buildApp } from './app.ts'
import { systemClock } from './clock.ts'
import { ConfigError, loadConfig } from './config.ts'
import { openDatabase } from './db/client.ts'
import { migrate } from './db/migrate.ts'
import { seedDemo } from './seed/demo.ts'

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

const log = pino({ level: config.logLevel })
const database = await openDatabase(config.database, log)
await migrate(database)
if (config.database.kind === 'pglite' && config.seedDemo) {
  const seeded = await seedDemo(database, { onlyIfEmpty: true, now: systemClock.now() })
  if (seeded?.created) log.info({ agency: seeded.slug, ...seeded.summary }, 'loaded the demo agency into the empty embedded database')
}

const app = await buildApp({ config, database, clock: systemClock })

closeWithGrace({ delay: config.shutdownGraceMs }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'closing after an error')
  else app.log.info({ signal }, 'draining in-flight requests, then closing')
  await app.close()
  await database.close()
})

const address = await app.listen({ port: config.port, host: config.host })
if (config.insights.warm) {
  // After listening, so that readiness does not wait: answers asked for meanwhile build what they need themselves.
  app.services.insights.warm().catch((err) => app.log.error({ err }, 'insight tables were not all built ahead; they will be built when asked for'))
}
app.log.info(`Community engagement API on ${address} (database: ${database.kind === 'pglite' ? `embedded PGlite in ${(config.database as { dataDir: string }).dataDir}` : 'PostgreSQL'}) — docs at ${address}/docs, GraphQL at ${address}/graphql`)
