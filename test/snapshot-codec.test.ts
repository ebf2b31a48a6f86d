// The store's form of a period's published rows (snapshot-codec.ts): decoding gives back what was encoded, byte for
// byte once serialized, whatever the rows hold; the text is a fraction of the plain JSON; older plain JSON still reads.
import fc from 'fast-check'
import t from 'tap'
import type { PublishedRow } from '../src/modules/insights/insight-tables.ts'
import { TEST_NOW } from './helpers/clock.ts'
import { decodeRows, encodeRows } from '../src/modules/insights/snapshot-codec.ts'

// A period label as keys carry it (a month of the tests' now; its value is only a string to the codec).
const MONTH = TEST_NOW.slice(0, 7)
const reason = fc.constantFrom('primary', 'complementary', 'insufficient_responses')
const figure = fc.oneof(
  fc.record({ value: fc.oneof(fc.nat(2_000), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: -5, max: -1 })), suppressed: fc.constant(null) }),
  fc.record({ value: fc.constant(null), suppressed: fc.oneof(reason, fc.constant(null)) }),
)
const dims = ['area', 'topArea', 'topic', 'stance', 'period', 'kind']
const row: fc.Arbitrary<PublishedRow> = fc
  .record({
    family: fc.subarray(dims, { minLength: 1 }),
    level: fc.constantFrom('cell' as const, 'margin' as const),
    values: fc.array(fc.oneof(fc.uuid(), fc.constantFrom('', 'critical', 'supportive', MONTH, 'café ✓')), { minLength: 6, maxLength: 6 }),
    measures: fc.dictionary(
      fc.constantFrom('feedback', 'received', 'acknowledgedShare', 'daysToAcknowledge', 'events', 'responses'),
      fc.oneof(figure, fc.record({ median: figure, p90: figure }), fc.nat(500), fc.constant({ odd: [1, 'x'] })),
      { minKeys: 1, maxKeys: 4 },
    ),
  })
  .map(({ family, level, values, measures }) => ({ key: Object.fromEntries(family.map((d, i) => [d, values[i]!])), level, family, measures: measures as PublishedRow['measures'] }))

t.test('decoding gives back the rows encoded, serialized to the same bytes', async (t) => {
  fc.assert(
    fc.property(fc.array(row, { maxLength: 60 }), (rows) => {
      const text = encodeRows(rows)
      t.ok(text.startsWith('{'), 'written in the compact form')
      const back = decodeRows(text)
      return JSON.stringify(back) === JSON.stringify(rows) && JSON.stringify(back.map((r) => Object.keys(r.measures))) === JSON.stringify(rows.map((r) => Object.keys(r.measures)))
    }),
    { numRuns: 300, seed: 11 },
  )
})

t.test('a table of many rows: a fraction of its plain JSON, with one object per small count and per reason', async (t) => {
  const areas = Array.from({ length: 40 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)
  const rows: PublishedRow[] = []
  for (const area of areas)
    for (const topic of ['policing_priorities', 'traffic_safety', 'youth_engagement', 'agency_technology'])
      for (const stance of ['critical', 'neutral', 'supportive']) {
        const n = (area.length + topic.length * stance.length) % 30
        rows.push({ key: { topic, stance, area, topArea: area, period: MONTH }, level: 'cell', family: ['topic', 'stance', 'area', 'topArea', 'period'], measures: { feedback: n < 11 ? { value: null, suppressed: 'primary' } : { value: n, suppressed: null } } })
      }
  const plain = JSON.stringify(rows)
  const text = encodeRows(rows)
  t.ok(text.length * 4 < plain.length, `${text.length} characters for ${plain.length} of plain JSON`)
  const back = decodeRows(text)
  t.equal(JSON.stringify(back), plain)
  const figures = back.map((r) => r.measures.feedback)
  t.equal(new Set(figures).size, new Set(figures.map((f) => JSON.stringify(f))).size, 'one object per distinct figure')
  t.equal(new Set(back.map((r) => r.family)).size, 1, 'one family array per shape')
  t.throws(() => (back[0]!.measures.feedback as { value: unknown }).value = 1, 'shared figures are frozen')
})

t.test('rows stored as plain JSON by earlier versions read as they are', async (t) => {
  const rows: PublishedRow[] = [{ key: { area: '' }, level: 'margin', family: ['area'], measures: { people: { value: 12, suppressed: null } } }]
  t.strictSame(decodeRows(JSON.stringify(rows)), rows)
})

t.test('a key value that is not a string is written as plain JSON', async (t) => {
  const rows = [{ key: { area: null }, level: 'cell', family: ['area'], measures: { people: 3 } }] as unknown as PublishedRow[]
  const text = encodeRows(rows)
  t.equal(text, JSON.stringify(rows))
  t.strictSame(decodeRows(text), rows)
})

t.test('a format this version does not know is an error, not rows', async (t) => {
  t.throws(() => decodeRows('{"format":3,"rows":[]}'), /unknown insight snapshot format 3/)
})
