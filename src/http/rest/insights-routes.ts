// REST adapter for insights (openapi.yaml, tag Insights): JSON, or CSV by `Accept: text/csv` or a `.csv` suffix.
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { AppError } from '../../errors.ts'
import { insightCsv } from '../../modules/insights/insights-csv.ts'
import { insightNames, type InsightAnswer, type InsightName } from '../../modules/insights/insights-service.ts'
import type { Services } from '../../modules/services.ts'
import { contextOf } from '../request-context.ts'
import { listQuery } from './rest-helpers.ts'

const arrayParams = ['area', 'kind', 'format', 'topic'] as const

export function insightsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  // Trust and safety by area over survey cycles (a static route: it takes precedence over :insight).
  app.get('/v1/insights/community-trust', async function getCommunityTrust(request) {
    // Through benchmarks: the answer carries item codes and, when `norm` names a norm table, the comparison with it.
    return services.benchmarks.communityTrust(contextOf(request), listQuery(request, ['area', 'contactKind']))
  })

  app.get<{ Params: { insight: string } }>('/v1/insights/:insight', async function getInsight(request, reply) {
    const asked = request.params.insight
    const name = asked.replace(/\.csv$/, '')
    if (!(insightNames as readonly string[]).includes(name)) throw new AppError('NOT_FOUND', `There is no insight named ${name}; there are ${insightNames.join(', ')}`)
    const answer = await services.insights.answer(contextOf(request), name as InsightName, listQuery(request, arrayParams))
    reply.header('vary', 'Accept')
    const accept = request.headers.accept ?? ''
    if (asked.endsWith('.csv') || (/\btext\/csv\b/.test(accept) && !/\bapplication\/json\b/.test(accept))) {
      reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${answer.agency}-${name}.csv"`)
      return insightCsv(answer)
    }
    // A whole table's answer runs to megabytes of JSON (8,446 rows, 7.5 MB for one agency's closing the loop at the
    // benchmark's small scale): written a slice of rows at a time, the process never holds all of it at once.
    return reply.type('application/json; charset=utf-8').send(Readable.from(answerJson(answer)))
  })
}

const ROWS_PER_CHUNK = 200

/** The bytes JSON.stringify(answer) gives, in pieces: the cells and margins a slice of rows at a time. */
export function* answerJson(answer: InsightAnswer): Generator<string> {
  // The answer's own key order, with the two row lists left empty to be filled in where they stand.
  const skeleton = JSON.stringify({ ...answer, cells: [], margins: [] })
  let at = 0
  for (const [key, rows] of [['cells', answer.cells], ['margins', answer.margins]] as const) {
    const marker = `"${key}":[`
    const open = skeleton.indexOf(marker, at) + marker.length
    yield skeleton.slice(at, open)
    for (let i = 0; i < rows.length; i += ROWS_PER_CHUNK) {
      const slice = JSON.stringify(rows.slice(i, i + ROWS_PER_CHUNK))
      yield (i ? ',' : '') + slice.slice(1, -1)
    }
    at = open
  }
  yield skeleton.slice(at)
}
