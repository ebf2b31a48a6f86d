/**
 * How much of each insight is published: the same agency's answers built twice through the insights service, once
 * with the configured limits and once with nothing withheld (threshold 1), compared row by row. Tooling for
 * `npm run insights:share` and its test; it reads through the service like any caller.
 */
import { systemClock } from '../src/clock.ts'
import type { RequestContext } from '../src/context.ts'
import type { Database } from '../src/db/client.ts'
import { createAgenciesService } from '../src/modules/agencies/agencies-service.ts'
import { createInsightsService, insightNames, type InsightName, type InsightRow } from '../src/modules/insights/insights-service.ts'

/** The counts each insight publishes (means, shares and days follow their counts and are not counted here). */
export const countMeasures: Record<InsightName | 'community-trust', readonly string[]> = {
  reach: ['people', 'headCount'],
  voice: ['feedback'],
  'closing-the-loop': ['received', 'acknowledged', 'addressed', 'declined', 'reportedBack'],
  trust: ['responses'],
  'who-takes-part': ['participants'],
  'community-trust': ['responses', 'concerns'],
}

/** One entry of one count: its true value, and whether the answer publishes it. */
export type Figure = { insight: string; measure: string; level: 'cell' | 'margin'; by: string; key: Record<string, string | null>; value: number; published: boolean }
export type Share = { insight: string; measure: string; level: 'cell' | 'margin' | 'all'; entries: number; published: number; total: number; publishedTotal: number }

type Value = { value: number | null; suppressed: string | null }
const ctx = {} as RequestContext

/** Every nonzero figure of every count of every insight of the agency, with whether it is published. */
export async function figuresOf(database: Database, agency: string, limits: { threshold: number; minResponses: number } = { threshold: 11, minResponses: 11 }): Promise<Figure[]> {
  const agencies = createAgenciesService({ database })
  const published = createInsightsService({ database, agencies, clock: systemClock, settings: { ...limits, refreshSeconds: 3600 } })
  // Threshold 1 withholds nothing (no count lies in 1 … 0): the true values, built by the same code.
  const open = createInsightsService({ database, agencies, clock: systemClock, settings: { threshold: 1, minResponses: 1, refreshSeconds: 3600 } })
  const out: Figure[] = []
  const id = (r: InsightRow) => JSON.stringify([r.by ?? [], r.key])
  for (const name of insightNames) {
    const [shown, all] = await Promise.all([published.answer(ctx, name, { agency }), open.answer(ctx, name, { agency })])
    const shownRows = new Map([...shown.cells, ...shown.margins].map((r) => [id(r), r]))
    for (const [level, rows] of [['cell', all.cells], ['margin', all.margins]] as const)
      for (const r of rows)
        for (const measure of countMeasures[name]) {
          const value = (r[measure] as Value).value ?? 0
          if (value === 0) continue
          const mine = shownRows.get(id(r))?.[measure] as Value | undefined
          out.push({ insight: name, measure, level, by: (r.by ?? []).join(), key: r.key, value, published: mine?.value === value && mine.suppressed === null })
        }
  }
  const [shownTrust, allTrust] = await Promise.all([published.communityTrust(ctx, { agency, cycle: 'month' }), open.communityTrust(ctx, { agency, cycle: 'month' })])
  const [shownQ, allQ] = await Promise.all([published.communityTrust(ctx, { agency, cycle: 'quarter' }), open.communityTrust(ctx, { agency, cycle: 'quarter' })])
  const shownRows = new Map([...shownTrust.rows, ...shownQ.rows].map((r) => [`${r.area}|${r.cycle}`, r]))
  for (const r of [...allTrust.rows, ...allQ.rows]) {
    const mine = shownRows.get(`${r.area}|${r.cycle}`)
    const by = r.cycle.includes('Q') ? 'area,quarter' : 'area,month'
    const key = { area: r.area, cycle: r.cycle }
    if (r.responses.value) out.push({ insight: 'community-trust', measure: 'responses', level: 'margin', by, key, value: r.responses.value, published: mine?.responses.value === r.responses.value && mine.responses.suppressed === null })
    for (const c of r.concerns) {
      if (!c.count.value) continue
      const m = mine?.concerns.find((x) => x.topic === c.topic)?.count
      out.push({ insight: 'community-trust', measure: 'concerns', level: 'margin', by, key: { ...key, topic: c.topic }, value: c.count.value, published: m?.value === c.count.value && m.suppressed === null })
    }
  }
  return out
}

/** Per insight and count: the share of nonzero cells and margins published, and of their summed values. */
export function sharesOf(figures: readonly Figure[]): Share[] {
  const out = new Map<string, Share>()
  for (const f of figures)
    for (const level of [f.level, 'all'] as const) {
      const k = `${f.insight}|${f.measure}|${level}`
      const s = out.get(k) ?? out.set(k, { insight: f.insight, measure: f.measure, level, entries: 0, published: 0, total: 0, publishedTotal: 0 }).get(k)!
      s.entries++
      s.total += f.value
      if (f.published) {
        s.published++
        s.publishedTotal += f.value
      }
    }
  const order = { cell: 0, margin: 1, all: 2 }
  const insights = Object.keys(countMeasures)
  const measures = Object.values(countMeasures).flat()
  return [...out.values()].sort((a, b) => insights.indexOf(a.insight) - insights.indexOf(b.insight) || measures.indexOf(a.measure) - measures.indexOf(b.measure) || order[a.level] - order[b.level])
}

const pct = (a: number, b: number) => (b === 0 ? '—' : `${((100 * a) / b).toFixed(1)}%`)

/** The shares as a Markdown table. */
export function shareTable(shares: readonly Share[]): string {
  const lines = ['| insight | count | level | nonzero entries | published | share of entries | share of counts |', '| --- | --- | --- | ---: | ---: | ---: | ---: |']
  for (const s of shares) lines.push(`| ${s.insight} | ${s.measure} | ${s.level} | ${s.entries} | ${s.published} | ${pct(s.published, s.entries)} | ${pct(s.publishedTotal, s.total)} |`)
  return lines.join('\n')
}
