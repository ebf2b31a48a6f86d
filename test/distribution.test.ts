// The migrated schema keeps to the distribution design (docs/SCALE.md, src/db/distribution.ts): read from the catalog of
// a migrated database (PGlite, or PostgreSQL with DATABASE_URL), then again after docs/citus/keys.sql rebuilt the keys.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { distribution, distributionColumn, tablesOf, triggers } from '../src/db/distribution.ts'
import { createTestDatabase, type TestDatabase } from './helpers/database.ts'

type Table = { name: string; agency: 'not null' | 'nullable' | 'absent'; agencyType: string | null }
type Key = { table: string; name: string; kind: 'p' | 'u' | 'f' | 'index'; columns: string[]; ref: string | null; refColumns: string[] | null; onDelete: string | null }

const database = await createTestDatabase()
t.teardown(() => database.drop())

async function tables(db: TestDatabase): Promise<Table[]> {
  const rows = await db.raw<{ name: string; notnull: boolean | null; type: string | null }>(`
    select c.relname as name, a.attnotnull as notnull, format_type(a.atttypid, a.atttypmod) as type
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_attribute a on a.attrelid = c.oid and a.attname = '${distributionColumn}' and not a.attisdropped
    where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
    order by 1`)
  return rows.map((r) => ({ name: r.name, agency: r.notnull === null ? 'absent' : r.notnull ? 'not null' : 'nullable', agencyType: r.type }))
}

/** Primary keys, unique constraints, foreign keys and unique indexes (constraints' own indexes aside) of the public schema. */
async function keys(db: TestDatabase): Promise<Key[]> {
  const constraints = await db.raw<Omit<Key, 'kind'> & { kind: 'p' | 'u' | 'f' }>(`
    select c.conrelid::regclass::text as "table", c.conname as name, c.contype as kind,
      array(select a.attname::text from unnest(c.conkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.i) as columns,
      c.confrelid::regclass::text as ref,
      case when c.contype = 'f' then array(select a.attname::text from unnest(c.confkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.i) end as "refColumns",
      case when c.contype = 'f' then c.confdeltype::text end as "onDelete"
    from pg_constraint c
    where c.connamespace = 'public'::regnamespace and c.contype in ('p', 'u', 'f')`)
  const indexes = await db.raw<{ table: string; name: string; columns: string[] }>(`
    select i.indrelid::regclass::text as "table", x.relname as name,
      array(select coalesce(a.attname::text, '(expression)') from unnest(i.indkey) with ordinality k(n, o) left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.n order by k.o) as columns
    from pg_index i
    join pg_class x on x.oid = i.indexrelid
    where i.indisunique and x.relnamespace = 'public'::regnamespace
      and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)`)
  return [
    ...constraints.map((c) => ({ ...c, ref: c.kind === 'f' ? c.ref : null })),
    ...indexes.map((i) => ({ ...i, kind: 'index' as const, ref: null, refColumns: null, onDelete: null })),
  ]
}

const kindOf = (table: string) => distribution[table]?.kind
const before = { tables: await tables(database), keys: await keys(database) }

t.test('when a table is in the migrated schema, then src/db/distribution.ts classifies it, and names no table that is gone', async (t) => {
  const names = before.tables.map((x) => x.name)
  t.same(names.filter((n) => !distribution[n]), [], 'every table is distributed, reference or local')
  t.same(Object.keys(distribution).filter((n) => !names.includes(n)).sort(), [], 'every classified table exists')
  for (const [name, p] of Object.entries(distribution)) if (p.kind !== 'distributed') t.ok(p.reason.length > 20, `${name}: a ${p.kind} table says why`)
})

t.test('when a table is distributed, then it has a NOT NULL uuid agency_id referencing agencies (or a documented exception that is still needed)', async (t) => {
  for (const name of tablesOf('distributed')) {
    const table = before.tables.find((x) => x.name === name)!
    const p = distribution[name]!
    t.not(table.agency, 'absent', `${name} has agency_id`)
    t.equal(table.agencyType, 'uuid', `${name}.agency_id is a uuid, like every other (co-location needs one type)`)
    const exception = p.kind === 'distributed' ? p.exception : undefined
    if (exception) t.equal(table.agency, 'nullable', `${name}: the exception still holds (drop it from distribution.ts once agency_id is NOT NULL)`)
    else t.equal(table.agency, 'not null', `${name}.agency_id is NOT NULL`)
    const tenant = before.keys.some((k) => k.table === name && k.kind === 'f' && k.ref === 'agencies' && k.columns.join() === distributionColumn)
    t.ok(tenant, `${name}.agency_id references agencies`)
  }
})

