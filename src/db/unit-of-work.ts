// The SQL mechanics of a create in at most two round trips: one SELECT carrying every check, then one statement
// of data-modifying CTEs that writes all rows, gated on an optional claim. One statement is atomic: no BEGIN/COMMIT.
import { getTableColumns, getTableName, sql, SQL, type SQLWrapper } from 'drizzle-orm'
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core'
import type { Database } from './client.ts'
import type { Combination, Member } from './group-commit.ts'
import { fromRendered, renderInto, renderingChecked, renderSql, type RenderedSql } from './render-sql.ts'

/** Statements run prepared: a create's shape repeats, so PostgreSQL parses and plans its statements once per connection. */
type Runner = Pick<Database, 'prepared'>

/** One value a check read returns: a scalar SQL expression and how to read what the driver gives back. */
export type Check<T> = { sql: SQL; read(raw: unknown): T }
/** A check's rows: `from`'s that `where` finds (every row without it). */
const rowsOf = (from: SQLWrapper, where: SQL | undefined) => sql`from ${from} where ${where ?? sql`true`}`

/** Whether `where` finds a row of `from` (a template, as selectCheck's). */
export const existsCheck = (from: SQLWrapper, where: SQL | undefined): Check<boolean> => ({
  sql: sql`exists (select 1 ${rowsOf(from, where)})`,
  read: (raw) => raw === true || raw === 't',
})

/**
 * The rows of `from` that `where` finds, read as `columns` (keyed as the caller reads them). A template, not the query
 * builder: every create builds its checks anew, and building a select took a create tens of µs.
 */
export function selectCheck<R extends Record<string, unknown>>(columns: Record<string, PgColumn>, from: SQLWrapper, where: SQL | undefined, limit?: number): Check<R[]> {
  const limited = limit === undefined ? sql`` : sql.raw(` limit ${Math.trunc(limit)}`)
  const query = sql`select ${sql.join(Object.values(columns), sql`, `)} ${rowsOf(from, where)}${limited}`
  return {
    sql: sql`coalesce((select jsonb_agg(s) from (${query}) as s), '[]'::jsonb)`,
    read: (raw) => (jsonOf(raw) as Record<string, unknown>[]).map((r) => fromDriver(columns, r) as R),
  }
}

/** A scalar `query` computes (a number, a text), as JSON so every driver reads it alike. */
export const valueCheck = <T>(query: SQLWrapper): Check<T> => ({ sql: sql`to_jsonb((${query}))`, read: (raw) => jsonOf(raw) as T })

/** Several checks read as one value (a jsonb object of them), for a repository whose rule needs them together. */
export function checkAll<C extends Record<string, Check<unknown>>>(checks: C): Check<Checked<C>> {
  const names = Object.keys(checks)
  return {
    sql: sql`jsonb_build_object(${sql.join(names.map((n) => sql`${n}::text, to_jsonb((${checks[n]!.sql}))`), sql`, `)})`,
    read: (raw) => {
      const o = jsonOf(raw) as Record<string, unknown>
      return Object.fromEntries(names.map((n) => [n, checks[n]!.read(o[n])])) as Checked<C>
    },
  }
}

const jsonOf = (raw: unknown): unknown => (typeof raw === 'string' ? JSON.parse(raw) : raw)
type Checked<C> = { [K in keyof C]: NonNullable<C[K]> extends Check<infer T> ? T : never }

/**
 * A write a create is gated on (an UPDATE … RETURNING that yields a row only when the create may go ahead), built by a
 * repository; rendered already (its parameters from $1) when the repository keeps its text.
 */
export type PlannedGate = SQL | RenderedSql

/** Rows to insert in a unit of work, built by a repository (tables stay there); `Row` is what the insert returns. */
export type PlannedInsert<Row = unknown> = { table: PgTable; rows: Record<string, unknown>[]; returning: Record<string, PgColumn>; row?: Row }

/** Plans an insert of `rows` into `table`; `returning` picks the columns the caller reads back (default: all). */
export function plannedInsert<T extends PgTable, R extends Record<string, PgColumn> = T['_']['columns']>(
  table: T,
  rows: T['$inferInsert'] | T['$inferInsert'][],
  returning?: R,
): PlannedInsert<{ [K in keyof R]: R[K]['_']['data'] | (R[K]['_']['notNull'] extends true ? never : null) }> {
  return { table, rows: (Array.isArray(rows) ? rows : [rows]) as Record<string, unknown>[], returning: (returning ?? getTableColumns(table)) as Record<string, PgColumn> }
}

