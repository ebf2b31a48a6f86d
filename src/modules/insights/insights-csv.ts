// An insight answer as RFC 4180 CSV: one line per cell and margin, suppressed figures empty with their reason beside them.
import type { InsightAnswer, InsightRow } from './insights-service.ts'

type Column = { name: string; get: (row: InsightRow) => unknown }

const isPublished = (v: unknown): v is { value: unknown; suppressed: unknown } => Boolean(v && typeof v === 'object' && 'value' in v && 'suppressed' in v)

export function insightCsv(answer: InsightAnswer): string {
  const rows = [...answer.cells, ...answer.margins]
  const dims = [...new Set(rows.flatMap((r) => Object.keys(r.key)))]
  const sample = rows[0] ?? {}
  const measures = Object.keys(sample).filter((k) => k !== 'key' && k !== 'by')
  const columns: Column[] = [
    { name: 'level', get: (r) => (r.by ? 'margin' : 'cell') },
    { name: 'by', get: (r) => (r.by ? r.by.join('+') || 'total' : '') },
    ...dims.map((d) => ({ name: d, get: (r: InsightRow) => r.key[d] ?? '' })),
    ...measures.flatMap((m): Column[] => {
      const v = sample[m as keyof typeof sample]
      if (isPublished(v)) return [
        { name: m, get: (r) => (r[m] as { value: unknown }).value },
        { name: `${m}_suppressed`, get: (r) => (r[m] as { suppressed: unknown }).suppressed },
      ]
      if (v && typeof v === 'object')
        return Object.keys(v).flatMap((p): Column[] => [
          { name: `${m}_${p}`, get: (r) => ((r[m] as Record<string, { value: unknown }>)[p]!).value },
          { name: `${m}_${p}_suppressed`, get: (r) => ((r[m] as Record<string, { suppressed: unknown }>)[p]!).suppressed },
        ])
      return [{ name: m, get: (r) => r[m] }]
    }),
  ]
  const lines = [columns.map((c) => field(c.name)).join(','), ...rows.map((r) => columns.map((c) => field(c.get(r))).join(','))]
  return `${lines.join('\r\n')}\r\n`
}

function field(value: unknown): string {
  if (value === null || value === undefined) return ''
  let s = String(value)
  // A spreadsheet would run a leading = + - @ as a formula; numbers are the only values that may start with "-".
  if (/^[=+@\t\r]/.test(s) || (s.startsWith('-') && Number.isNaN(Number(s)))) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}
