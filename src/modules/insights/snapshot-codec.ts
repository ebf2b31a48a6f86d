/**
 * A period's published rows as the store keeps them (insight_snapshots.rows). Written as plain JSON, every row repeated
 * its property names, its family and its keys' values in full: a large agency's month of voice was ~12 MB of text for
 * ~20k rows, all of which an answer reads, holds as driver buffers and a string, and parses. Here each row is an array
 * of numbers: the shape it has (level, family, key names, how each figure is written) and its key values are indexes
 * into lists written once per snapshot. Decoding gives the rows JSON.parse gave, with one string per distinct value,
 * one family array per shape and the shared objects insight-tables.ts publishes small counts and withheld figures as.
 *
 * Format: `{"format":2,"strings":[…],"shapes":[[level, family, keys, measures]…],"rows":[[shape, key…, figure…]…]}`,
 * where a measure is `[name, "published"]` (a figure: its value, null, or the reason it is withheld), `[name,
 * "percentiles", parts]` (one such figure per part) or `[name, "raw"]` (the value as it was). A text that starts with
 * `[` is the plain JSON of rows that versions before this one stored; it is read as it is.
 */
import { published, type Published, type PublishedRow } from './insight-tables.ts'

type Measure = [name: string, kind: 'published'] | [name: string, kind: 'percentiles', parts: string[]] | [name: string, kind: 'raw']
type Shape = [level: PublishedRow['level'], family: string[], keys: string[], measures: Measure[]]
type Encoded = { format: 2; strings: string[]; shapes: Shape[]; rows: (number | string | null | object)[][] }

const isPublished = (v: unknown): v is Published => {
  if (!v || typeof v !== 'object') return false
  const keys = Object.keys(v)
  const { value, suppressed } = v as Published
  return keys.length === 2 && keys[0] === 'value' && keys[1] === 'suppressed' && (value === null || typeof value === 'number') && (suppressed === null || typeof suppressed === 'string') && (value === null || suppressed === null)
}

/** A figure as written: its value when shown (or null for none), its reason when withheld. */
const figure = (p: Published) => (p.suppressed === null ? p.value : p.suppressed)

function measureOf(name: string, v: unknown): Measure {
  if (isPublished(v)) return [name, 'published']
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0 && Object.values(v).every(isPublished)) return [name, 'percentiles', Object.keys(v)]
  return [name, 'raw']
}

export function encodeRows(rows: readonly PublishedRow[]): string {
  const strings: string[] = []
  const stringIndex = new Map<string, number>()
  const indexOf = (s: string) => stringIndex.get(s) ?? (stringIndex.set(s, strings.push(s) - 1), strings.length - 1)
  const shapes: Shape[] = []
  const shapeIndex = new Map<string, number>()
  const encoded: Encoded['rows'] = []
  for (const row of rows) {
    const keys = Object.keys(row.key)
    // Key values are strings ('' for none); anything else is written as before, as plain JSON.
    if (keys.some((k) => typeof row.key[k] !== 'string')) return JSON.stringify(rows)
    const measures = Object.entries(row.measures).map(([name, v]) => measureOf(name, v))
    const shape: Shape = [row.level, [...row.family], keys, measures]
    const id = JSON.stringify(shape)
    let s = shapeIndex.get(id)
    if (s === undefined) shapeIndex.set(id, (s = shapes.push(shape) - 1))
    const out: Encoded['rows'][number] = [s]
    for (const k of keys) out.push(indexOf(row.key[k]!))
    for (const [name, kind, parts] of measures) {
      const v = row.measures[name]
      if (kind === 'published') out.push(figure(v as Published))
      else if (kind === 'percentiles') for (const part of parts) out.push(figure((v as Record<string, Published>)[part]!))
      else out.push(v as number | object)
    }
    encoded.push(out)
  }
  return JSON.stringify({ format: 2, strings, shapes, rows: encoded } satisfies Encoded)
}

export function decodeRows(text: string): PublishedRow[] {
  const parsed = JSON.parse(text) as PublishedRow[] | Encoded
  if (Array.isArray(parsed)) return parsed
  if (parsed.format !== 2) throw new Error(`unknown insight snapshot format ${String(parsed.format)}`)
  const { strings, shapes } = parsed
  const families = shapes.map(([, family]) => Object.freeze(family))
  const figureOf = (x: unknown): Published => (typeof x === 'string' ? published(null, x) : published(x as number | null, null))
  return parsed.rows.map((r) => {
    const shape = shapes[r[0] as number]!
    const [level, , keys, measures] = shape
    let at = 1
    const key: Record<string, string> = {}
    for (const k of keys) key[k] = strings[r[at++] as number]!
    const values: PublishedRow['measures'] = {}
    for (const [name, kind, parts] of measures) {
      if (kind === 'published') values[name] = figureOf(r[at++])
      else if (kind === 'percentiles') {
        const p: Record<string, Published> = {}
        for (const part of parts) p[part] = figureOf(r[at++])
        values[name] = p as PublishedRow['measures'][string]
      } else values[name] = r[at++] as number
    }
    return { key, level, family: families[r[0] as number]!, measures: values }
  })
}
