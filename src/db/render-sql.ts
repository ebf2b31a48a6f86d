// Renders drizzle's sql templates to text and $n parameters as drizzle's PgDialect does, without its per-chunk entity
// checks and tracing span, which cost a create a third of its CPU. Anything unusual is left to drizzle itself.
import { Column, Name, Param, Placeholder, sql, SQL, StringChunk, Subquery, Table, View } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'

export type RenderedSql = { sql: string; params: unknown[] }

const dialect = new PgDialect()
/** A chunk this renderer does not know (a view, an enum, a placeholder, inlined parameters): drizzle renders the query. */
class Unusual extends Error {}
const name = (value: string) => `"${value.replace(/"/g, '""')}"`
// drizzle's own (global) symbols for a table's schema, name and whether it is an alias.
const [SCHEMA, NAME, IS_ALIAS] = [Symbol.for('drizzle:Schema'), Symbol.for('drizzle:Name'), Symbol.for('drizzle:IsAlias')]
const tableName = (table: Table, alias: boolean): string => {
  const t = table as unknown as Record<symbol, string | undefined>
  const own = name(t[NAME]!)
  return t[SCHEMA] === undefined || alias ? own : `${name(t[SCHEMA])}.${own}`
}
const isAlias = (table: Table) => (table as unknown as Record<symbol, boolean>)[IS_ALIAS] === true
/** Column names as drizzle writes them: this app configures no casing, so a column is named by its own name. */
const columnName = (column: Column) => {
  if ((column as unknown as { keyAsName?: boolean }).keyAsName) throw new Unusual()
  return name(column.name)
}

function walk(chunks: readonly unknown[], out: { text: string; params: unknown[] }): void {
  for (const chunk of chunks) {
    if (chunk instanceof StringChunk) out.text += chunk.value.join('')
    else if (chunk instanceof SQL) {
      if ((chunk as unknown as { shouldInlineParams: boolean }).shouldInlineParams) throw new Unusual()
      walk(chunk.queryChunks, out)
    } else if (chunk instanceof Name) out.text += name(chunk.value)
    else if (chunk === undefined) continue
    else if (chunk instanceof Param) {
      if (chunk.value instanceof Placeholder) throw new Unusual()
      const mapped = chunk.value === null ? null : chunk.encoder.mapToDriverValue(chunk.value)
      if (mapped instanceof SQL) walk([mapped], out)
      else param(mapped, out)
    } else if (Array.isArray(chunk)) {
      out.text += '('
      chunk.forEach((c, i) => {
        if (i > 0) out.text += ', '
        walk([c], out)
      })
      out.text += ')'
    } else if (chunk instanceof View || chunk instanceof Placeholder) throw new Unusual()
    else if (chunk instanceof Column) out.text += `${tableName(chunk.table, isAlias(chunk.table))}.${columnName(chunk)}`
    else if (chunk instanceof Table) out.text += tableName(chunk, isAlias(chunk))
    else if (chunk instanceof SQL.Aliased && chunk.fieldAlias !== undefined) out.text += name(chunk.fieldAlias)
    else if (chunk instanceof Subquery) {
      const { isWith, alias, sql } = chunk._ as unknown as { isWith: boolean; alias: string; sql: SQL }
      if (isWith) out.text += name(alias)
      else {
        out.text += '('
        walk([sql], out)
        out.text += `) ${name(alias)}`
      }
    } else if (typeof chunk === 'object' && chunk !== null && typeof (chunk as { getSQL?: unknown }).getSQL === 'function' && !(chunk instanceof Date)) {
      // A query builder (a select inside a template): drizzle adds parentheses unless the builder says not to.
      const wrapper = chunk as { getSQL(): SQL; shouldOmitSQLParens?(): boolean }
      if (wrapper.shouldOmitSQLParens?.()) walk([wrapper.getSQL()], out)
      else {
        out.text += '('
        walk([wrapper.getSQL()], out)
        out.text += ')'
      }
    } else if (typeof chunk === 'function') throw new Unusual()
    else param(chunk, out)
  }
}

function param(value: unknown, out: { text: string; params: unknown[] }): void {
  out.params.push(value)
  out.text += `$${out.params.length}`
}

/** Checks every rendering against drizzle's (tests turn it on): a difference throws, naming neither text nor values. */
let checked = false
export const checkRenderingAgainstDrizzle = (on: boolean) => void (checked = on)

/** Checks are on (tests): callers that render in their own way compare with drizzle too. */
export const renderingChecked = () => checked

/**
 * Renders `query` onto the end of a statement being built, its parameters numbered after those already there (a
 * statement assembled from pieces, as the write path's). A piece only drizzle can render must come first.
 */
export function renderInto(query: SQL, out: { text: string; params: unknown[] }): void {
  const before = { text: out.text, count: out.params.length }
  try {
    walk([query], out)
  } catch (err) {
    if (!(err instanceof Unusual)) throw err
    // drizzle numbers from $1, which would clash with the parameters already there.
    if (before.count > 0) throw new Error('renderInto: a piece only drizzle renders cannot follow parameters')
    const { sql: text, params } = dialect.sqlToQuery(query)
    out.text = before.text + text
    out.params.length = 0
    out.params.push(...params)
  }
}

/** drizzle renders each parameter once, in order, as $1 … $n: the text splits back into chunks and parameters. */
export function fromRendered({ sql: text, params }: RenderedSql): SQL {
  const parts = text.split(/\$(\d+)/)
  return sql.join(parts.map((part, i) => (i % 2 === 0 ? sql.raw(part) : sql`${params[Number(part) - 1]}`)), sql``)
}

export function renderSql(query: SQL): RenderedSql {
  const out = { text: '', params: [] as unknown[] }
  try {
    walk([query], out)
  } catch (err) {
    if (err instanceof Unusual) return dialect.sqlToQuery(query)
    throw err
  }
  const rendered = { sql: out.text, params: out.params }
  if (checked) {
    const expected = dialect.sqlToQuery(query)
    if (expected.sql !== rendered.sql || expected.params.length !== rendered.params.length || expected.params.some((p, i) => !Object.is(p, rendered.params[i]) && JSON.stringify(p) !== JSON.stringify(rendered.params[i]))) {
      throw new Error('renderSql: a statement rendered differently from drizzle')
    }
  }
  return rendered
}
