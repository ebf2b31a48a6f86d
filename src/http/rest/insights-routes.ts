// REST adapter for insights (openapi.yaml, tag Insights): JSON, or CSV by `Accept: text/csv` or a `.csv` suffix.
import type { FastifyInstance } from 'fastify'
import { AppError } from '../../errors.ts'
import { insightCsv } from '../../modules/insights/insights-csv.ts'
import { insightNames, type InsightName } from '../../modules/insights/insights-service.ts'
import type { Services } from '../../modules/services.ts'
import { contextOf } from '../request-context.ts'
import { listQuery } from './rest-helpers.ts'

const arrayParams = ['area', 'kind', 'format'] as const

export function insightsRoutes(app: FastifyInstance, { services }: { services: Services }) {
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
    return answer
  })
}
