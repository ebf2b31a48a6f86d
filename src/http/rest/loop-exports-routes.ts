// REST adapter for feedback and decision CSV exports (openapi.yaml): the lists' filters, streamed a page at a time.
import { pipeline, Readable } from 'node:stream'
import { stringify } from 'csv-stringify'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { decisionCsvColumns, decisionCsvRecord } from '../../modules/decisions/decision-csv-format.ts'
import { feedbackCsvColumns, feedbackCsvRecord } from '../../modules/feedback/feedback-csv-format.ts'
import type { Services } from '../../modules/services.ts'
import type { Page } from '../../modules/shared/pagination.ts'
import { contextOf } from '../request-context.ts'
import { listQuery } from './rest-helpers.ts'

const feedbackArrayParams = ['status', 'topic', 'stance', 'channel', 'visibility', 'areaId', 'eventId'] as const
const decisionArrayParams = ['status', 'topic', 'areaId', 'eventId', 'organizationId'] as const

type Cell = string | number | null

/**
 * Answers a CSV download of every page: the first page is read before answering, so a bad filter is a 400 problem,
 * not a broken download; then one page at a time is in memory, pulled as the client reads (back-pressure).
 */
async function sendCsv<T>(request: FastifyRequest, reply: FastifyReply, pages: AsyncGenerator<Page<T>>, file: { name: string; columns: string[]; record: (item: T) => Cell[] }) {
  const first = await pages.next()
  reply.header('vary', 'Accept-Language, Authorization')
  reply.header('content-disposition', `attachment; filename="${file.name}"`)
  reply.type('text/csv; charset=utf-8; header=present')
  async function* rows() {
    let next: IteratorResult<Page<T>> = first
    while (!next.done) {
      for (const item of next.value.data) yield file.record(item)
      next = await pages.next()
    }
  }
  const csv = stringify({ header: true, columns: file.columns, bom: true, escape_formulas: true })
  // pipeline() ends the page reader when the client goes away or a later page fails (the response is then cut short).
  pipeline(Readable.from(rows()), csv, (err) => {
    if (err && err.code !== 'ERR_STREAM_PREMATURE_CLOSE') request.log.error({ err }, 'CSV export failed while streaming')
  })
  return reply.send(csv)
}

export function loopExportsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { loopExports } = services

  app.get('/v1/feedback.csv', async function exportFeedbackCsv(request, reply) {
    const pages = loopExports.feedbackPages(contextOf(request), listQuery(request, feedbackArrayParams))
    return sendCsv(request, reply, pages, { name: 'feedback.csv', columns: feedbackCsvColumns, record: feedbackCsvRecord })
  })

  app.get('/v1/decisions.csv', async function exportDecisionsCsv(request, reply) {
    const pages = loopExports.decisionPages(contextOf(request), listQuery(request, decisionArrayParams))
    return sendCsv(request, reply, pages, { name: 'decisions.csv', columns: decisionCsvColumns, record: decisionCsvRecord })
  })
}
