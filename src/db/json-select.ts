// Building blocks for statements in which PostgreSQL writes a response's JSON: objects of selected fields, values
// written as the services' views write them, and Relay connections over keyset pages. The expressions are inline rather
// than SQL functions: PostgreSQL cannot inline a function with subqueries, and calling one costs 4–10 µs a row.
import { sql, type SQL } from 'drizzle-orm'
import type { Dialect, Selection } from '../modules/reads/selection.ts'

/** What one statement's building needs besides the selection: how to write values and the caller's languages. */
export type Scope = { dialect: Dialect; languages: SQL; anyLanguage: boolean; accepted: SQL; anyAccepted: boolean; alias(prefix: string): string }

/** A value read from an expression (a jsonb column, a translation row). */
export type Value = { v: SQL }
export type Build<R> = (refs: R, selection: Selection, scope: Scope) => SQL
export type Field<R> = { type: string | null; build: Build<R> }
export type ObjectType<R> = Record<string, Field<R>>

export const raw = (text: string) => sql.raw(text)
/** A response key or alias is a GraphQL name (checked by the parser), so it is safe as a literal. */
const fieldName = (name: string) => {
  if (!/^[_A-Za-z][_0-9A-Za-z]*$/.test(name)) throw new Error(`not a field name: ${name}`)
  return name
}
export const key = (name: string) => raw(`'${fieldName(name)}'`)
export const value = <R>(build: (refs: R, scope: Scope) => SQL): Field<R> => ({ type: null, build: (refs, _s, scope) => build(refs, scope) })
export const column = <R extends Record<string, unknown>>(table: keyof R & string, name: string): Field<R> => value((refs) => raw(`${refs[table] as string}.${name}`))
/** An enum value: GraphQL's names are the services' values in upper case. */
export const enumValue = (expr: SQL, scope: Scope) => (scope.dialect === 'graphql' ? sql`upper(${expr}::text)` : expr)
export const enumList = (expr: SQL, scope: Scope) => (scope.dialect === 'graphql' ? sql`to_json(ARRAY(SELECT upper(x::text) FROM unnest(${expr}) AS x))` : sql`to_json(${expr})`)
/** Date.prototype.toISOString(): UTC, milliseconds, "Z". */
export const utcIso = (expr: string) => `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
/**
 * time.ts's toOffsetIso: wall-clock time in the zone to the second, and the zone's offset (2026-03-10T18:30:00-05:00).
 * `local` is the instant `at` AT TIME ZONE the zone, worked out once where the row is read (it is read here thrice).
 */
export const localIso = (local: string, at: string) => {
  const utcWall = `(${at} AT TIME ZONE 'UTC')`
  return raw(`(to_char(${local}, 'YYYY-MM-DD"T"HH24:MI:SS') || CASE WHEN ${local} < ${utcWall} THEN '-' ELSE '+' END || replace(to_char(${local} - ${utcWall}, 'HH24:MI'), '-', ''))`)
}
/** pagination.ts's encodeCursor: base64url of JSON.stringify({ o, t, id }), byte for byte. */
export const cursorOf = (order: string, at: string, id: string) =>
  raw(`rtrim(translate(encode(convert_to('{"o":${JSON.stringify(order)},"t":"' || ${utcIso(at)} || '","id":"' || ${id} || '"}', 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')`)
/**
 * A row's second text (a description, a summary) in the language its title was given in when it has it (most rows), else
 * its own best pick from `preferred` (the title's language first): decision-view.ts's and event-view.ts's fallback.
 */
export const secondText = (map: string, l: string, fallback: string, preferred: SQL) => sql`(${raw(map)} ->> ${secondLanguage(map, l, fallback, preferred)})`
/** The language secondText picks: what the text is actually in (null when there is no text). */
export const secondLanguage = (map: string, l: string, fallback: string, preferred: SQL) =>
  sql`CASE WHEN ${raw(map)} ? ${raw(l)}.lang THEN ${raw(l)}.lang ELSE ${pickLanguage(raw(map), preferred, raw(fallback))} END`

/**
 * language.ts's pickLanguage over a translation map's keys: each preferred tag in turn (exact, case-insensitive, before
 * one sharing its base language), then the fallback if present, then the map's first key. No preferences is the usual
 * case, and a cheap one.
 */
export function pickLanguage(map: SQL, preferred: SQL | undefined, fallback: SQL): SQL {
  const fallbackOrFirst = sql`CASE WHEN ${map} ? ${fallback} THEN ${fallback} ELSE (SELECT k FROM jsonb_object_keys(${map}) AS k LIMIT 1) END`
  if (!preferred) return fallbackOrFirst
  return sql`coalesce((SELECT k.key FROM unnest(${preferred}) WITH ORDINALITY AS p(want, rank)
      JOIN jsonb_object_keys(${map}) WITH ORDINALITY AS k(key, place) ON lower(k.key) = lower(p.want) OR split_part(lower(k.key), '-', 1) = split_part(lower(p.want), '-', 1)
      ORDER BY p.rank, lower(k.key) = lower(p.want) DESC, k.place LIMIT 1), ${fallbackOrFirst})`
}

/** The value of one selected field (__typename: the type's name). */
const fieldValue = <R>(type: ObjectType<R>, typeName: string, refs: R, s: Selection, scope: Scope): SQL =>
  s.field === '__typename' ? raw(`'${typeName}'`) : type[s.field]!.build(refs, s, scope)

/** A JSON object of the selected fields, in the order asked (GraphQL's response order). */
export function object<R>(type: ObjectType<R>, typeName: string, refs: R, selections: Selection[], scope: Scope): SQL {
  if (selections.length > 50) throw new Error('too many fields for one json_build_object')
  const parts = selections.map((s) => sql`${key(s.key)}, ${fieldValue(type, typeName, refs, s, scope)}`)
  return parts.length ? sql`json_build_object(${sql.join(parts, sql`, `)})` : sql`'{}'::json`
}

/**
 * The same fields as `object`, as the named columns of a row for a lateral join: PostgreSQL writes a row's JSON
 * (`row_to_json`, `json_agg` of the row) with less work than json_build_object's, and without its spaces.
 */
export function objectColumns<R>(type: ObjectType<R>, typeName: string, refs: R, selections: Selection[], scope: Scope): SQL {
  const columns = selections.map((s) => {
    // PostgreSQL cuts a column name at 63 bytes: a longer key would not come back as it was asked.
    if (s.key.length > 63) throw new Error(`too long for a column name: ${s.key}`)
    return sql`${fieldValue(type, typeName, refs, s, scope)} AS ${raw(`"${fieldName(s.key)}"`)}`
  })
  return sql.join(columns, sql`, `)
}

/** A translation map as GraphQL's [Translation!]! list, in the map's own key order. */
export const translationList = (map: SQL, s: Selection, scope: Scope) => {
  const t = scope.alias('t')
  return sql`(SELECT coalesce(json_agg(${object(translationType, 'Translation', { v: raw(t) }, s.selections, scope)} ORDER BY ${raw(t)}.place), '[]') FROM jsonb_each_text(${map}) WITH ORDINALITY AS ${raw(t)}(language, text, place))`
}
export const translationType: ObjectType<Value> = {
  language: value(({ v }) => sql`${v}.language`),
  text: value(({ v }) => sql`${v}.text`),
}

/**
 * A page of rows under an alias `p`, each with its place `n` and whether a row follows it (`followed`): the page query
 * fetches one row more than `limit`. `cursor` is the row's edge cursor; `node` builds the row's object.
 */
export type PageRefs = { p: string; limit: SQL; cursor: SQL; node: (s: Selection, scope: Scope) => SQL; total?: SQL; capped?: CappedTotal }
/** A listing's capped count (counting.ts): `count` is a column holding at most cap + 1, read once per connection. */
export type CappedTotal = { count: SQL; cap: number }
/** A top-level connection's total: exact up to the cap, else the cap flagged as an estimate (min(): one value per connection). */
export const cappedTotalFields: ObjectType<PageRefs> = {
  totalCount: value(({ capped }) => sql`least(min(${capped!.count}), ${raw(String(capped!.cap))})`),
  totalCountIsEstimate: value(({ capped }) => sql`coalesce(min(${capped!.count}) > ${raw(String(capped!.cap))}, false)`),
}
export const onPage = (refs: PageRefs) => sql`${raw(refs.p)}.n <= ${refs.limit}`
export const pageInfoType: ObjectType<PageRefs> = {
  hasNextPage: value(({ p, limit }) => sql`coalesce(bool_or(${raw(p)}.followed) FILTER (WHERE ${raw(p)}.n = ${limit}), false)`),
  hasPreviousPage: value(() => sql`false`),
  startCursor: value((refs) => sql`(array_agg(${refs.cursor} ORDER BY ${raw(refs.p)}.n) FILTER (WHERE ${onPage(refs)}))[1]`),
  endCursor: value((refs) => sql`(array_agg(${refs.cursor} ORDER BY ${raw(refs.p)}.n DESC) FILTER (WHERE ${onPage(refs)}))[1]`),
}
export const edgeType = (node: string): ObjectType<PageRefs> => ({
  cursor: value((refs) => refs.cursor),
  node: { type: node, build: (refs, s, scope) => refs.node(s, scope) },
})
/** A Relay connection over a page: edges, nodes and pageInfo (aggregates over the page's rows). */
export const connectionType = (edge: string, node: string, extra: ObjectType<PageRefs> = {}): ObjectType<PageRefs> => ({
  edges: {
    type: edge,
    build: (refs, s, scope) => sql`coalesce(json_agg(${object(edgeType(node), edge, refs, s.selections, scope)} ORDER BY ${raw(refs.p)}.n) FILTER (WHERE ${onPage(refs)}), '[]')`,
  },
  nodes: { type: node, build: (refs, s, scope) => sql`coalesce(json_agg(${refs.node(s, scope)} ORDER BY ${raw(refs.p)}.n) FILTER (WHERE ${onPage(refs)}), '[]')` },
  pageInfo: { type: 'PageInfo', build: (refs, s, scope) => object(pageInfoType, 'PageInfo', refs, s.selections, scope) },
  ...extra,
})
