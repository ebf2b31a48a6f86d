// The benchmark report: one markdown table and the same figures as JSON, with the issue's targets marked met / not met.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LoadReport } from './dataset.ts'

export type Measurement = {
  scenario: string
  kind: 'read' | 'write' | 'mixed'
  implementation: string
  requests: number
  rps: number
  p50: number
  p90: number
  p99: number
  errors: number
  serverCpuMsPerReq: number
  pgCpuMsPerReq: number | null
  sqlPerReq: number | null
  /** VmHWM of the implementation's process at the end of this scenario (a process-lifetime peak). */
  peakRssMb: number | null
  /** Largest share of the machine's CPU taken by processes other than the server, PostgreSQL and the load generator in a round. */
  otherCpuShare: number
  /** the busiest of those other processes in that round */
  otherCpuTop: string[]
  /** largest share of the machine spent in interrupts (loopback networking mostly) and stolen by the hypervisor */
  irqShare: number
  stealShare: number
  rounds: { rps: number; p50: number; p99: number; errors: number }[]
}

export type RunReport = {
  startedAt: string
  wallSeconds: number
  scale: string
  dataset: LoadReport
  indexes: string[]
  machine: { nproc: number; cpuModel: string; memoryGb: number; kernel: string }
  setup: Record<string, unknown>
  measurements: Measurement[]
  /** per scenario: the statements the API ran per request (pg_stat_statements, first measured round) */
  apiStatements?: Record<string, { perRequest: number; query: string }[]>
  /** the first insight answer: building agency-1's suppressed tables, and each whole table's rows */
  insightBuild?: { firstAnswerMs?: number; ms: number; monthRebuildMs?: number | null; rssBeforeMb: number | null; rssAfterMb: number | null; rssWholeTablesMb?: number | null; rows: Record<string, number>; builder?: { peakRssMb: number | null; processes: number } }
  ratios?: Ratio[]
  targets?: Target[]
}

type Ratio = { name: string; value: number | null; basis: string }
type Target = { target: string; status: 'met' | 'not met' | 'not measured'; measured: string }

const find = (ms: Measurement[], scenario: string, impl: string) => ms.find((m) => m.scenario === scenario && m.implementation === impl)
const totalCpu = (m: Measurement | undefined) => (m ? m.serverCpuMsPerReq + (m.pgCpuMsPerReq ?? 0) : undefined)
const div = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : null)
const f = (n: number | null | undefined, d = 2) => (n === null || n === undefined || Number.isNaN(n) ? '—' : n.toFixed(d))

export function ratiosOf(ms: Measurement[]): Ratio[] {
  const out: Ratio[] = []
  const scenarios = [...new Set(ms.map((m) => m.scenario))]
  for (const s of scenarios) {
    const api = find(ms, s, 'api')
    const pgl = find(ms, s, 'postgraphile')
    const raw = find(ms, s, 'raw-sql')
    if (pgl) out.push({ name: `${s}: API ÷ PostGraphile throughput`, value: div(api?.rps, pgl.rps), basis: 'requests/s' })
    if (pgl) out.push({ name: `${s}: API ÷ PostGraphile CPU per request`, value: div(totalCpu(api), totalCpu(pgl)), basis: 'server + PostgreSQL CPU ms per request' })
    if (raw) out.push({ name: `${s}: API ÷ raw SQL CPU per request`, value: div(totalCpu(api), totalCpu(raw)), basis: 'server + PostgreSQL CPU ms per request' })
    if (raw) out.push({ name: `${s}: API ÷ raw SQL server CPU per request`, value: div(api?.serverCpuMsPerReq, raw.serverCpuMsPerReq), basis: 'server process CPU ms per request' })
    const uncached = find(ms, s, 'api-no-cache')
    if (uncached && pgl) out.push({ name: `${s}: API (cache off) ÷ PostGraphile throughput`, value: div(uncached.rps, pgl.rps), basis: 'requests/s, Cache-Control: no-cache' })
    if (uncached && raw) out.push({ name: `${s}: API (cache off) ÷ raw SQL CPU per request`, value: div(totalCpu(uncached), totalCpu(raw)), basis: 'server + PostgreSQL CPU ms per request, Cache-Control: no-cache' })
  }
  const first = find(ms, 'rest-list-first-page', 'api')
  const deep = find(ms, 'rest-list-99pct-deep-page', 'api')
  out.push({ name: 'REST list: deep page ÷ first page latency (p50)', value: div(deep?.p50, first?.p50), basis: 'p50 latency, API' })
  out.push({ name: 'REST list: deep page ÷ first page latency (p99)', value: div(deep?.p99, first?.p99), basis: 'p99 latency, API' })
  out.push({ name: 'REST list: deep page ÷ first page CPU per request', value: div(totalCpu(deep), totalCpu(first)), basis: 'server + PostgreSQL CPU ms per request, API' })
  return out
}