/**
 * Every check in one SELECT of scalar subqueries, so a create's checks cost one round trip together; as a member of a
 * group commit (group-commit.ts), several creates' checks share one SELECT. Undefined when there is nothing to check.
 */
export function checksMember<C extends Record<string, Check<unknown> | undefined>>(db: Runner, checks: C): Member<Checked<C>> | undefined {
  // A check left undefined (nothing to check, e.g. no area given) is not read; no check at all means no round trip.
  const names = Object.keys(checks).filter((name) => checks[name])
  if (names.length === 0) return undefined
  const read = (row: Record<string, unknown> | undefined, tag: string) =>
    Object.fromEntries(names.map((name, i) => [name, checks[name]!.read(row?.[`${tag}c${i}`])])) as Checked<C>
  return {
    signature: 'checks',
    async alone() {
      const list = sql.join(names.map((name, i) => sql`(${checks[name]!.sql}) as ${sql.identifier(`c${i}`)}`), sql`, `)
      const [row] = await db.prepared<Record<string, unknown>>(sql`select ${list}`)
      return read(row, '')
    },
    part(tag, out) {
      names.forEach((name, i) => {
        out.text += i === 0 ? '(' : ', ('
        renderInto(checks[name]!.sql, out)
        out.text += `) as ${quote(`${tag}c${i}`)}`
      })
    },
    result: (rows, tag) => read(rows[0], tag),
  }
}
/** Checks of several creates in one SELECT: each member's columns are named by its tag. */
export const checksTogether: Combination = { open: 'select ', close: () => '' }

/**
 * A write whose SQL a repository builds itself: an UPDATE … RETURNING, an INSERT … SELECT from another write. `ref`
 * names the CTE of an earlier write, or the gate; the statement must write nothing unless the gate yields a row.
 */
export type PlannedStatement = { build(ref: (write: PlannedWrite | 'gate') => SQL): SQL }
export type PlannedWrite = PlannedInsert | PlannedStatement
export const plannedStatement = (build: PlannedStatement['build']): PlannedStatement => ({ build })

/** How many rows an earlier write wrote, as a top-level value of a jsonb object another write carries (an audit count). */
export type RowCount = { rowCountOf: PlannedWrite }
export const rowCount = (write: PlannedWrite): RowCount => ({ rowCountOf: write })

/**
 * Writes everything planned in one statement. With a `gate` (an INSERT … RETURNING that yields a row only when the
 * write may go ahead, such as an idempotency-key claim) nothing is written unless it yields one. Resolves to the first
 * insert's rows, or undefined when the gate held the write back. As a member of a group commit (group-commit.ts), it
 * shares a statement with writes whose first inserts return the same columns of the same table; `key` keeps two
 * writes that claim one idempotency key apart.
 */
export function writesMember<Row>(db: Runner, gate: PlannedGate | undefined, [first, ...rest]: [PlannedInsert<Row>, ...PlannedWrite[]], key?: string): Member<Row[] | undefined> {
  // A planned insert of no rows (a series whose rule yields no occurrence) writes nothing.
  const writes = [first, ...rest.filter((w) => !('rows' in w) || w.rows.length > 0)]
  const returned = Object.values(first.returning).map((c) => c.name)
  // The first write always has a row, so no row back means the gate yielded none.
  const read = (rows: Record<string, unknown>[]) => (rows.length === 0 ? undefined : (rows.map((raw) => fromDriver(first.returning, raw)) as Row[]))
  return {
    signature: `${getTableName(first.table)}(${returned.join()})`,
    ...(key === undefined ? {} : { key }),
    async alone() {
      const out = { text: 'with ', params: [] as unknown[] }
      const built = renderWrites(gate, writes, returned, '', out)
      out.text += ' select * from "w0"'
      if (renderingChecked()) sameAsDrizzle(out, gate, writes, built, first.returning)
      return read(await db.prepared<Record<string, unknown>>({ sql: out.text, params: out.params }))
    },
    part(tag, out) {
      renderWrites(gate, writes, returned, tag, out)
    },
    result: (rows, _tag, index) => read(rows.filter((row) => row[MEMBER] === index).map(({ [MEMBER]: _, ...row }) => row)),
  }
}
/** The column that says which member of a combined write a returned row is of. */
const MEMBER = 'group_member'
/** Writes of several creates in one statement: each member's CTEs are named by its tag; its first insert's rows come back marked. */
export const writesTogether: Combination = {
  open: 'with ',
  close: (tags) => ` ${tags.map((tag, i) => `select ${i} as ${quote(MEMBER)}, * from ${quote(`${tag}w0`)}`).join(' union all ')}`,
}

