import pg from 'pg'
import pino from 'pino'
import { loadConfig } from '../src/config.ts'
import { openDatabase } from '../src/db/client.ts'
import { migrate } from '../src/db/migrate.ts'
import { loadDataset } from './lib/dataset.ts'
const url = process.env.DATABASE_URL!
const database = await openDatabase(loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'warn' }).database, pino({ level: 'warn' }))
await migrate(database)
await database.close()
const client = new pg.Client({ connectionString: url })
await client.connect()
await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').catch((e) => console.error('no pgss', e.message))
const d = await loadDataset(client, 'small')
await client.query('analyze')
await client.end()
console.log('ready', url, JSON.stringify(d.rows))
;(await import('node:fs')).writeFileSync('/tmp/exp/pgurl', url)
setInterval(() => {}, 1 << 30)