t.test('when a foreign key starts at or reaches a distributed table, then Citus can keep it', async (t) => {
  const fks = before.keys.filter((k) => k.kind === 'f')
  t.ok(fks.length > 50, 'the catalog was read')
  for (const fk of fks) {
    const from = kindOf(fk.table)
    const to = kindOf(fk.ref!)
    const label = `${fk.name} (${from} ${fk.table} → ${to} ${fk.ref})`
    if (to === 'distributed') {
      t.equal(from, 'distributed', `${label}: only a distributed table refers to a distributed one`)
      t.not(before.tables.find((x) => x.name === fk.table)!.agency, 'absent', `${label}: the referencing side carries agency_id`)
      t.not(before.tables.find((x) => x.name === fk.ref)!.agency, 'absent', `${label}: the referenced side carries agency_id`)
      // Widened to (…, agency_id), SET NULL or SET DEFAULT would also clear the row's agency.
      t.ok(['a', 'r', 'c'].includes(fk.onDelete!), `${label}: ON DELETE is NO ACTION, RESTRICT or CASCADE`)
    }
    if (from === 'reference') t.equal(to, 'reference', `${label}: a reference table refers to reference tables only`)
    if (from === 'distributed') t.not(to, 'local', `${label}: a distributed table refers to no local table`)
    if (from === 'local') t.equal(to, 'local', `${label}: a local table refers to no distributed or reference table`)
  }
})

t.test('when a table has triggers or row-level security, then they are reviewed for Citus: triggers listed, policies on distributed tables by agency_id', async (t) => {
  const found = await database.raw<{ name: string }>(`
    select c.relname || '.' || g.tgname as name
    from pg_trigger g join pg_class c on c.oid = g.tgrelid
    where c.relnamespace = 'public'::regnamespace and not g.tgisinternal order by 1`)
  t.same(found.map((f) => f.name).sort(), Object.keys(triggers).sort(), 'every hand-written trigger is listed in distribution.ts, with its plan')
  const policies = await database.raw<{ table: string; using: string }>(`select tablename as "table", qual as using from pg_policies where schemaname = 'public'`)
  t.ok(policies.length > 0, 'the policies were read')
  for (const p of policies) {
    t.equal(kindOf(p.table), 'distributed', `${p.table}: row-level security on a distributed table`)
    t.match(p.using, /\bagency_id\b/, `${p.table}: its policy keys on agency_id, the distribution column`)
  }
})

t.test('when docs/citus/distribute.sql distributes the schema, then it names exactly the distributed and reference tables, each after the tables it references', async (t) => {
  const script = readFileSync(new URL('../docs/citus/distribute.sql', import.meta.url), 'utf8')
  const calls = [...script.matchAll(/^SELECT create_(distributed|reference)_table\('(\w+)'(?:, '(\w+)')?/gm)].map((m) => ({ kind: m[1]!, table: m[2]!, column: m[3] }))
  t.same(calls.filter((c) => c.kind === 'reference').map((c) => c.table).sort(), tablesOf('reference'), 'the reference tables')
  t.same(calls.filter((c) => c.kind === 'distributed').map((c) => c.table).sort(), tablesOf('distributed'), 'the distributed tables')
  t.ok(calls.filter((c) => c.kind === 'distributed').every((c) => c.column === distributionColumn), 'each by agency_id')
  const position = new Map(calls.map((c, i) => [c.table, i]))
  for (const fk of before.keys.filter((k) => k.kind === 'f' && k.table !== k.ref && position.has(k.table))) {
    t.ok(position.get(fk.ref!)! < position.get(fk.table)!, `${fk.table} comes after ${fk.ref}`)
  }
})

t.test('when docs/citus/keys.sql has rebuilt the keys, then every key and foreign key of a distributed table includes agency_id', async (t) => {
  const script = readFileSync(new URL('../docs/citus/keys.sql', import.meta.url), 'utf8')
  // One statement per line, none spanning lines; the transaction is left out (statements may run on different pooled connections).
  const statements = script.split('\n').filter((l) => l.trim() && !l.startsWith('--') && !/^(BEGIN|COMMIT);$/.test(l.trim()))
  t.ok(statements.every((s) => s.endsWith(';')), 'one statement per line')
  for (const statement of statements) await database.raw(statement)

  const after = { tables: await tables(database), keys: await keys(database) }
  for (const name of tablesOf('distributed')) t.equal(after.tables.find((x) => x.name === name)!.agency, 'not null', `${name}.agency_id is NOT NULL`)
  const ofDistributed = after.keys.filter((k) => kindOf(k.table) === 'distributed')
  for (const key of ofDistributed.filter((k) => k.kind !== 'f')) {
    t.ok(key.columns.includes(distributionColumn), `${key.table}: ${key.kind === 'p' ? 'primary key' : 'unique'} ${key.name} (${key.columns.join(', ')}) includes agency_id`)
  }
  t.ok(ofDistributed.some((k) => k.kind === 'p'), 'primary keys were read')
  for (const fk of ofDistributed.filter((k) => k.kind === 'f' && kindOf(k.ref!) === 'distributed')) {
    const at = fk.columns.indexOf(distributionColumn)
    t.ok(at >= 0 && fk.refColumns![at] === distributionColumn, `${fk.name} (${fk.columns.join(', ')}) → ${fk.ref} (${fk.refColumns!.join(', ')}) pairs agency_id with agency_id`)
  }
  const count = (ks: Key[], kind: Key['kind']) => ks.filter((k) => k.kind === kind).length
  t.equal(count(after.keys, 'f'), count(before.keys, 'f'), 'no foreign key was lost')
  t.equal(count(after.keys, 'p'), count(before.keys, 'p'), 'no primary key was lost')
  t.equal(count(after.keys, 'u') + count(after.keys, 'index'), count(before.keys, 'u') + count(before.keys, 'index'), 'no unique constraint was lost')
})
