// A migrated database per test file: PGlite loaded from a migrated template dump, or a PostgreSQL
// database cloned from a migrated template (DATABASE_URL). Templates are built once per migration set.
import { createHash, randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import pino from 'pino'
import { openDatabase, fromPglite, type Database } from '../../src/db/client.ts'
import { migrate, migrationsFolder } from '../../src/db/migrate.ts'

const silent = pino({ level: 'silent' })

function migrationsHash(): string {
  const h = createHash('sha256')
  for (const f of readdirSync(migrationsFolder, { recursive: true }).map(String).sort()) {
    const p = join(migrationsFolder, f)
    if (f.endsWith('.sql') || f.endsWith('.json')) h.update(f).update(readFileSync(p))
  }
  return h.digest('hex').slice(0, 16)
}

export const usingPostgres = () => Boolean(process.env.DATABASE_URL)

async function pgliteTemplate(): Promise<Blob> {
  const file = join(tmpdir(), `cep-pglite-template-${migrationsHash()}.tar.gz`)
  if (!existsSync(file)) {
    const client = await PGlite.create()
    await migrate(fromPglite(client))
    const dump = await client.dumpDataDir('gzip')
    await client.close()
    // Written under a unique name then renamed, so parallel test files never read half a file.
    const partial = `${file}.${randomUUID()}`
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()))
    renameSync(partial, file)
  }
  return new Blob([readFileSync(file)])
}

async function postgresTemplate(admin: pg.Client): Promise<string> {
  const name = `cep_template_${migrationsHash()}`
  const exists = await admin.query('select 1 from pg_database where datname = $1', [name])
  if (exists.rowCount) return name
  // Build under a temporary name and rename, so a half-migrated template is never cloned.
  const building = `${name}_${process.pid}`
  await admin.query(`create database "${building}"`)
  const url = new URL(process.env.DATABASE_URL!)
  url.pathname = `/${building}`
  const db = await openDatabase({ kind: 'postgres', url: url.toString(), poolMax: 2, statementTimeoutMs: 30_000 }, silent)
  await migrate(db)
  await db.close()
  try {
    await admin.query(`alter database "${building}" rename to "${name}"`)
  } catch {
    await admin.query(`drop database if exists "${building}"`) // another file won the race
  }
  return name
}

/** Ensures the template exists (tap's `before` script calls this once so files do not race). */
export async function prepareTemplate(): Promise<void> {
  if (!usingPostgres()) {
    await pgliteTemplate()
    return
  }
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL })
  await admin.connect()
  try {
    await postgresTemplate(admin)
  } finally {
    await admin.end()
  }
}

export type TestDatabase = Database & { url?: string; drop(): Promise<void> }

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!usingPostgres()) {
    const client = await PGlite.create({ loadDataDir: await pgliteTemplate() })
    const database = fromPglite(client)
    return { ...database, drop: () => database.close() }
  }
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL })
  await admin.connect()
  const template = await postgresTemplate(admin)
  const name = `cep_test_${process.pid}_${randomUUID().slice(0, 8)}`
  await admin.query(`create database "${name}" template "${template}"`)
  await admin.end()
  const url = new URL(process.env.DATABASE_URL!)
  url.pathname = `/${name}`
  const database = await openDatabase({ kind: 'postgres', url: url.toString(), poolMax: 5, statementTimeoutMs: 30_000 }, silent)
  return {
    ...database,
    url: url.toString(),
    drop: async () => {
      await database.close()
      const a = new pg.Client({ connectionString: process.env.DATABASE_URL })
      await a.connect()
      await a.query(`drop database if exists "${name}" with (force)`)
      await a.end()
    },
  }
}