export function targetsOf(r: RunReport): Target[] {
  const ms = r.measurements
  const t: Target[] = []
  const ratio = (a?: number | null, b?: number | null) => (a != null && b != null && b > 0 ? a / b : null)
  const check = (target: string, value: number | null, ok: (v: number) => boolean, show: (v: number) => string) =>
    t.push({ target, status: value === null ? 'not measured' : ok(value) ? 'met' : 'not met', measured: value === null ? 'no peer or metric in this run' : show(value) })

  const throughput = (scenario: string) => ratio(find(ms, scenario, 'api')?.rps, find(ms, scenario, 'postgraphile')?.rps)
  const times = (v: number) => `${f(v)}×`
  // Issue 15's targets: the nested pages ≥ 2× PostGraphile; every other scenario measured against it ≥ 1.5×.
  check('nested GraphQL ≥ 2× PostGraphile throughput', throughput('graphql-nested-page'), (v) => v >= 2, times)
  check('nested GraphQL, loop page (feedback, decisions, report-backs) ≥ 2× PostGraphile throughput', throughput('graphql-nested-loop-page'), (v) => v >= 2, times)
  for (const [scenario, label] of [
    ['graphql-event-detail', 'event detail'],
    ['graphql-event-detail-loop', 'event detail with the loop'],
    ['graphql-create-event', 'writes (GraphQL create event)'],
    ['rest-create-event', 'writes (REST create event)'],
    ['graphql-create-feedback', 'writes (GraphQL create feedback)'],
    ['rest-create-feedback', 'writes (REST create feedback)'],
    ['mixed-70-read-30-write', 'mixed 70 % read / 30 % write'],
  ] as const)
    check(`${label} ≥ 1.5× PostGraphile throughput`, throughput(scenario), (v) => v >= 1.5, times)
  if (find(ms, 'mixed-70-read-30-write', 'api-no-cache'))
    check('mixed 70 % read / 30 % write ≥ 1.5× PostGraphile throughput, with the event cache off', ratio(find(ms, 'mixed-70-read-30-write', 'api-no-cache')?.rps, find(ms, 'mixed-70-read-30-write', 'postgraphile')?.rps), (v) => v >= 1.5, times)
  for (const [scenario, label] of [['rest-list-first-page', 'REST first page'], ['rest-list-99pct-deep-page', 'REST 99th-percentile deep page'], ['rest-get-by-id', 'REST get-by-id']] as const)
    check(`${label} ≤ 1.5× raw-SQL CPU per request (server + PostgreSQL)`, ratio(totalCpu(find(ms, scenario, 'api')), totalCpu(find(ms, scenario, 'raw-sql'))), (v) => v <= 1.5, times)
  if (find(ms, 'rest-get-by-id', 'api-no-cache'))
    check('REST get-by-id ≤ 1.5× raw-SQL CPU per request, with the event cache off', ratio(totalCpu(find(ms, 'rest-get-by-id', 'api-no-cache')), totalCpu(find(ms, 'rest-get-by-id', 'raw-sql'))), (v) => v <= 1.5, times)
  for (const [scenario, label] of [['graphql-nested-page', 'nested GraphQL'], ['graphql-nested-loop-page', 'nested GraphQL, loop page']] as const) {
    const sql = find(ms, scenario, 'api')?.sqlPerReq ?? null
    check(`≤ 2 SQL statements per ${label} request`, sql, (v) => v <= 2.05, (v) => `${f(v)} per request`)
  }
  for (const scenario of ['rest-create-event', 'graphql-create-event', 'rest-create-feedback', 'graphql-create-feedback']) {
    const sql = find(ms, scenario, 'api')?.sqlPerReq ?? null
    check(`≤ 2 round trips per create (${scenario}, idempotency, audit, history, outbox included)`, sql, (v) => v <= 2.05, (v) => `${f(v)} statements per request`)
  }
  check('deep page ≤ 1.2× first page latency (p50)', ratio(find(ms, 'rest-list-99pct-deep-page', 'api')?.p50, find(ms, 'rest-list-first-page', 'api')?.p50), (v) => v <= 1.2, (v) => `${f(v)}×`)
  const errors = ms.reduce((a, m) => a + m.errors, 0)
  t.push({ target: '0 errors', status: errors === 0 ? 'met' : 'not met', measured: `${errors} errors over all runs` })
  // the insight scenarios run last, after the insight tables are built; their memory is reported on its own
  const rss = Math.max(...ms.filter((m) => m.implementation.startsWith('api') && !m.scenario.includes('insights')).map((m) => m.peakRssMb ?? 0))
  check('API peak RSS ≤ 250 MB (before the insight tables are built)', rss || null, (v) => v <= 250, (v) => `${f(v, 0)} MB peak`)
  if (r.insightBuild) check('API peak RSS ≤ 250 MB with agency-1\'s insight tables built', r.insightBuild.rssAfterMb, (v) => v <= 250, (v) => `${f(v, 0)} MB peak`)
  if (r.insightBuild) {
    // Issue 19: the insight tables built once in PostgreSQL for every instance.
    const b = r.insightBuild
    check('insights: cold build of every period of agency-1 ≤ 60 s (issue 19)', b.firstAnswerMs === undefined ? null : (b.firstAnswerMs + b.ms) / 1000, (v) => v <= 60, (v) => `${f(v, 1)} s (first answer + every other period)`)
    check('insights: API peak RSS ≤ 300 MB (issue 19)', b.rssAfterMb, (v) => v <= 300, (v) => `${f(v, 0)} MB peak through the builds and dashboards${b.rssWholeTablesMb ? `; ${f(b.rssWholeTablesMb, 0)} MB once the five whole tables (one JSON body each) were answered` : ''}${b.builder ? `; the build process (a child of the API's, ended when idle; ${b.builder.processes} started) peaked at ${f(b.builder.peakRssMb, 0)} MB` : ''}`)
    check('insights: dashboard answer p50 ≤ 20 ms (issue 19)', find(ms, 'rest-insights-dashboard', 'api')?.p50 ?? null, (v) => v <= 20, (v) => `${f(v, 1)} ms`)
    if (b.monthRebuildMs !== undefined) check("insights: a month's rebuild after new feedback ≤ 5 s (issue 19)", b.monthRebuildMs === null ? null : b.monthRebuildMs / 1000, (v) => v <= 5, (v) => `${f(v, 1)} s (≤ 1 s of it noticing the change)`)
  }
  const limit = r.scale === 'small' ? 300 : r.scale === 'default' ? 900 : null
  if (limit !== null) check(`${r.scale} scale finishes in < ${limit / 60} min`, r.wallSeconds, (v) => v < limit, (v) => `${v} s (bench/run.ts; PostgreSQL start and peer installs not included)`)
  return t
}

export function renderMarkdown(r: RunReport): string {
  const lines: string[] = []
  lines.push(`# Benchmark ${r.startedAt} — scale ${r.scale}`, '')
  lines.push(`Machine: ${r.machine.nproc} CPUs (${r.machine.cpuModel}), ${r.machine.memoryGb} GB memory. API on Node ${r.setup.apiNode} (${r.setup.apiRuntime ?? "TypeScript source under tsx"}); ${r.setup.postgres}.`)
  lines.push(`Dataset: ${Object.entries(r.dataset.rows).map(([k, v]) => `${v} ${k}`).join(', ')} (loaded in ${r.dataset.ms} ms${r.dataset.notLoaded.length ? `; not loaded: ${r.dataset.notLoaded.join(', ')}` : ''}). Production indexes checked: ${r.indexes.length}.`)
  lines.push(`Load: autocannon, ${r.setup.connections} connections, warm-up ${r.setup.warmupS} s per implementation, then ${r.setup.rounds} rounds × ${r.setup.measureS} s interleaved (A B … then … B A). ${r.setup.pinning}${r.setup.loadGeneratorPinned ? '' : ' (load generator NOT pinned in this run)'}.`)
  lines.push(`Peers: ${r.setup.postgraphile ?? `PostGraphile not run: ${r.setup.postgraphileProblem}`}; raw SQL = one statement per request through node-postgres in a bare Fastify route; static = the API's captured response served by a bare Fastify route.`)
  lines.push(`PostgreSQL CPU: ${r.setup.pgCpuSource}. SQL statements: ${r.setup.sqlSource}. Latency percentiles are the mean of the rounds'. Wall time: ${r.wallSeconds} s.`, '')
  lines.push('| scenario | implementation | req/s | p50 ms | p90 ms | p99 ms | errors | server CPU ms/req | PostgreSQL CPU ms/req | SQL stmts/req | peak RSS MB | other CPU | irq / steal |')
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const m of r.measurements) {
    const other = m.otherCpuShare > 0.05 ? `**${(m.otherCpuShare * 100).toFixed(0)}%**` : `${(m.otherCpuShare * 100).toFixed(0)}%`
    lines.push(`| ${m.scenario} | ${m.implementation} | ${f(m.rps, 0)} | ${f(m.p50, 1)} | ${f(m.p90, 1)} | ${f(m.p99, 1)} | ${m.errors} | ${f(m.serverCpuMsPerReq, 3)} | ${f(m.pgCpuMsPerReq, 3)} | ${f(m.sqlPerReq)} | ${f(m.peakRssMb, 0)} | ${other} | ${(m.irqShare * 100).toFixed(0)}% / ${(m.stealShare * 100).toFixed(0)}% |`)
  }
  lines.push('', '"other CPU": the largest share of the whole machine (all CPUs) used by processes other than the server under test, PostgreSQL and the load generator during a measured round; bold above 5%, when another process took CPU. "irq / steal": the largest share spent in interrupt handling and stolen by the hypervisor.', '')
  const noisy = r.measurements.filter((m) => m.otherCpuShare > 0.05)
  if (noisy.length) {
    lines.push('Other processes that took CPU (busiest round of each):', '')
    for (const m of noisy) lines.push(`- ${m.scenario} / ${m.implementation}: ${(m.otherCpuShare * 100).toFixed(0)}% — ${m.otherCpuTop.join(', ')}`)
    lines.push('')
  }
  if (r.insightBuild) {
    const b = r.insightBuild
    lines.push('## Insights (issue 7)', '', `The dashboard's first answer after start (voice, one area, one quarter: it builds those three months): **${b.firstAnswerMs ?? '?'} ms**. Building every other period of agency-1's five suppressed tables (${b.rssWholeTablesMb !== undefined ? 'the five insights asked for quarter by quarter' : 'the five whole tables asked for in turn'}): **${b.ms} ms**; peak RSS ${b.rssBeforeMb ?? '?'} → ${b.rssAfterMb ?? '?'} MB${b.rssWholeTablesMb ? ` (${b.rssWholeTablesMb} MB once the five whole tables were answered, last)` : ''}${b.builder ? `; the build process's peak RSS ${b.builder.peakRssMb ?? '?'} MB (${b.builder.processes} started over the run)` : ''}.${b.monthRebuildMs !== undefined ? ` March rebuilt and answered after 11 new items: **${b.monthRebuildMs ?? 'not within 120 s'} ms**.` : ''} Rows per whole table: ${Object.entries(b.rows).map(([k, v]) => `${k} ${v}`).join(', ')}. Answers afterwards are the rest-insights-* and graphql-insights-* rows above.`, '')
  }
  lines.push('## Ratios', '', '| ratio | value | basis |', '| --- | ---: | --- |')
  for (const x of r.ratios ?? []) lines.push(`| ${x.name} | ${x.value === null ? '—' : `${f(x.value)}×`} | ${x.basis} |`)
  lines.push('', '## Targets (issues 6 and 15)', '', '| target | status | measured |', '| --- | --- | --- |')
  for (const x of r.targets ?? []) lines.push(`| ${x.target} | ${x.status === 'met' ? 'met' : `**${x.status}**`} | ${x.measured} |`)
  if (r.apiStatements && Object.keys(r.apiStatements).length) {
    lines.push('', '## SQL the API ran per request', '', 'From pg_stat_statements, diffed around the first measured round of each scenario (statement text cut at 200 characters).', '')
    for (const [scenario, list] of Object.entries(r.apiStatements)) {
      lines.push(`**${scenario}**`, '')
      for (const x of list) lines.push(`- ${x.perRequest.toFixed(2)} × \`${x.query.replaceAll('`', "'")}\``)
      lines.push('')
    }
  }
  lines.push('')
  return lines.join('\n')
}

export function writeReport(dir: string, r: RunReport): { md: string; json: string } {
  r.ratios = ratiosOf(r.measurements)
  r.targets = targetsOf(r)
  mkdirSync(dir, { recursive: true })
  const stamp = r.startedAt.replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z')
  const md = join(dir, `${stamp}-${r.scale}.md`)
  const json = join(dir, `${stamp}-${r.scale}.json`)
  writeFileSync(md, renderMarkdown(r))
  writeFileSync(json, JSON.stringify(r, null, 2) + '\n')
  return { md, json }
}
