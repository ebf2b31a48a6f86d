// The read path's two ways of writing an object in PostgreSQL: json_build_object (`object`) and the named columns of a
// row written by row_to_json (`objectColumns`, REST's whole views). They must give the same JSON for the same fields.
import t from 'tap'
import { sql } from 'drizzle-orm'
import { column, object, objectColumns, raw, value, type ObjectType, type Scope } from '../src/db/json-select.ts'
import type { Selection } from '../src/modules/reads/selection.ts'
import { fileDatabase } from './helpers/database.ts'

const database = await fileDatabase()
const scope: Scope = { dialect: 'rest', languages: sql`'{}'::text[]`, anyLanguage: false, accepted: sql`'{}'::text[]`, anyAccepted: false, alias: (p) => p }
type Refs = { v: string }
// A value of each kind a view writes: text with quotes and non-ASCII, numbers, booleans, null, arrays, nested JSON.
const sampleType: ObjectType<Refs> = {
  text: column('v', 'text'),
  count: column('v', 'count'),
  ratio: value(({ v }) => raw(`${v}.ratio`)),
  flag: column('v', 'flag'),
  missing: value(() => sql`null::text`),
  tags: value(({ v }) => raw(`to_json(${v}.tags)`)),
  translations: value(({ v }) => raw(`json_build_object('title', ${v}.title)`)),
}
const fields = (...names: string[]): Selection[] => names.map((f) => ({ key: f, field: f, args: {}, selections: [] }))
const rows = `(values ('Reunión "comunitaria"', 3, 0.5::numeric, true, array['en','es-MX'], '{"en": "Town hall", "es": "Reunión"}'::jsonb),
  ('', -1, 1e-3::numeric, false, array[]::text[], '{}'::jsonb)) as v(text, count, ratio, flag, tags, title)`

async function texts(query: ReturnType<typeof sql>): Promise<string[]> {
  return (await database.prepared<{ j: string }>(query)).map((r) => r.j)
}

t.test('when a view is written as a row, then its JSON is the JSON json_build_object writes, key for key', async (t) => {
  const selection = fields('text', 'count', 'ratio', 'flag', 'missing', 'tags', 'translations', '__typename')
  const built = await texts(sql`select ${object(sampleType, 'Sample', { v: 'v' }, selection, scope)}::text as j from ${raw(rows)}`)
  const asRows = await texts(sql`select row_to_json(r)::text as j from ${raw(rows)} cross join lateral (select ${objectColumns(sampleType, 'Sample', { v: 'v' }, selection, scope)}) r`)
  t.same(asRows.map((j) => JSON.parse(j)), built.map((j) => JSON.parse(j)), 'the same values')
  t.same(asRows.map((j) => Object.keys(JSON.parse(j))), built.map((j) => Object.keys(JSON.parse(j))), 'the keys in the order asked')
  t.ok(asRows.every((j, i) => j.length < built[i]!.length), 'and shorter text: no spaces around the colons')
})

t.test('when a key could not be a column name as it was asked, then no statement is built', async (t) => {
  const build = (key: string) => objectColumns(sampleType, 'Sample', { v: 'v' }, [{ key, field: 'text', args: {}, selections: [] }], scope)
  t.throws(() => build('a'.repeat(64)), /too long for a column name/, 'PostgreSQL would cut a 64-byte name')
  t.throws(() => build('title" from events; --'), /not a field name/, 'a quote cannot close the name')
  t.doesNotThrow(() => build('a'.repeat(63)))
})
