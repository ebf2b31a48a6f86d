// `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database in DATA_DIR.
import pino from 'pino'
import { logSerializers } from '../logging.ts'
import { ConfigError, loadConfig } from '../config.ts'
import { openDatabase } from './client.ts'
import { migrate } from './migrate.ts'

try {
  const config = loadConfig(process.env)
  const log = pino({ level: config.logLevel, serializers: logSerializers })
  const database = await openDatabase(config.database, log)
  await migrate(database)
  await database.close()
  log.info({ database: database.kind }, 'migrations applied')
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `Migration failed: ${(err as Error).message}`)
  process.exitCode = 1
}