/**
 * Renders a write's CTEs (its gate, then each write) into `out`, named by `tag` (none: gate, "w0", "w1"…). Returns the
 * SQL built for writes a repository builds itself, so the tests' check renders the same.
 */
function renderWrites(gate: PlannedGate | undefined, writes: PlannedWrite[], returned: string[], tag: string, out: { text: string; params: unknown[] }): Map<PlannedWrite, SQL> {
  const gateName = tag ? quote(`${tag}gate`) : 'gate'
  out.text += `${gateName} as (`
  // Rendered straight to text and parameters: a create's inserts are most of its statement, and building them as
  // drizzle templates first cost more CPU than the rest of the create together. A rendered gate numbers its
  // parameters from $1: it is copied as it is when it comes first, else renumbered.
  if (gate && !(gate instanceof SQL) && out.params.length === 0) {
    out.text += gate.sql
    out.params.push(...gate.params)
  } else renderInto(gate === undefined ? sql`select 1` : gate instanceof SQL ? gate : fromRendered(gate), out)
  out.text += ')'
  const names = new Map<PlannedWrite, string>()
  const ref = refTo(names, gateName)
  // What a repository builds as SQL itself (reading the clock, say) is built once, so a check renders the same.
  const built = new Map<PlannedWrite, SQL>()
  writes.forEach((write, i) => {
    const name = quote(`${tag}w${i}`)
    out.text += `, ${name} as (`
    if ('rows' in write && !write.rows.some(carriesRowCount)) insertInto(write, gateName, out)
    else {
      const body = 'rows' in write ? insertFromGate(write, ref) : write.build(ref)
      built.set(write, body)
      renderInto(body, out)
    }
    out.text += `${i === 0 ? ` returning ${returned.map(quote).join(', ')}` : ''})`
    names.set(write, name)
  })
  return built
}

