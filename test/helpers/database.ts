// A migrated database per test file: PGlite loaded from a migrated template dump, or a PostgreSQL
// database cloned from a migrated template (DATABASE_URL). Templates are built once per migration set;
// tests in one file share the file's database, emptied back to the template's rows between them (fileDatabase).
import { createHash, randomUUID } from 'node:crypto'
import { existsSync, openAsBlob, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import pino from 'pino'
import { sql } from 'drizzle-orm'
import { openDatabase, fromPglite, type Database, type StatementObserver } from '../../src/db/client.ts'
import { migrate, migrationsFolder } from '../../src/db/migrate.ts'

const silent = pino({ level: 'silent' })

let hashed: string | undefined
/** The migration set's hash, read once per process (the template and the reset statements are keyed by it). */
function migrationsHash(): string {
  return (hashed ??= hashMigrations())
}
function hashMigrations(): string {
  const h = createHash('sha256')
  for (const f of readdirSync(migrationsFolder, { recursive: true }).map(String).sort()) {
    const p = join(migrationsFolder, f)
    if (f.endsWith('.sql') || f.endsWith('.json')) h.update(f).update(readFileSync(p))
  }
  return h.digest('hex').slice(0, 16)
}

export const usingPostgres = () => Boolean(process.env.DATABASE_URL)

/** Written under a unique name then renamed, so test files running in parallel never read half a file. */
function writeWhole(file: string, data: string | Buffer) {
  const partial = `${file}.${randomUUID()}`
  writeFileSync(partial, data)
  renameSync(partial, file)
}

async function pgliteTemplate(): Promise<Blob> {
  // Uncompressed: every test file loads it, and untarring it is faster than gunzipping (40 MB: about 270 ms against 480).
  // v2: what is done to the template below (bump it when that changes; the hash covers the migrations).
  const file = join(tmpdir(), `cep-pglite-template-${migrationsHash()}-v2.tar`)
  if (!existsSync(file)) {
    const client = await PGlite.create()
    await migrate(fromPglite(client))
    // PGlite serves one database: template0 and template1 are a third of the dump (15 of 44 MB) that every file would load.
    for (const name of ['template0', 'template1'])
      for (const statement of [`alter database ${name} is_template false`, `drop database ${name}`]) await client.exec(statement)
    // A test database is a few MB: 16 MB of buffers (PGlite's default is 128 MB, set up afresh by every file) start
    // each file ~100 ms sooner, and 8 of the heaviest files ran 3% faster, not slower.
    await client.exec(`alter system set shared_buffers = '16MB'`)
    const dump = await client.dumpDataDir('none')
    await client.close()
    writeWhole(file, Buffer.from(await dump.arrayBuffer()))
  }
  // Read from the file as PGlite untars it, not copied into memory first.
  return openAsBlob(file)
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

/** `recent`: the last statements with their parameters, kept by the test (the app keeps only a count). */
export type TestDatabase = Database & { url?: string; recent: Statement[]; drop(): Promise<void> }
type Statement = { sql: string; params: unknown[] }

function recorder(): { recent: Statement[]; observe: StatementObserver } {
  const recent: Statement[] = []
  return {
    recent,
    observe(sql, params) {
      recent.push({ sql, params })
      if (recent.length > 20) recent.shift()
    },
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const { recent, observe } = recorder()
  if (!usingPostgres()) {
    const client = await PGlite.create({ loadDataDir: await pgliteTemplate() })
    const database = fromPglite(client, observe)
    return { ...database, recent, drop: () => database.close() }
  }
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL })
  await admin.connect()
  const template = await postgresTemplate(admin)
  const name = `cep_test_${process.pid}_${randomUUID().slice(0, 8)}`
  await admin.query(`create database "${name}" template "${template}"`)
  await admin.end()
  const url = new URL(process.env.DATABASE_URL!)
  url.pathname = `/${name}`
  const database = await openDatabase({ kind: 'postgres', url: url.toString(), poolMax: 5, statementTimeoutMs: 30_000 }, silent, observe)
  return {
    ...database,
    recent,
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

export type FileDatabase = TestDatabase & {
  /** Empties every table back to what the migrated template holds (tens of milliseconds, against a second for a new database). */
  reset(): Promise<void>
}

let shared: Promise<FileDatabase> | undefined

/** The test file's one database, created on first use and dropped when the file's tests end. */
export function fileDatabase(): Promise<FileDatabase> {
  shared ??= (async () => {
    const database = await createTestDatabase()
    const reset = await resetter(database)
    // The root test's teardown runs after every test in the file, so the one database outlives them all.
    const { default: tap } = await import('tap')
    tap.teardown(() => database.drop())
    return { ...database, reset }
  })()
  return shared
}

type TableRows = { name: string; columns: string; rows: unknown[] }

/**
 * Empties the database back to the template: tables it leaves empty are truncated; the rest (reference data such as the
 * standard topics) get their rows back, and every sequence its value. Foreign-key triggers are off while rows go back in
 * (session_replication_role), so the order of reference tables does not matter; generated columns are left to compute.
 */
async function resetter(database: TestDatabase): Promise<() => Promise<void>> {
  const statements = await resetStatements(database)
  return () => database.db.transaction(async (tx) => {
    for (const statement of statements) await tx.execute(sql.raw(statement))
  })
}

/**
 * The reset's statements, read from a new database (still the template's copy) and kept in a file per engine and
 * migration set: working them out reads every table, 100–150 ms that every test file would otherwise spend.
 */
async function resetStatements(database: TestDatabase): Promise<string[]> {
  const file = join(tmpdir(), `cep-reset-${database.kind}-${migrationsHash()}-v1.json`)
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as string[]
  const tables = (await database.raw<{ name: string }>(
    `select quote_ident(tablename) as name from pg_tables where schemaname = 'public' order by tablename`,
  )).map((t) => t.name)
  const kept: TableRows[] = []
  for (const name of tables) {
    const rows = await database.raw<{ row: unknown }>(`select to_jsonb(t) as row from ${name} t`)
    if (!rows.length) continue
    const [{ columns }] = (await database.raw<{ columns: string }>(
      `select string_agg(quote_ident(attname), ', ' order by attnum) as columns from pg_attribute
        where attrelid = $1::regclass and attnum > 0 and not attisdropped and attgenerated = ''`,
      [name],
    )) as [{ columns: string }]
    kept.push({ name, columns, rows: rows.map((r) => r.row) })
  }
  const sequences = await database.raw<{ name: string; value: string | null; called: boolean }>(
    `select format('%I.%I', schemaname, sequencename) as name, last_value::text as value, last_value is not null as called
       from pg_sequences where schemaname = 'public'`,
  )
  const statements = [
    'set local session_replication_role = replica',
    // One statement empties everything (CASCADE reaches every table that references a truncated one).
    `truncate ${tables.join(', ')} cascade`,
    ...kept.map(({ name, columns, rows }) =>
      `insert into ${name} (${columns}) select ${columns} from jsonb_populate_recordset(null::${name}, ${literal(JSON.stringify(rows))}::jsonb)`),
    ...sequences.map(({ name, value, called }) => `select setval(${literal(name)}, ${called ? value : 1}, ${called})`),
  ]
  writeWhole(file, JSON.stringify(statements))
  return statements
}

/** A SQL string literal (dollar quotes could collide with the data; doubled single quotes cannot). */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`

/** Every row of every table in the public schema, as text: what a full dump would hold (privacy checks search it). */
export async function dumpAll(database: Pick<Database, 'raw'>): Promise<string> {
  const tables = await database.raw<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`)
  const parts: string[] = []
  for (const { table_name } of tables) {
    const rows = await database.raw<{ row: string }>(`select t::text as row from "${table_name}" t`)
    parts.push(`${table_name}: ${rows.map((r) => r.row).join('\n')}`)
  }
  return parts.join('\n')
}
