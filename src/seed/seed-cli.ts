// `npm run seed`: migrates DATABASE_URL (or the embedded database in DATA_DIR) and loads the demo agency, once.
import pino from 'pino'
import { logSerializers } from '../logging.ts'
import { systemClock } from '../clock.ts'
import { ConfigError, loadConfig } from '../config.ts'
import { openDatabase, type Database } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'
import { AppError } from '../errors.ts'
import { seedDemo } from './demo.ts'

const say = (line: string) => process.stdout.write(`${line}\n`)
const complain = (line: string) => process.stderr.write(`${line}\n`)
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

let database: Database | undefined
try {
  const config = loadConfig(process.env)
  // The result is printed below; the logger only speaks up for warnings (or when LOG_LEVEL asks for more).
  const log = pino({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, serializers: logSerializers })
  database = await openDatabase(config.database, log)
  await migrate(database)
  const started = performance.now()
  const seeded = await seedDemo(database, { now: systemClock.now(), log })
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  const where = config.database.kind === 'pglite' ? `embedded database in ${config.database.dataDir}` : 'PostgreSQL database'
  if (seeded?.created && seeded.summary) {
    const s = seeded.summary
    say(
      `Seeded demo agency ${seeded.slug} into the ${where}: ${plural(s.areas, 'area')}, ${plural(s.organizations, 'partner organization')}, ` +
        `${plural(s.series, 'series')} (${plural(s.meetings, 'meeting')}), ${plural(s.events, 'event')} in ${seconds} s`,
    )
  } else say(`Demo agency ${seeded?.slug ?? 'riverton'} already present in the ${where}; nothing added`)
} catch (err) {
  if (err instanceof ConfigError) complain(err.message)
  else if (err instanceof AppError) complain(`Seeding failed (${err.code}): ${err.message}`)
  else complain(`Seeding failed: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
} finally {
  await database?.close().catch(() => {})
}