/** Names an earlier write's CTE (or the gate) for a write that reads it; a CTE sees only those before it. */
const refTo = (names: Map<PlannedWrite, string>, gateName = 'gate') => (write: PlannedWrite | 'gate'): SQL => {
  const name = write === 'gate' ? gateName : names.get(write)
  if (!name) throw new Error('a planned write refers to one that is not written before it')
  return sql.raw(name)
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`
const carriesRowCount = (row: Record<string, unknown>) => Object.values(row).some((v) => isObject(v) && Object.values(v).some((x) => isObject(x) && 'rowCountOf' in x))

/** An insert's text around its values, worked out once per table and set of columns named. */
type InsertShape = { keys: string[]; columns: PgColumn[]; casts: string[]; head: string }
const insertShapes = new WeakMap<PgTable, Map<string, InsertShape>>()

function shapeOf(table: PgTable, rows: Record<string, unknown>[]): InsertShape {
  const keys = [...new Set(rows.flatMap((row) => Object.keys(row).filter((k) => row[k] !== undefined)))]
  const byTable = insertShapes.get(table) ?? insertShapes.set(table, new Map()).get(table)!
  const known = byTable.get(keys.join())
  if (known) return refuseDefaulted(known, table, rows)
  const columns = getTableColumns(table)
  const unknown = keys.find((k) => !columns[k])
  if (unknown) throw new Error(`planned insert names no column ${unknown}`)
  const head = { text: 'insert into ', params: [] }
  renderInto(sql`${table}`, head)
  const shape = {
    keys,
    columns: keys.map((k) => columns[k]!),
    casts: keys.map((k) => `::${columns[k]!.getSQLType()}`),
    head: `${head.text} (${keys.map((k) => quote(columns[k]!.name)).join(', ')}) select v.* from `,
  }
  // A table's inserts come in a handful of shapes (which optional columns a create names).
  if (byTable.size < 64) byTable.set(keys.join(), shape)
  return refuseDefaulted(shape, table, rows)
}

/** A VALUES list has no DEFAULT: a row may leave out only columns whose default is null anyway. */
function refuseDefaulted(shape: InsertShape, table: PgTable, rows: Record<string, unknown>[]): InsertShape {
  const defaulted = shape.keys.find((k, i) => shape.columns[i]!.hasDefault && rows.some((row) => row[k] === undefined))
  if (defaulted) throw new Error(`planned rows of ${getTableName(table)} must all name ${defaulted} or none`)
  return shape
}

/** INSERT … SELECT from the gate, as text: each value a typed parameter (a bare one in a SELECT list would be read as text). */
function insertInto({ table, rows }: PlannedInsert, gateName: string, out: { text: string; params: unknown[] }): void {
  const shape = shapeOf(table, rows)
  out.text += `${shape.head}${gateName}, (values `
  rows.forEach((row, r) => {
    out.text += r === 0 ? '(' : ', ('
    shape.keys.forEach((key, k) => {
      if (k > 0) out.text += ', '
      const v = row[key]
      const cast = shape.casts[k]!
      if (v === null || v === undefined) out.text += `null${cast}`
      else {
        const mapped = shape.columns[k]!.mapToDriverValue(v)
        // A plain value is a parameter; anything else (SQL, an array) is rendered as drizzle would render it.
        if (typeof mapped === 'string' || typeof mapped === 'number' || typeof mapped === 'boolean') {
          out.params.push(mapped)
          out.text += `$${out.params.length}${cast}`
        } else renderInto(sql`${mapped}${sql.raw(cast)}`, out)
      }
    })
    out.text += ')'
  })
  out.text += ') as v'
}

/** Tests render every write statement through drizzle as well: the text and parameters must be the same. */
function sameAsDrizzle(out: { text: string; params: unknown[] }, gate: PlannedGate | undefined, writes: PlannedWrite[], built: Map<PlannedWrite, SQL>, returning: Record<string, PgColumn>) {
  const names = new Map<PlannedWrite, string>()
  const ref = refTo(names)
  const ctes = [sql`gate as (${gate === undefined ? sql`select 1` : gate instanceof SQL ? gate : fromRendered(gate)})`]
  writes.forEach((write, i) => {
    const body = built.get(write) ?? insertFromGate(write as PlannedInsert, ref)
    const back = i === 0 ? sql` returning ${sql.join(Object.values(returning).map((c) => sql.identifier(c.name)), sql`, `)}` : sql``
    ctes.push(sql`${sql.identifier(`w${i}`)} as (${body}${back})`)
    names.set(write, quote(`w${i}`))
  })
  const expected = renderSql(sql`with ${sql.join(ctes, sql`, `)} select * from ${sql.identifier('w0')}`)
  if (expected.sql !== out.text || JSON.stringify(expected.params) !== JSON.stringify(out.params)) throw new Error('a write statement rendered differently from drizzle')
}

/** INSERT … SELECT from the gate, built with drizzle: for rows that carry a count of another write's rows. */
function insertFromGate({ table, rows }: PlannedInsert, ref: (write: PlannedWrite | 'gate') => SQL): SQL {
  const { keys, columns } = shapeOf(table, rows)
  const value = (column: PgColumn, v: unknown): SQL => {
    const type = sql.raw(column.getSQLType())
    if (v === null || v === undefined) return sql`null::${type}`
    const counts = isObject(v) ? Object.entries(v).filter((e): e is [string, RowCount] => isObject(e[1]) && 'rowCountOf' in e[1]) : []
    if (counts.length === 0) return sql`${column.mapToDriverValue(v)}::${type}`
    // A count of another write's rows is known only inside the statement: merged into the object there.
    const known = Object.fromEntries(Object.entries(v as object).filter(([k]) => !counts.some(([c]) => c === k)))
    const counted = sql.join(counts.map(([k, c]) => sql`${k}::text, (select count(*) from ${ref(c.rowCountOf)})::int`), sql`, `)
    return sql`(${JSON.stringify(known)}::jsonb || jsonb_build_object(${counted}))`
  }
  const tuples = rows.map((row) => sql`(${sql.join(keys.map((k, i) => value(columns[i]!, row[k])), sql`, `)})`)
  const names = sql.join(columns.map((c) => sql.identifier(c.name)), sql`, `)
  return sql`insert into ${table} (${names}) select v.* from ${ref('gate')}, (values ${sql.join(tuples, sql`, `)}) as v`
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)

/** A row as the driver returned it (database column names), read the way Drizzle reads its own selects. */
export function fromDriver(columns: Record<string, PgColumn>, raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(columns).map(([key, c]) => {
    const v = raw[c.name]
    return [key, v === null || v === undefined ? null : c.mapFromDriverValue(v)]
  }))
}
