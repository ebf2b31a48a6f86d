// REST adapter for events in open formats: iCalendar feeds, CSV export, and schema.org JSON-LD (openapi.yaml).
import { pipeline, Readable } from 'node:stream'
import { stringify } from 'csv-stringify'
import type { FastifyInstance } from 'fastify'
import { eventCsvColumns, eventCsvRecord } from '../../modules/events/csv-format.ts'
import type { EventView } from '../../modules/events/event-view.ts'
import { toICalendar } from '../../modules/events/icalendar-format.ts'
import type { Services } from '../../modules/services.ts'
import type { Page } from '../../modules/shared/pagination.ts'
import { contextOf } from '../request-context.ts'
import { eventArrayParams, listQuery } from './rest-helpers.ts'

type IdParams = { Params: { id: string } }

export function eventFormatsRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { eventFeeds } = services

  app.get('/v1/events.ics', async function listEventsCalendar(request, reply) {
    const feed = await eventFeeds.calendar(contextOf(request), listQuery(request, eventArrayParams))
    if (feed.truncated) reply.header('x-feed-truncated', 'true')
    reply.header('vary', 'Accept-Language, Authorization')
    return reply.type('text/calendar; charset=utf-8').send(toICalendar(feed, { name: 'Community engagement meetings' }))
  })

  app.get<IdParams>('/v1/events/:id.ics', async function getEventCalendar(request, reply) {
    const feed = await eventFeeds.calendarOf(contextOf(request), request.params.id)
    const event = feed.events[0]!
    reply.header('vary', 'Accept-Language, Authorization').header('content-language', event.contentLanguage)
    reply.header('content-disposition', `inline; filename="event-${event.id}.ics"`)
    return reply.type('text/calendar; charset=utf-8').send(toICalendar(feed, { name: event.title }))
  })

  app.get('/v1/events.csv', async function exportEventsCsv(request, reply) {
    const pages = eventFeeds.exportPages(contextOf(request), listQuery(request, eventArrayParams))
    // The first page is read before answering, so a bad filter is a 400 problem, not a broken download.
    const first = await pages.next()
    reply.header('vary', 'Accept-Language, Authorization')
    reply.header('content-disposition', 'attachment; filename="events.csv"')
    reply.type('text/csv; charset=utf-8; header=present')
    // One page in memory at a time: rows are pulled as the client reads (stream back-pressure).
    async function* rows() {
      let next: IteratorResult<Page<EventView>> = first
      while (!next.done) {
        for (const event of next.value.data) yield eventCsvRecord(event)
        next = await pages.next()
      }
    }
    const csv = stringify({ header: true, columns: eventCsvColumns, bom: true, cast: { boolean: (b) => String(b) }, escape_formulas: true })
    // pipeline() ends the page reader when the client goes away or a later page fails (the response is then cut short).
    pipeline(Readable.from(rows()), csv, (err) => {
      if (err && err.code !== 'ERR_STREAM_PREMATURE_CLOSE') request.log.error({ err }, 'CSV export failed while streaming')
    })
    return reply.send(csv)
  })
}
