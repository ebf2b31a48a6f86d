// Months and quarters as insights count them: local dates of an agency's time zone, written 2026-03 and 2026-Q1.
import type { PeriodRange, PeriodSpan } from './insights-repository.ts'

export type Unit = 'month' | 'quarter'

/**
 * The periods a from/to range keeps, of those with data: whole months or quarters only, widened outward to the unit
 * (a filter can only select whole cells). Returns the widened bounds for the answer to state.
 */
export function periodSelection(present: readonly string[], unit: Unit, from?: string, to?: string): { values: string[]; from: string | null; to: string | null } {
  if (!from && !to) return { values: [...present], from: null, to: null }
  const start = from ? periodStart(periodOfDate(from, unit), unit) : null
  const end = to ? lastDay(periodOfDate(to, unit), unit) : null
  const values = present.filter((p) => (!start || periodStart(p, unit) >= start) && (!end || periodStart(p, unit) <= end))
  return { values, from: start, to: end }
}

/** Every period from the first to the last with data (agency time), oldest first. */
export function periodsOf(span: PeriodSpan): Record<Unit, string[]> {
  const months: string[] = []
  for (let m = span.firstMonth; m && span.lastMonth && m <= span.lastMonth; m = nextPeriod(m, 'month')) months.push(m)
  const quarters: string[] = []
  for (let q = span.firstQuarter; q && span.lastQuarter && q <= span.lastQuarter; q = nextPeriod(q, 'quarter')) quarters.push(q)
  return { month: months, quarter: quarters }
}

export function nextPeriod(period: string, unit: Unit): string {
  const [y, n] = (unit === 'month' ? period.split('-') : period.split('-Q')).map(Number)
  const last = unit === 'month' ? 12 : 4
  return n! === last ? (unit === 'month' ? `${y! + 1}-01` : `${y! + 1}-Q1`) : unit === 'month' ? `${y}-${pad(n! + 1)}` : `${y}-Q${n! + 1}`
}

/** A period as local dates: its first day and the first day after it. */
export function rangeOf(period: string, unit: Unit): PeriodRange {
  return { from: periodStart(period, unit), to: periodStart(nextPeriod(period, unit), unit) }
}

const pad = (n: number) => String(n).padStart(2, '0')
function periodOfDate(date: string, unit: Unit): string {
  const [y, m] = date.split('-').map(Number)
  return unit === 'month' ? `${y}-${pad(m!)}` : `${y}-Q${Math.ceil(m! / 3)}`
}
export function periodStart(period: string, unit: Unit): string {
  if (unit === 'month') return `${period}-01`
  const [y, q] = period.split('-Q').map(Number)
  return `${y}-${pad((q! - 1) * 3 + 1)}-01`
}
function lastDay(period: string, unit: Unit): string {
  const start = periodStart(period, unit)
  const [y, m] = start.split('-').map(Number)
  const endMonth = unit === 'month' ? m! : m! + 2
  const d = new Date(Date.UTC(y!, endMonth, 0))
  return d.toISOString().slice(0, 10)
}
